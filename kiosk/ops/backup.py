"""Backups of a data folder as dated tar.gz archives, their rotation, and restore.

A backup can be made while the kiosk runs: the store replaces each of its files atomically (temp
file + rename), so a file read through one open handle is one consistent version of that file. The
archive is written to a hidden temp file, fsynced and renamed, so a crash or a full disk never
leaves half an archive under a backup name. `restore_backup` refuses a data folder in use, checks
every file of the archive against its manifest, upgrades data of an older store format, and keeps
the current data aside as an archive before it replaces anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any

from kiosk import __version__
from kiosk.durable import LOCK_FILE, FolderInUse, FolderLock, atomic_file, fsync_dir
from kiosk.store import Store
from kiosk.store_errors import StoreError
from kiosk.store_upgrade import FORMAT_KEY, SCHEMA_KEY, ensure_current_format

ARCHIVE_FORMAT = 1
MANIFEST = "BACKUP.json"
DATA_PREFIX = "data"
ARCHIVE_RE = re.compile(r"^kiosk-backup-(?P<kiosk>[A-Za-z0-9][A-Za-z0-9_.-]*?)-"
                        r"(?P<day>\d{4}-\d{2}-\d{2})(?P<tag>-[a-z0-9-]+)?\.tar\.gz$")


class BackupError(Exception):
    """A backup or restore problem; the message says what happened and what to do."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    kiosk_id: str
    day: date
    tag: str

    @property
    def age_days(self) -> int:
        return (date.today() - self.day).days


@dataclass(frozen=True)
class BackupResult:
    path: Path
    files: int
    entries: int
    size: int
    damaged: tuple[str, ...] = ()


@dataclass(frozen=True)
class RestoreResult:
    entries: int
    files: int
    kept_aside: Path | None
    from_kiosk: str


def resolve_backup_dir(flag: str | None, configured: Path | None, data_dir: Path) -> Path:
    """The backup folder of every command (backup, restore, retention, doctor): the command's
    --dir flag, else the configured folder (`Config.backup_dir`: $KIOSK_BACKUP_DIR, else
    [backup] dir), else one next to the data folder (/var/lib/kiosk -> /var/lib/kiosk-backups)."""
    if flag:
        return Path(flag).expanduser()
    if configured is not None:
        return Path(configured)
    data_dir = Path(data_dir)
    return data_dir.parent / f"{data_dir.name}-backups"


def archive_name(kiosk_id: str, day: date, tag: str = "") -> str:
    return f"kiosk-backup-{kiosk_id}-{day.isoformat()}{'-' + tag if tag else ''}.tar.gz"


# -- the data folder ----------------------------------------------------------------------------

def data_files(data_dir: Path) -> list[str]:
    """Relative POSIX paths of the files a backup holds: everything but the lock file, hidden
    files and folders (temp files, restore staging) and anything that is not a regular file."""
    found: list[str] = []
    for folder, dirs, files in os.walk(data_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or (folder == str(data_dir) and name == LOCK_FILE):
                continue
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(data_dir).as_posix())
    return found


def _count_entries(relpath: str, payload: bytes) -> int | None:
    """Entries in a weekly file's bytes; None when the file is damaged."""
    if not (relpath.startswith("entries/") and relpath.endswith(".json")):
        return 0
    try:
        data = json.loads(payload.decode("utf-8"))
        return len(data.get("entries", {})) if isinstance(data, dict) else None
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return None


# -- making backups -----------------------------------------------------------------------------

def make_backup(data_dir: Path, backup_dir: Path, *, kiosk_id: str, day: date | None = None,
                tag: str = "") -> BackupResult:
    """Write `backup_dir/kiosk-backup-<kiosk_id>-<day>[-tag].tar.gz` from `data_dir`.

    Replaces an archive of the same name (the same day) atomically."""
    data_dir, backup_dir = Path(data_dir), Path(backup_dir)
    if not data_dir.is_dir():
        raise BackupError(f"There is no data folder at {data_dir}; nothing to back up.")
    try:
        backup_dir.mkdir(parents=True, exist_ok=True, mode=0o750)
    except OSError as exc:
        raise BackupError(f"Cannot create the backup folder {backup_dir}: {exc.strerror}. "
                          f"Create it for the kiosk user or pass --dir.") from None
    target = backup_dir / archive_name(kiosk_id, day or date.today(), tag)
    files: dict[str, dict[str, Any]] = {}
    entries, damaged = 0, []
    started = False
    try:
        with atomic_file(target, prefix=".kiosk-backup-",
                         prepare=lambda tmp: _own_like(tmp, backup_dir)) as raw:
            started = True
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                for relpath in data_files(data_dir):
                    try:
                        with open(data_dir / relpath, "rb") as handle:
                            payload = handle.read()
                            mtime = os.fstat(handle.fileno()).st_mtime
                    except FileNotFoundError:
                        continue  # removed since the listing (an emptied weekly file)
                    count = _count_entries(relpath, payload)
                    if count is None:
                        damaged.append(relpath)
                    else:
                        entries += count
                    files[relpath] = {"size": len(payload),
                                      "sha256": hashlib.sha256(payload).hexdigest()}
                    _add(tar, f"{DATA_PREFIX}/{relpath}", payload, mtime)
                manifest = {
                    "format": ARCHIVE_FORMAT, "kiosk_id": kiosk_id, "app_version": __version__,
                    "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "data_dir": str(data_dir), "entries": entries, "damaged": damaged,
                    "files": files,
                }
                _add(tar, MANIFEST, json.dumps(manifest, indent=1).encode(), None)
    except OSError as exc:
        if not started:
            raise BackupError(f"Cannot write to the backup folder {backup_dir}: "
                              f"{exc.strerror}.") from None
        raise BackupError(f"Could not write the backup {target}: {exc.strerror or exc}. "
                          f"The previous backups are intact.") from None
    return BackupResult(path=target, files=len(files), entries=entries,
                        size=target.stat().st_size, damaged=tuple(damaged))


def _add(tar: tarfile.TarFile, name: str, payload: bytes, mtime: float | None) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    info.mode = 0o600
    info.mtime = int(mtime if mtime is not None else datetime.now().timestamp())
    tar.addfile(info, io.BytesIO(payload))


def _own_like(path: Path, folder: Path) -> None:
    """Run as root (by IT), give new files the folder's owner, so the kiosk user can use them."""
    if os.geteuid() != 0:
        return
    owner = folder.stat()
    if owner.st_uid == 0 and owner.st_gid == 0:
        return
    for item in [path, *(path.rglob("*") if path.is_dir() else [])]:
        os.lchown(item, owner.st_uid, owner.st_gid)


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def list_backups(backup_dir: Path, kiosk_id: str | None = None) -> list[BackupInfo]:
    """Backup archives in `backup_dir` (of one kiosk, if given), oldest first."""
    found = []
    try:
        names = os.listdir(backup_dir)
    except OSError:
        return []
    for name in names:
        match = ARCHIVE_RE.match(name)
        if not match or (kiosk_id is not None and match["kiosk"] != kiosk_id):
            continue
        try:
            day = date.fromisoformat(match["day"])
        except ValueError:
            continue
        found.append(BackupInfo(Path(backup_dir) / name, match["kiosk"], day,
                                (match["tag"] or "").lstrip("-")))
    return sorted(found, key=lambda b: (b.day, _mtime(b.path)))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def prune_backups(backup_dir: Path, keep_days: int, *, kiosk_id: str | None = None,
                  today: date | None = None, keep: Path | None = None) -> list[Path]:
    """Delete archives dated more than `keep_days` days before today (of `kiosk_id` if given).

    `keep` (the archive just made) is never deleted. Returns the deleted paths."""
    today = today or date.today()
    removed = []
    for info in list_backups(backup_dir, kiosk_id):
        if (today - info.day).days > keep_days and info.path != keep:
            try:
                info.path.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise BackupError(f"Could not delete the old backup {info.path}: "
                                  f"{exc.strerror}.") from None
            removed.append(info.path)
    for stale in Path(backup_dir).glob(".kiosk-backup-*.tmp"):  # left by a crash
        if datetime.now().timestamp() - _mtime(stale) > 86400:
            _unlink_quietly(stale)
    return removed


# -- reading and restoring ----------------------------------------------------------------------

def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest of a backup archive; BackupError if it is not a kiosk backup."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.getmember(MANIFEST)
            handle = tar.extractfile(member)
            if handle is None:
                raise KeyError(MANIFEST)
            manifest = json.loads(handle.read().decode("utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{archive}: no such file") from None
    except KeyError:
        raise BackupError(f"{archive} is not a kiosk backup (no {MANIFEST} inside)") from None
    except (OSError, tarfile.TarError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{archive} cannot be read: it is damaged or not a backup "
                          f"({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != ARCHIVE_FORMAT \
            or not isinstance(manifest.get("files"), dict):
        raise BackupError(f"{archive}: unknown backup format {manifest.get('format')!r}; "
                          f"restore it with the app version that made it")
    return manifest


def _safe_relpath(name: str) -> str | None:
    """`data/<relpath>` -> relpath, if it stays inside the data folder; else None."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or path.parts[0] != DATA_PREFIX or len(path.parts) < 2:
        return None
    rel = PurePosixPath(*path.parts[1:])
    if any(part in ("..", ".", "") or part.startswith(".") for part in rel.parts):
        return None
    return rel.as_posix()


def extract_verified(archive: Path, target: Path) -> dict[str, Any]:
    """Extract the data files of `archive` into the empty folder `target`, checking each against
    the manifest (size and sha256). Returns the manifest; BackupError on any mismatch."""
    manifest = read_manifest(archive)
    expected: dict[str, dict[str, Any]] = manifest["files"]
    seen: set[str] = set()
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if member.name == MANIFEST:
                    continue
                rel = _safe_relpath(member.name)
                if rel is None or not member.isfile() or rel not in expected:
                    raise BackupError(f"{archive}: unexpected member {member.name!r}; "
                                      f"not a backup made by `kiosk backup`")
                handle = tar.extractfile(member)
                assert handle is not None
                out = target / rel
                out.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
                digest = hashlib.sha256()
                with open(out, "wb") as dest:
                    while block := handle.read(1 << 20):
                        digest.update(block)
                        dest.write(block)
                    dest.flush()
                    os.fsync(dest.fileno())
                os.chmod(out, 0o600)
                if digest.hexdigest() != expected[rel]["sha256"]:
                    raise BackupError(f"{archive}: {rel} does not match its checksum; the "
                                      f"archive is damaged. Try an older backup.")
                seen.add(rel)
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise BackupError(f"{archive} cannot be read: it is damaged ({exc}). "
                          f"Try an older backup.") from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"{archive}: {len(missing)} file(s) missing, e.g. {missing[0]}; the "
                          f"archive is incomplete. Try an older backup.")
    return manifest


def _holds_data(data_dir: Path) -> bool:
    """True when the folder has anything worth keeping (a fresh store's meta.json does not count)."""
    for rel in data_files(data_dir):
        if rel == "meta.json" and _fresh_meta(data_dir / rel):
            continue
        return True
    return False


def _fresh_meta(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = list(data.get("meta", {}).values())
        return all(row.get("key") in (FORMAT_KEY, SCHEMA_KEY) for row in rows)
    except (OSError, ValueError, AttributeError):
        return False


def _entries_in(folder: Path) -> int:
    """Bring a staged folder to the current store format (a backup made by an older app is
    upgraded, as the kiosk would at its next start), then open it read-only and read every entry:
    the store's own check of the files. The caller holds the data folder's lock."""
    try:
        ensure_current_format(folder, readonly=False)
        store = Store(folder, readonly=True)
    except StoreError as exc:
        raise BackupError(f"The backup does not open as kiosk data: {exc}") from None
    try:
        return sum(1 for _ in store.entries())
    except StoreError as exc:
        raise BackupError(f"The backup holds a damaged data file: {exc}") from None
    finally:
        store.close()


def _top_level(folder: Path, skip: set[str]) -> Iterator[Path]:
    for item in sorted(folder.iterdir()):
        if item.name not in skip:
            yield item


def restore_backup(archive: Path, data_dir: Path, *, aside_dir: Path, kiosk_id: str,
                   force: bool = False) -> RestoreResult:
    """Replace the content of `data_dir` with the backup `archive`.

    Refuses while a kiosk program uses the folder, and, unless `force`, when the folder already
    holds data. With `force`, the current data is first written to `aside_dir` as an archive
    tagged `before-restore`, so nothing is lost."""
    archive, data_dir = Path(archive), Path(data_dir)
    read_manifest(archive)  # a clear error before touching anything
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o750)
    except OSError as exc:
        raise BackupError(f"Cannot create the data folder {data_dir}: {exc.strerror}. Run "
                          f"install.sh first, or restore as the kiosk user.") from None
    stamp = datetime.now().strftime("%H%M%S")
    folder_lock = FolderLock(data_dir)
    try:
        folder_lock.acquire()
    except FolderInUse as busy:
        raise BackupError(
            f"The data folder {data_dir} is in use by a running kiosk program "
            f"(pid {busy.holder}). Stop it first (sudo systemctl stop kiosk), then restore.") \
            from None
    with folder_lock:
        occupied = _holds_data(data_dir)
        if occupied and not force:
            raise BackupError(f"The data folder {data_dir} already holds entries or drafts. "
                              f"Add --force to replace them; the current data is then kept as a "
                              f"backup archive in {aside_dir} first.")
        staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))
        try:
            manifest = extract_verified(archive, staging)
            entries = _entries_in(staging)
            kept = None
            if occupied:
                kept = make_backup(data_dir, aside_dir, kiosk_id=kiosk_id,
                                   tag=f"before-restore-{stamp}").path
            _swap_in(staging, data_dir, stamp)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return RestoreResult(entries=entries, files=len(manifest["files"]), kept_aside=kept,
                         from_kiosk=str(manifest.get("kiosk_id", "?")))


def _swap_in(staging: Path, data_dir: Path, stamp: str) -> None:
    """Move the current items aside inside data_dir, the staged ones in; undo on failure."""
    replaced = data_dir / f".replaced-{stamp}"
    replaced.mkdir()
    skip = {LOCK_FILE, staging.name, replaced.name}
    moved_out: list[Path] = []
    moved_in: list[Path] = []
    try:
        for item in _top_level(data_dir, skip):
            if item.name.startswith("."):
                continue
            item.rename(replaced / item.name)
            moved_out.append(replaced / item.name)
        for item in _top_level(staging, set()):
            _own_like(item, data_dir)
            item.rename(data_dir / item.name)
            moved_in.append(data_dir / item.name)
        (data_dir / "entries").mkdir(exist_ok=True)
        fsync_dir(data_dir)
    except OSError as exc:
        for item in moved_in:
            item.rename(staging / item.name)
        for item in moved_out:
            item.rename(data_dir / item.name)
        raise BackupError(f"Restoring into {data_dir} failed ({exc.strerror}); the previous "
                          f"data was put back.") from None
    shutil.rmtree(replaced, ignore_errors=True)
