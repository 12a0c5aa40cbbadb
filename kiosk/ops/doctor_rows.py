"""The rows of `kiosk doctor` and what every check is given: statuses, Check, Context."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from kiosk.config import Config

OK, WARN, FAIL, SKIP = "OK", "WARN", "FAIL", "SKIP"


@dataclass
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""


@dataclass
class Context:
    """What the checks look at, taken from the config (or what is left of a broken one)."""

    config: Config | None
    config_error: str | None
    config_path: Path | None
    data_dir: Path
    backup_dir: Path
    model: str
    coach_enabled: bool
    mode: str
    kiosk_id: str
    retention_days: int
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    tty1: Path = Path("/dev/tty1")
