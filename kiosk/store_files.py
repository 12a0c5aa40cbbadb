"""The files of a data folder: TinyDB storage that writes each file durably and detects damage,
and one weekly entries file (entries/YYYY-Www.json) with its id index."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document

from kiosk.durable import atomic_write_bytes
from kiosk.entries import Entry, Response, Suggestion
from kiosk.ids import is_id, week_id_range
from kiosk.store_errors import StoreCorrupt, StoreError, StoreWriteError

ENTRIES = "entries"  # the tables of a weekly file
CONFLICTS = "conflicts"


class AtomicJSONStorage(Storage):
    """TinyDB storage: atomic durable writes, an in-memory copy for reads, corruption detection.

    The in-memory copy is safe because the store holds an exclusive lock on the folder. After a
    failed write the copy is dropped, so the next read comes from the intact file on disk.
    """

    def __init__(self, path: str, *, corrupt_dir: Path, readonly: bool = False):
        self.path = Path(path)
        self.corrupt_dir = corrupt_dir
        self.readonly = readonly
        self._cache: dict[str, Any] | None = None

    def read(self) -> dict[str, Any] | None:
        if self._cache is not None:
            return self._cache
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            data = json.loads(raw.decode("utf-8"))
            _check_shape(data)
        except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
            problem = "empty file" if not raw else str(exc).split("\n")[0][:120]
            raise StoreCorrupt(self.path, problem, self.keep_aside()) from None
        self._cache = data
        return data

    def write(self, data: dict[str, Any]) -> None:
        if self.readonly:
            raise StoreError("errors.store.file_read_only", path=self.path)
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            atomic_write_bytes(self.path, payload)
        except OSError as exc:
            self._cache = None
            raise StoreWriteError(self.path, exc) from exc
        except BaseException:
            self._cache = None
            raise
        self._cache = data

    def keep_aside(self) -> Path | None:
        """Copy the damaged file into corrupt/ (once per distinct content) and return the copy."""
        if self.readonly:
            return None
        try:
            damaged = self.path.read_bytes()
            self.corrupt_dir.mkdir(exist_ok=True)
            for earlier in sorted(self.corrupt_dir.glob(f"{self.path.name}.*")):
                if earlier.stat().st_size == len(damaged) and earlier.read_bytes() == damaged:
                    return earlier
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
            kept = self.corrupt_dir / f"{self.path.name}.{stamp}"
            shutil.copy2(self.path, kept)
            return kept
        except OSError:
            return None


def _check_shape(data: Any) -> None:
    if not isinstance(data, dict):
        raise ValueError("top level is not a JSON object")
    for name, table in data.items():
        if not isinstance(table, dict):
            raise ValueError(f"table {name!r} is not an object")
        for doc_id, doc in table.items():
            if not doc_id.isdigit() or not isinstance(doc, dict):
                raise ValueError(f"table {name!r} has a malformed record {doc_id!r}")


def entry_from_stored(data: dict[str, Any]) -> Entry:
    """Build an Entry from a stored dict without re-validating (it was validated on save)."""
    values = dict(data)
    values["suggestions"] = [Suggestion(**s) for s in values.get("suggestions", [])]
    values["responses"] = [Response(**r) for r in values.get("responses", [])]
    return Entry(**values)


class WeekFile:
    """One weekly entries file, with an id -> TinyDB doc_id index."""

    def __init__(self, path: Path, *, corrupt_dir: Path, readonly: bool):
        self.path = path
        self.db = TinyDB(path, storage=AtomicJSONStorage, corrupt_dir=corrupt_dir,
                         readonly=readonly)
        self.table = self.db.table(ENTRIES, cache_size=0)
        self.index = self._read_index()

    def _read_index(self) -> dict[str, int]:
        """id -> doc_id of every record. A record without an entry id of this file's week is
        damage. Works on the raw records (no copies): opening a year of weeks stays cheap."""
        storage = self.db.storage
        assert isinstance(storage, AtomicJSONStorage)
        records = (storage.read() or {}).get(ENTRIES) or {}
        low, high = week_id_range(self.path.stem)
        index: dict[str, int] = {}
        for doc_id, doc in records.items():
            entry_id = doc.get("id")
            if not (isinstance(entry_id, str) and low <= entry_id < high and is_id(entry_id)):
                raise StoreCorrupt(self.path, f"record {doc_id} has no entry id of this week",
                                   storage.keep_aside())
            index[entry_id] = int(doc_id)
        return index

    def docs(self) -> list[Document]:
        return self.table.all()

    def upsert(self, data: dict[str, Any]) -> None:
        doc_id = self.index.get(data["id"])
        try:
            if doc_id is None:
                self.index[data["id"]] = self.table.insert(data)
            else:
                self.table.upsert(Document(data, doc_id=doc_id))
        except StoreWriteError:
            self.after_failed_write()
            raise

    def upsert_many(self, docs: list[dict[str, Any]]) -> None:
        """New entries in one write (one file replace); replaced ones one write each."""
        new = [data for data in docs if data["id"] not in self.index]
        known = [data for data in docs if data["id"] in self.index]
        try:
            if new:
                doc_ids = self.table.insert_multiple(new)
                self.index.update(zip((data["id"] for data in new), doc_ids))
            for data in known:
                self.table.upsert(Document(data, doc_id=self.index[data["id"]]))
        except StoreWriteError:
            self.after_failed_write()
            raise

    def after_failed_write(self) -> None:
        """Re-read the index after a failed write. The file holds either the old or the new
        content (a failed folder fsync comes after the rename): so the index matches it and a
        retried save cannot duplicate a record."""
        try:
            self.index = self._read_index()
        except StoreError:
            self.index = {}
            raise
