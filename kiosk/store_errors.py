"""The errors of the data folder's store, told in words for people (shown in the UI in its
language, by the CLI): keys into content/strings/<lang>/errors.toml, `[store]`."""

from __future__ import annotations

import errno
from pathlib import Path

from kiosk.messages import Message, MessageError

# Why the disk refused a write, by errno; any other error is told in the system's own words.
DISK_REASONS = {
    errno.ENOSPC: "errors.store.disk.full",
    errno.EDQUOT: "errors.store.disk.quota",
    errno.EROFS: "errors.store.disk.read_only",
    errno.EACCES: "errors.store.disk.denied",
    errno.EPERM: "errors.store.disk.denied",
    errno.EIO: "errors.store.disk.io",
}


class StoreError(MessageError):
    """A storage problem: `StoreError("errors.store.<key>", **values)`."""

    @property
    def why(self) -> Message:
        """The problem in short, for a text that says around it what failed ("Could not save:
        {reason}"): the whole message, or for a failed write only why the disk refused."""
        return self.message


class StoreLocked(StoreError):
    pass


class StoreCorrupt(StoreError):
    def __init__(self, path: Path, problem: str, kept: Path | None):
        self.path, self.kept = path, kept
        if kept:
            super().__init__("errors.store.corrupt_kept", path=path, problem=problem, kept=kept)
        else:
            super().__init__("errors.store.corrupt", path=path, problem=problem)


class StoreWriteError(StoreError):
    def __init__(self, path: Path, exc: OSError):
        self.errno = exc.errno
        key = DISK_REASONS.get(exc.errno or 0)
        why = Message(key) if key else Message("errors.store.disk.other",
                                               {"error": exc.strerror or str(exc)})
        self.reason = why.text()  # in English, for logs
        super().__init__("errors.store.write", path=path, reason=why)

    @property
    def why(self) -> Message:
        return self.message.values["reason"]
