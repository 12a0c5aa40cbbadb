"""Where the kiosk finds its shipped files (content/, models/) and its default data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


def content_dir() -> Path:
    """content/ of the source checkout, or share/kiosk/content of an installed prefix."""
    override = os.environ.get("KIOSK_CONTENT_DIR")
    if override:
        return Path(override)
    return _first_existing(
        _SOURCE_ROOT / "content", Path(sys.prefix) / "share" / "kiosk" / "content"
    )


def models_dir() -> Path:
    """Folder of the model registry and the installed .gguf files."""
    override = os.environ.get("KIOSK_MODELS_DIR")
    if override:
        return Path(override)
    return _first_existing(
        _SOURCE_ROOT / "models", Path(sys.prefix) / "share" / "kiosk" / "models"
    )


def default_data_dir() -> Path:
    """The user's data folder for the kiosk (platform conventions)."""
    return Path(platformdirs.user_data_dir("kiosk", appauthor=False))
