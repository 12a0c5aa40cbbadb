"""The errors of the data folder's store, each with a message meant for people (shown in the UI or
by the CLI)."""

from __future__ import annotations

import errno
from pathlib import Path


class StoreError(Exception):
    """A storage problem with a message meant for people (shown in the UI or by the CLI)."""


class StoreLocked(StoreError):
    pass


class StoreCorrupt(StoreError):
    def __init__(self, path: Path, problem: str, kept: Path | None):
        self.path, self.kept = path, kept
        where = f" A copy was kept at {kept}." if kept else ""
        super().__init__(
            f"The data file {path} is damaged ({problem}). It has not been changed or replaced."
            f"{where} Nothing more is written to it; call IT (run `kiosk doctor`)."
        )


class StoreWriteError(StoreError):
    def __init__(self, path: Path, exc: OSError):
        self.errno = exc.errno
        reason = {
            errno.ENOSPC: "the disk is full",
            errno.EDQUOT: "the disk quota is used up",
            errno.EROFS: "the disk is read-only",
            errno.EACCES: "permission denied",
            errno.EPERM: "permission denied",
            errno.EIO: "the disk reported an input/output error",
        }.get(exc.errno or 0, exc.strerror or str(exc))
        self.reason = reason
        super().__init__(f"Could not save to {path}: {reason}. The previous data is intact.")
