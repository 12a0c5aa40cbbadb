"""Upgrades of a data folder's stored data: its format step by step (N -> N+1), and every stored
entry to the current entry schema. The store runs them when it opens a folder for writing.

meta.json records `store_format` (the layout of the folder) and `entry_schema` (every stored entry
has at least this schema; missing means 1, the first). Opening a folder for writing, under the
folder's lock:
    * a fresh folder (no format recorded, no entries) gets the current format and schema recorded;
    * an older one is upgraded: each step of `UPGRADES` in turn, then the entry migrations of
      kiosk/entries.py on every weekly file whose entries are older; the new format (or schema) is
      recorded in meta.json only after the files are rewritten;
    * a newer one is refused: this app does not know its layout ("Update the app").
A read-only open (`kiosk entries list`, `kiosk doctor`) never writes, so it refuses an older
folder with a message saying it needs an upgrade instead of upgrading it in memory: old files read
as if they were new could be misread, and the next start of the kiosk upgrades them for real.

Crash safety: every file is replaced atomically, so after a kill -9 each file is either old or
new, and meta.json still names the old format. The next open runs the same step again, so a step
must give the same result on a folder it already partly rewrote (entry migrations do: a migrated
entry has the current schema and is left alone).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk import entries
from kiosk.durable import fsync_dir
from kiosk.entries import Entry, EntryError
from kiosk.store_errors import StoreCorrupt, StoreError, StoreWriteError
from kiosk.store_files import CONFLICTS, ENTRIES, AtomicJSONStorage

STORE_FORMAT = 1
FORMAT_KEY, SCHEMA_KEY = "store_format", "entry_schema"
_META = "meta"  # the table of meta.json


class DataFolder:
    """The files of a data folder as an upgrade step sees them: whole JSON files (TinyDB's
    layout, {table: {doc_id: record}}), read with the store's damage checks and written
    atomically. The caller holds the folder's lock."""

    def __init__(self, path: Path, *, readonly: bool = False):
        self.path = Path(path)
        self.entries_dir = self.path / "entries"
        self.corrupt_dir = self.path / "corrupt"
        self.readonly = readonly

    def _storage(self, path: Path) -> AtomicJSONStorage:
        return AtomicJSONStorage(str(path), corrupt_dir=self.corrupt_dir, readonly=self.readonly)

    def read(self, path: Path) -> dict[str, Any] | None:
        """The content of a file of the folder, None if it does not exist; StoreCorrupt if it is
        damaged (a copy is kept in corrupt/)."""
        return self._storage(path).read()

    def write(self, path: Path, data: dict[str, Any]) -> None:
        """Replace a file atomically and durably; StoreWriteError if the disk fails."""
        self._storage(path).write(data)

    def remove(self, path: Path) -> None:
        """Delete a file (a step that merged it into others) durably; missing is fine."""
        try:
            path.unlink(missing_ok=True)
            fsync_dir(path.parent)
        except OSError as exc:
            raise StoreWriteError(path, exc) from exc

    def damaged(self, path: Path, problem: str) -> StoreCorrupt:
        """The error for a file whose content a step cannot use (a copy is kept in corrupt/)."""
        return StoreCorrupt(path, problem, self._storage(path).keep_aside())

    def week_files(self) -> list[Path]:
        return sorted(self.entries_dir.glob("*-W*.json"))

    def meta(self) -> dict[str, Any]:
        data = self.read(self.path / "meta.json") or {}
        return {doc.get("key"): doc.get("value") for doc in (data.get(_META) or {}).values()}

    def set_meta(self, values: dict[str, Any]) -> None:
        """Set keys of meta.json in one write, as the store's own `set_meta` stores them."""
        path = self.path / "meta.json"
        data = self.read(path) or {}
        table = data.setdefault(_META, {})
        doc_ids = {doc.get("key"): doc_id for doc_id, doc in table.items()}
        for key, value in values.items():
            doc_id = doc_ids.get(key) or str(max(map(int, table), default=0) + 1)
            table[doc_id] = {"key": key, "value": value}
        self.write(path, data)


Step = Callable[[DataFolder], None]

# Format N -> the step that rewrites a folder of format N as format N+1. Add one with every
# change of the folder's layout (and raise STORE_FORMAT); it works on the raw files, never through
# `Store`, whose code follows the newest layout. Format 1 is the first: there are none yet.
UPGRADES: dict[int, Step] = {}


def ensure_current_format(data_dir: Path, *, readonly: bool) -> None:
    """Make the folder's stored data the current format before the store reads it: record it for
    a fresh folder, upgrade an older one (or refuse it when `readonly`), refuse a newer one."""
    folder = DataFolder(data_dir, readonly=readonly)
    found = folder.meta()
    if found.get(FORMAT_KEY) is None:
        # a fresh folder holds no entries yet: it is of the current schema too
        fresh = {SCHEMA_KEY: entries.SCHEMA_VERSION} if not folder.week_files() else {}
        if not readonly:
            folder.set_meta({FORMAT_KEY: STORE_FORMAT, **fresh})
        found.update({FORMAT_KEY: STORE_FORMAT, **fresh})
    version, schema = found[FORMAT_KEY], found.get(SCHEMA_KEY, 1)
    if not _is_version(version) or version > STORE_FORMAT:
        raise StoreError("errors.store.format_newer", folder=data_dir, version=version,
                         supported=STORE_FORMAT)
    if not _is_version(schema) or schema > entries.SCHEMA_VERSION:
        raise StoreError("errors.store.schema_newer", folder=data_dir, schema=schema,
                         supported=entries.SCHEMA_VERSION)
    if version == STORE_FORMAT and schema == entries.SCHEMA_VERSION:
        return
    missing = [n for n in range(version, STORE_FORMAT) if n not in UPGRADES]
    if missing:
        raise StoreError("errors.store.cannot_upgrade", folder=data_dir, version=version,
                         supported=STORE_FORMAT)
    if readonly:
        raise StoreError("errors.store.needs_upgrade", folder=data_dir, version=version,
                         schema=schema, supported=STORE_FORMAT,
                         supported_schema=entries.SCHEMA_VERSION)
    upgrade(folder, version, schema)


def _is_version(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def upgrade(folder: DataFolder, version: int, schema: int) -> None:
    """Run the steps from format `version` on, then migrate entries older than the current
    schema; each new format is recorded after its step completed."""
    while version < STORE_FORMAT:
        UPGRADES[version](folder)
        version += 1
        folder.set_meta({FORMAT_KEY: version})
    if schema < entries.SCHEMA_VERSION:
        migrate_entries(folder)
        folder.set_meta({SCHEMA_KEY: entries.SCHEMA_VERSION})


def migrate_entries(folder: DataFolder) -> int:
    """Bring every stored entry (and every entry kept with a conflict) to the current schema,
    rewriting each weekly file that held an older one. Returns how many entries changed."""
    changed = 0
    for path in folder.week_files():
        data = folder.read(path) or {}
        before = changed
        for table in (ENTRIES, CONFLICTS):
            for doc_id, record in (data.get(table) or {}).items():
                entry = record if table == ENTRIES else record.get("entry")
                if not isinstance(entry, dict) or entry.get("schema") == entries.SCHEMA_VERSION:
                    continue
                try:
                    migrated = Entry.from_dict(entry).to_dict()
                except EntryError as exc:
                    raise folder.damaged(path, f"record {doc_id} of {table}: {exc}") from None
                if table == ENTRIES:
                    data[table][doc_id] = migrated
                else:
                    record["entry"] = migrated
                changed += 1
        if changed > before:
            folder.write(path, data)
    return changed
