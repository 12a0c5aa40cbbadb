"""The learning loop's records in a data folder: follow-up answers of planned tries and weekly
pulse answers, in learning.json (TinyDB tables `followups` and `pulses`), beside the entries.

The file is written like every file of the store (atomic and durable, damage detected:
kiosk/store_files.py), under the store's lock. `learning_records(store)` gives the one
`LearningRecords` of an open store, so every reader shares its in-memory copy.

A follow-up is linked to its entry by id. A pulse answer has no author and no time: only the
week, the three answers, the station and line of the kiosk, and a random token so that the
supervisor station imports each answer once.
"""

from __future__ import annotations

import secrets
import weakref
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from typing import Any

from tinydb import TinyDB
from tinydb.table import Document

from kiosk.store import Store
from kiosk.store_files import AtomicJSONStorage

LEARNING_FILE = "learning.json"
FOLLOWUPS, PULSES = "followups", "pulses"


@dataclass(frozen=True)
class FollowUp:
    """What became of an entry's planned try ("what will you try next")."""

    entry_id: str
    answer: str | None = None  # kiosk.learning.followup.ANSWERS; None: not answered yet
    note: str = ""  # the optional line "what happened"
    ask: int = 0  # at which showing of the question the answer was given: a later one wins
    asks: int = 0  # kiosk only: how often the question was shown
    last_asked: str = ""  # kiosk only: the local day it was last shown ("2026-11-26")
    sync: str = "pending"  # kiosk only: pending, exported (shown as QR codes), synced

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> "FollowUp":
        return cls(**{f.name: doc[f.name] for f in fields(cls) if f.name in doc})


@dataclass(frozen=True)
class Pulse:
    """One worker's answers to the weekly pulse, 1 to 5 each: no author, no time, the week only."""

    token: str  # random: imports each answer once, says nothing about who gave it
    week: str  # "2026-W48"
    learned: int  # "This week I learned something new"
    heard: int  # "My ideas were heard"
    pressure: int  # "Work pressure this week"
    station: str = ""
    line: str = ""
    sync: str = "pending"  # kiosk only

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> "Pulse":
        return cls(**{f.name: doc[f.name] for f in fields(cls) if f.name in doc})


def new_token() -> str:
    return secrets.token_hex(6)


class LearningRecords:
    """The `followups` and `pulses` tables of one data folder. Callers hold `store.lock` for a
    read-then-write; each method takes it too."""

    def __init__(self, store: Store):
        self.store = store
        self.db = TinyDB(store.data_dir / LEARNING_FILE, storage=AtomicJSONStorage,
                         corrupt_dir=store.corrupt_dir, readonly=store.readonly)

    def _table(self, name: str):
        return self.db.table(name, cache_size=0)

    # -- follow-ups ---------------------------------------------------------------------------
    def followups(self) -> list[FollowUp]:
        with self.store.lock:
            return [FollowUp.from_doc(doc) for doc in self._table(FOLLOWUPS).all()]

    def followup(self, entry_id: str) -> FollowUp | None:
        with self.store.lock:
            for doc in self._table(FOLLOWUPS).all():
                if doc.get("entry_id") == entry_id:
                    return FollowUp.from_doc(doc)
        return None

    def put_followups(self, records: Iterable[FollowUp]) -> int:
        """Insert or replace by entry id: new ones in one write, replaced ones one write each.
        A record equal to the stored one writes nothing. Returns how many changed."""
        with self.store.lock:
            table = self._table(FOLLOWUPS)
            stored = {doc["entry_id"]: doc for doc in table.all()}
            new, changed = {}, 0
            for record in records:
                data = asdict(record)
                old = stored.get(record.entry_id)
                if old is None:
                    new[record.entry_id] = data
                elif dict(old) != data:
                    table.upsert(Document(data, doc_id=old.doc_id))
                    changed += 1
            if new:
                table.insert_multiple(new.values())
            return changed + len(new)

    def _remove(self, name: str, field: str, values: Iterable[str]) -> int:
        """Remove the records of table `name` whose `field` is one of `values`; how many."""
        gone = set(values)
        with self.store.lock:
            table = self._table(name)
            doc_ids = [doc.doc_id for doc in table.all() if doc.get(field) in gone]
            if doc_ids:
                table.remove(doc_ids=doc_ids)
            return len(doc_ids)

    def remove_followups(self, entry_ids: Iterable[str]) -> int:
        return self._remove(FOLLOWUPS, "entry_id", entry_ids)

    # -- pulses -------------------------------------------------------------------------------
    def pulses(self) -> list[Pulse]:
        with self.store.lock:
            return [Pulse.from_doc(doc) for doc in self._table(PULSES).all()]

    def add_pulses(self, pulses: Iterable[Pulse]) -> int:
        """Store the pulses whose token is not here yet, in one write; returns how many."""
        with self.store.lock:
            table = self._table(PULSES)
            known = {doc.get("token") for doc in table.all()}
            new = {p.token: asdict(p) for p in pulses if p.token not in known}
            if new:
                table.insert_multiple(new.values())
            return len(new)

    def set_pulse_sync(self, tokens: Iterable[str], state: str) -> int:
        wanted = set(tokens)
        with self.store.lock:
            table = self._table(PULSES)
            doc_ids = [doc.doc_id for doc in table.all()
                       if doc.get("token") in wanted and doc.get("sync") != state]
            if doc_ids:
                table.update({"sync": state}, doc_ids=doc_ids)
            return len(doc_ids)

    def remove_pulses(self, tokens: Iterable[str]) -> int:
        return self._remove(PULSES, "token", tokens)

    # -- retention ----------------------------------------------------------------------------
    def prune(self, removed_entries: Iterable[str], before_week: str) -> int:
        """Privacy retention: follow-ups go with their entries; pulse answers of weeks before
        `before_week` go once the station has them (a kiosk keeps unsent ones, as entries)."""
        removed = self.remove_followups(removed_entries)
        with self.store.lock:
            old = [p.token for p in self.pulses() if p.week < before_week and p.sync == "synced"]
        return removed + (self.remove_pulses(old) if old else 0)


_OPEN: "weakref.WeakKeyDictionary[Store, LearningRecords]" = weakref.WeakKeyDictionary()


def learning_records(store: Store) -> LearningRecords:
    """The learning records of `store` (one per open store)."""
    with store.lock:
        records = _OPEN.get(store)
        if records is None:
            records = _OPEN[store] = LearningRecords(store)
        return records
