"""Durable files: writes that a crash or power cut leaves old or new (temp file, fsync, rename,
folder fsync), and the data folder's lock (flock on kiosk.lock, released when the process dies)."""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

LOCK_FILE = "kiosk.lock"


def fsync_dir(path: Path) -> None:
    """Make a folder's changes (a rename, a new or deleted file) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_file(path: Path, *, prefix: str | None = None,
                prepare: Callable[[Path], None] | None = None) -> Iterator[BinaryIO]:
    """A binary file handle whose content replaces `path` when the block ends without an error.

    The content goes to a hidden temp file in the same folder (`prefix` + random + ".tmp", by
    default ".<name>."), is fsynced, `prepare(temp path)` runs (to set its mode or owner), it is
    renamed over `path` and the folder is fsynced: a crash leaves the old file or the new one,
    never a mix. An error in the block (a failed size check, say) removes the temp file and leaves
    `path` as it was.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=prefix or f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if prepare is not None:
            prepare(Path(tmp))
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a crash leaves the old file or the new one, never a mix."""
    with atomic_file(path) as handle:
        handle.write(data)


class FolderInUse(Exception):
    """Another process (or another lock in this one) holds the folder's lock."""

    def __init__(self, folder: Path, holder: str):
        self.folder, self.holder = folder, holder
        super().__init__(f"{folder} is locked by pid {holder}")


class FolderLock:
    """The exclusive lock of a data folder: flock on its kiosk.lock, which holds the pid of the
    process that has it. The kernel releases it when the process dies, so a kill -9 never leaves
    a folder locked."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock now or raise `FolderInUse` naming the holder's pid (never waits).
        Holding it already is fine: `with` on a lock taken before keeps it, then releases it."""
        if self._fd is not None:
            return
        fd = os.open(self.folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise FolderInUse(self.folder, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "FolderLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_holder(folder: Path) -> str | None:
    """The pid (as text) of the process holding `folder`'s lock, or None when it is free. Only
    looks: never creates the lock file and never keeps the lock."""
    try:
        fd = os.open(Path(folder) / LOCK_FILE, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
