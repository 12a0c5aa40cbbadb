"""Privacy retention: remove entries, drafts and backups older than [privacy].retention_days.

Which entries go: on a kiosk, entries that reached the supervisor station (sync state "synced")
and private entries (they never leave the device). Entries still waiting to be sent are kept
whatever their age, because they exist nowhere else; `kiosk doctor` warns about them. On the
supervisor station (mode "supervisor") every entry past the limit goes. An entry's age is the time
since its last change (`updated`, else `created`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from kiosk.config import Config
from kiosk.entries import Entry, parse_time
from kiosk.ops.backup import list_backups
from kiosk.store import Store


@dataclass
class RetentionPlan:
    cutoff: datetime
    remove: list[str] = field(default_factory=list)
    kept_unsent: list[str] = field(default_factory=list)  # past the limit, but not yet sent

    @property
    def cutoff_iso(self) -> str:
        return self.cutoff.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def cutoff_for(config: Config, now: datetime | None = None) -> datetime:
    now = now or datetime.now(timezone.utc)
    return now - timedelta(days=config.retention_days)


def last_change(entry: Entry) -> datetime:
    return parse_time(entry.updated or entry.created)


def may_remove(entry: Entry, mode: str) -> bool:
    """Whether an entry past the limit may go: it reached the station, or never leaves this one."""
    return mode == "supervisor" or entry.sync == "synced" or entry.visibility == "private"


def plan_retention(store: Store, config: Config, now: datetime | None = None) -> RetentionPlan:
    plan = RetentionPlan(cutoff=cutoff_for(config, now))
    for entry in store.entries():
        if last_change(entry) >= plan.cutoff:
            continue
        (plan.remove if may_remove(entry, config.mode) else plan.kept_unsent).append(entry.id)
    return plan


def apply_retention(store: Store, plan: RetentionPlan) -> tuple[int, int]:
    """Remove the planned entries and the drafts older than the cutoff: (entries, drafts)."""
    entries = store.remove_entries(plan.remove) if plan.remove else 0
    drafts = store.remove_drafts_saved_before(plan.cutoff_iso)
    return entries, drafts


def expired_backups(backup_dir: Path, retention_days: int, today: date | None = None) -> list[Path]:
    """Backup archives (of any kiosk) older than the retention limit: they hold removed entries."""
    today = today or date.today()
    return [info.path for info in list_backups(backup_dir)
            if (today - info.day).days > retention_days]
