"""The store of one data folder: entries, drafts and metadata, crash-safe, locked, in small files.

Layout of a data folder:
    kiosk.lock                 exclusive lock: one kiosk process per data folder
    meta.json                  small key/value table (store format, entry schema, sync batches, ...)
    drafts.json                unfinished entries, keyed by draft key
    entries/YYYY-Www.json      entries created in that ISO week (tables `entries`, `conflicts`)
    corrupt/                   copies of damaged files, kept aside for IT (originals stay too)

Every write goes to a temp file in the same folder, is fsynced, atomically renamed over the old
file, and the folder is fsynced (kiosk/durable.py): a crash or power cut leaves either the old or
the new file, never a torn one. TinyDB rewrites a whole file per write, so entries are split by
week to keep each write small (kiosk/store_files.py). A damaged file is never overwritten: reading
it raises `StoreCorrupt`. Opening a folder of an older format upgrades it (kiosk/store_upgrade.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.table import Document, Table

from kiosk.durable import FolderInUse, FolderLock, fsync_dir
from kiosk.entries import SYNC_STATES, Entry, now_iso
from kiosk.ids import is_id, week_key
from kiosk.store_errors import StoreError, StoreLocked, StoreWriteError
from kiosk.store_files import CONFLICTS, ENTRIES, AtomicJSONStorage, WeekFile, entry_from_stored
from kiosk.store_upgrade import ensure_current_format


class Store:
    """All persistence of one data folder. Not thread-safe on its own: callers use `lock`."""

    def __init__(self, data_dir: str | os.PathLike, *, readonly: bool = False):
        self.data_dir = Path(data_dir)
        self.readonly = readonly
        self.lock = threading.RLock()
        self._folder_lock = FolderLock(self.data_dir)
        self._shards: dict[str, WeekFile] = {}
        self._files: dict[str, TinyDB] = {}  # further files by name (Store.table)
        self.entries_dir = self.data_dir / "entries"
        self.corrupt_dir = self.data_dir / "corrupt"
        if not readonly:
            self._prepare_folder()
            self._acquire_lock()
        elif not self.data_dir.is_dir():
            raise StoreError("errors.store.missing", folder=self.data_dir)
        try:
            if not readonly:
                self._remove_stale_temp_files()
            ensure_current_format(self.data_dir, readonly=readonly)  # upgrades an older folder
            self._meta = self._open_db(self.data_dir / "meta.json")
            self._drafts = self._open_db(self.data_dir / "drafts.json")
        except BaseException:
            self.close()  # release the lock: a failed open must not block the next attempt
            raise

    # -- opening ------------------------------------------------------------------------------
    def _prepare_folder(self) -> None:
        try:
            self.entries_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError("errors.store.cannot_create", folder=self.data_dir,
                             reason=exc.strerror) from None
        if not os.access(self.data_dir, os.W_OK | os.X_OK) or \
                not os.access(self.entries_dir, os.W_OK | os.X_OK):
            raise StoreError("errors.store.not_writable", folder=self.data_dir)

    def _acquire_lock(self) -> None:
        try:
            self._folder_lock.acquire()
        except FolderInUse as busy:
            raise StoreLocked("errors.store.locked", pid=busy.holder, folder=self.data_dir) \
                from None

    def _remove_stale_temp_files(self) -> None:
        for folder in (self.data_dir, self.entries_dir):
            for tmp in folder.glob(".*.tmp"):
                try:
                    tmp.unlink()
                except OSError:
                    pass

    def _open_db(self, path: Path) -> TinyDB:
        return TinyDB(path, storage=AtomicJSONStorage, corrupt_dir=self.corrupt_dir,
                      readonly=self.readonly)

    def close(self) -> None:
        with self.lock:
            for shard in self._shards.values():
                shard.db.close()
            self._shards.clear()
            for db in self._files.values():
                db.close()
            self._files.clear()
            self._folder_lock.release()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- entries ------------------------------------------------------------------------------
    def _shard(self, key: str) -> WeekFile:
        shard = self._shards.get(key)
        if shard is None:
            shard = WeekFile(self.entries_dir / f"{key}.json", corrupt_dir=self.corrupt_dir,
                           readonly=self.readonly)
            self._shards[key] = shard
        return shard

    def shard_keys(self) -> list[str]:
        """Week keys of all entry files, oldest first."""
        keys = {p.stem for p in self.entries_dir.glob("*-W*.json")} | set(self._shards)
        return sorted(keys)

    def week_docs(self, key: str) -> list[dict[str, Any]]:
        """The stored records of one weekly file, for bulk readers such as the review index.

        Uses the file's in-memory copy when it is open; otherwise parses the file without keeping
        it open, so scanning a year of weeks does not hold every week in memory (opening all 52
        weeks of 150,000 entries costs ~3 s and ~400 MB). The dicts are the stored data: read
        them, never change them. A damaged file raises `StoreCorrupt` as usual.
        """
        with self.lock:
            shard = self._shards.get(key)
            if shard is not None:
                data = shard.db.storage.read()
            else:
                path = self.entries_dir / f"{key}.json"
                data = AtomicJSONStorage(str(path), corrupt_dir=self.corrupt_dir,
                                         readonly=True).read()
            return list(((data or {}).get(ENTRIES) or {}).values())

    def week_signature(self, key: str) -> tuple[int, int, int] | None:
        """(inode, mtime_ns, size) of a weekly file, or None if it does not exist. Every write
        replaces the file, so a changed signature means the week changed on disk."""
        try:
            st = (self.entries_dir / f"{key}.json").stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def close_old_weeks(self, keep_newest: int = 8, keep: Iterable[str] = ()) -> int:
        """Drop the in-memory copies of open weekly files other than the `keep_newest` newest
        and those in `keep`; they are read again on next use. Keeps memory, and the garbage
        collector's pauses, small on a supervisor station that touches many old weeks (each
        open week of ~2,800 entries holds ~15,000 objects). Returns how many were closed."""
        with self.lock:
            newest = set(sorted(self._shards)[-keep_newest:]) if keep_newest > 0 else set()
            old = [key for key in self._shards if key not in newest and key not in set(keep)]
            for key in old:
                self._shards.pop(key).db.close()
            return len(old)

    def save(self, entry: Entry) -> Entry:
        """Validate and store `entry` (insert or replace by id). Durable when this returns."""
        entry.validate()
        with self.lock:
            self._shard(week_key(entry.id)).upsert(entry.to_dict())
        return entry

    def save_many(self, entries: Iterable[Entry]) -> int:
        """Validate and store many entries, writing each weekly file once (bulk import, demo data).

        Every entry is validated before anything is written; one invalid entry stores nothing.
        Each weekly file is replaced atomically, so after a crash or a `StoreWriteError` the weeks
        written before it are complete and durable and the others unchanged. Within one call the
        last entry with a given id wins. Returns how many distinct entries were stored.
        """
        by_week: dict[str, dict[str, dict[str, Any]]] = {}
        for entry in entries:
            entry.validate()
            by_week.setdefault(week_key(entry.id), {})[entry.id] = entry.to_dict()
        with self.lock:
            for key in sorted(by_week):
                self._shard(key).upsert_many(list(by_week[key].values()))
        return sum(len(week) for week in by_week.values())

    def get(self, entry_id: str) -> Entry | None:
        if not is_id(entry_id):
            return None
        with self.lock:
            shard = self._shard(week_key(entry_id))
            doc_id = shard.index.get(entry_id)
            if doc_id is None:
                return None
            return entry_from_stored(shard.table.get(doc_id=doc_id))

    def entries(self, newest_first: bool = False) -> Iterator[Entry]:
        """Every entry, by week file; within a file in creation order (reversed if newest_first)."""
        keys = self.shard_keys()
        for key in reversed(keys) if newest_first else keys:
            with self.lock:
                docs = self._shard(key).docs()
            docs.sort(key=lambda d: d["id"], reverse=newest_first)
            for doc in docs:
                yield entry_from_stored(doc)

    def query(self, where: Callable[[Entry], bool] | None = None, *, limit: int | None = None,
              newest_first: bool = True) -> list[Entry]:
        found: list[Entry] = []
        for entry in self.entries(newest_first=newest_first):
            if where is None or where(entry):
                found.append(entry)
                if limit is not None and len(found) >= limit:
                    break
        return found

    def count(self) -> int:
        with self.lock:
            return sum(len(self._shard(key).index) for key in self.shard_keys())

    def feed(self, station: str, limit: int = 50) -> list[Entry]:
        """Recent entries shared with the team at `station`, newest first."""
        return self.query(lambda e: e.station == station and e.visibility == "team", limit=limit)

    def by_author(self, author: str, limit: int = 100) -> list[Entry]:
        return self.query(lambda e: e.author == author, limit=limit)

    def set_sync(self, entry_ids: Iterable[str], state: str) -> int:
        """Set the sync state of many entries, writing each weekly file at most once.

        Unknown ids are skipped; `updated` is not touched (sync state is bookkeeping, not an
        edit). Returns how many entries changed state.
        """
        if state not in SYNC_STATES:
            raise ValueError(f"unknown sync state {state!r}")
        by_week: dict[str, set[str]] = {}
        for entry_id in entry_ids:
            if is_id(entry_id):
                by_week.setdefault(week_key(entry_id), set()).add(entry_id)
        changed = 0
        with self.lock:
            for key in sorted(by_week):
                shard = self._shard(key)
                doc_ids = [shard.index[i] for i in sorted(by_week[key]) if i in shard.index]
                doc_ids = [d for d in doc_ids if shard.table.get(doc_id=d)["sync"] != state]
                if not doc_ids:
                    continue
                try:
                    shard.table.update({"sync": state}, doc_ids=doc_ids)
                except StoreWriteError:
                    shard.after_failed_write()
                    raise
                changed += len(doc_ids)
        return changed

    def conflicts_for(self, entry_id: str) -> list[dict[str, Any]]:
        """Recorded conflicts of one entry id (reads only that entry's weekly file)."""
        if not is_id(entry_id):
            return []
        with self.lock:
            table = self._shard(week_key(entry_id)).db.table(CONFLICTS)
            return [dict(d) for d in table.all() if d["entry"].get("id") == entry_id]

    # -- conflicts (same id, different content, seen at import) -------------------------------
    def add_conflict(self, incoming: dict[str, Any], reason: str) -> None:
        with self.lock:
            shard = self._shard(week_key(incoming["id"]))
            shard.db.table(CONFLICTS, cache_size=0).insert(
                {"at": now_iso(), "reason": reason, "entry": incoming})

    def conflicts(self) -> list[dict[str, Any]]:
        found = []
        with self.lock:
            for key in self.shard_keys():
                found.extend(dict(d) for d in self._shard(key).db.table(CONFLICTS).all())
        return found

    # -- drafts -------------------------------------------------------------------------------
    def save_draft(self, key: str, fields: dict[str, Any]) -> None:
        with self.lock:
            table = self._drafts.table("drafts", cache_size=0)
            record = {"key": key, "saved": now_iso(), "fields": fields}
            found = [d.doc_id for d in table.all() if d["key"] == key]
            if found:
                table.upsert(Document(record, doc_id=found[0]))
            else:
                table.insert(record)

    def load_draft(self, key: str) -> dict[str, Any] | None:
        with self.lock:
            for doc in self._drafts.table("drafts", cache_size=0).all():
                if doc["key"] == key:
                    return dict(doc["fields"])
        return None

    def delete_draft(self, key: str) -> None:
        with self.lock:
            table = self._drafts.table("drafts", cache_size=0)
            ids = [d.doc_id for d in table.all() if d["key"] == key]
            if ids:
                table.remove(doc_ids=ids)

    # -- retention (privacy limits, kiosk/ops/retention.py) ------------------------------------
    def remove_entries(self, entry_ids: Iterable[str]) -> int:
        """Delete entries by id, with any recorded conflicts of those ids (privacy retention).

        Each weekly file is rewritten once, atomically; a weekly file left with no entries and no
        conflicts is deleted. Unknown ids are skipped. Returns how many entries were removed.
        """
        by_week: dict[str, set[str]] = {}
        for entry_id in entry_ids:
            if is_id(entry_id):
                by_week.setdefault(week_key(entry_id), set()).add(entry_id)
        removed = 0
        with self.lock:
            existing = set(self.shard_keys())
            for key in sorted(by_week):
                if key not in existing:
                    continue
                shard = self._shard(key)
                ids = by_week[key]
                doc_ids = [shard.index[i] for i in sorted(ids) if i in shard.index]
                conflicts = shard.db.table(CONFLICTS, cache_size=0)
                conflict_ids = [d.doc_id for d in conflicts.all()
                                if d.get("entry", {}).get("id") in ids]
                try:
                    if doc_ids:
                        shard.table.remove(doc_ids=doc_ids)
                    if conflict_ids:
                        conflicts.remove(doc_ids=conflict_ids)
                except StoreWriteError:
                    shard.index = {d["id"]: d.doc_id for d in shard.table.all()}
                    raise
                for entry_id in ids:
                    shard.index.pop(entry_id, None)
                removed += len(doc_ids)
                if not shard.index and not conflicts.all():
                    self._delete_shard(key)
        return removed

    def _delete_shard(self, key: str) -> None:
        shard = self._shards.pop(key)
        shard.db.close()
        try:
            shard.path.unlink(missing_ok=True)
            fsync_dir(self.entries_dir)
        except OSError as exc:
            raise StoreWriteError(shard.path, exc) from exc

    def remove_drafts_saved_before(self, before: str) -> int:
        """Delete drafts last saved before the ISO time `before`; returns how many."""
        with self.lock:
            table = self._drafts.table("drafts", cache_size=0)
            ids = [d.doc_id for d in table.all() if str(d.get("saved", "")) < before]
            if ids:
                table.remove(doc_ids=ids)
            return len(ids)

    # -- metadata -----------------------------------------------------------------------------
    def get_meta(self, key: str, default: Any = None) -> Any:
        with self.lock:
            for doc in self._meta.table("meta", cache_size=0).all():
                if doc["key"] == key:
                    return doc["value"]
        return default

    def set_meta(self, key: str, value: Any) -> None:
        with self.lock:
            table = self._meta.table("meta", cache_size=0)
            found = [d.doc_id for d in table.all() if d["key"] == key]
            if found:
                table.upsert(Document({"key": key, "value": value}, doc_id=found[0]))
            else:
                table.insert({"key": key, "value": value})


    # -- further files: one TinyDB file per kind of data (shared lessons, reply codes, ...) ----
    def table(self, file: str, name: str) -> Table:
        """Table `name` of `<file>.json` in the data folder (written like meta.json: atomic,
        durable, damage detected). Callers hold `lock` around a read-and-write."""
        if not file.isidentifier() or file in ("meta", "drafts"):
            raise ValueError(f"not a file name for Store.table: {file!r}")
        with self.lock:
            db = self._files.get(file)
            if db is None:
                db = self._files[file] = self._open_db(self.data_dir / f"{file}.json")
            return db.table(name, cache_size=0)
