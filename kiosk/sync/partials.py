"""Scans that stopped half-way, kept: the frames read of each batch not complete yet, so that
leaving the scan screen, or restarting the app, does not lose them.

Protocol 3 needs any K or so distinct frames of a batch. The station keeps the frames it read;
the kiosk keeps the same batch (same id, same frames) for the same unsent entries and goes on
with the frames after the last one it showed (kiosk/sync/resume.py). So after an interruption
the station needs only the frames it still lacks, not a whole new batch.

The frames are kept as the text they were read as, in scans.json (TinyDB table `unfinished`, one
document per kind of batch: entries at the station, answers at a kiosk), written atomically like
every file of the store. They are read back through the collector's own `add`, so a damaged or
doctored file costs at most the frames in it: each is checked as if scanned again. Frames of a
scan not taken up again within KEEP_DAYS are not read back (and go with the next save).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tinydb import TinyDB
from tinydb.table import Document

from kiosk.entries import now_iso, parse_time
from kiosk.store import Store
from kiosk.store_files import AtomicJSONStorage
from kiosk.sync.collect import FrameCollector
from kiosk.sync.errors import Message

SCANS_FILE = "scans.json"
TABLE = "unfinished"
KEEP_CHARS = 1 << 20  # at most this much frame text kept (oldest batches go first)
KEEP_DAYS = 7  # an unfinished scan not taken up again within this is not read back


class ScanKeeper:
    """The unfinished scans of one kind of batch (TYPE_ENTRIES or TYPE_RETURN) in a data folder.

    `save` may be called from worker threads in any order: each call carries the number of the
    state it saves, and an older state never replaces a newer one."""

    def __init__(self, store: Store, batch_type: str):
        self.store, self.batch_type = store, batch_type
        self._saved = -1

    def _table(self):
        db = TinyDB(self.store.data_dir / SCANS_FILE, storage=AtomicJSONStorage,
                    corrupt_dir=self.store.corrupt_dir, readonly=self.store.readonly)
        return db.table(TABLE, cache_size=0)

    def load(self, now: datetime | None = None) -> list[list[str]]:
        """The frames of each batch begun, oldest batch first (none after KEEP_DAYS)."""
        with self.store.lock:
            for doc in self._table().all():
                if doc.get("type") == self.batch_type and isinstance(doc.get("batches"), list) \
                        and _recent(doc.get("at"), now or datetime.now(timezone.utc)):
                    return [[text for text in batch if isinstance(text, str)]
                            for batch in doc["batches"] if isinstance(batch, list)]
        return []

    def save(self, batches: list[list[str]], number: int) -> None:
        """Keep `batches` (collector.kept_frames()) as state `number`, unless a later state is
        kept already."""
        while batches and sum(len(t) for batch in batches for t in batch) > KEEP_CHARS:
            batches = batches[1:]
        with self.store.lock:
            if number <= self._saved:
                return
            self._saved = number
            table = self._table()
            found = [d for d in table.all() if d.get("type") == self.batch_type]
            if found and found[0].get("batches") == batches:
                return
            doc = {"type": self.batch_type, "at": now_iso(), "batches": batches}
            if found and not batches:
                table.remove(doc_ids=[d.doc_id for d in found])  # nothing left unfinished
            elif found:
                table.upsert(Document(doc, doc_id=found[0].doc_id))
            elif batches:
                table.insert(doc)


def _recent(at: object, now: datetime) -> bool:
    try:
        return now - parse_time(at) <= timedelta(days=KEEP_DAYS)
    except (TypeError, ValueError, AttributeError):
        return False


def restore(collector: FrameCollector, batches: list[list[str]]) -> list[Message]:
    """Read the kept frames into a new `collector`; what it has of each batch then, as
    messages ("Kept from an earlier scan: batch X, 5 of about 12 parts.")."""
    for batch in batches:
        for text in batch:
            collector.add(text)
    return [Message("resume.kept_fountain" if fountain else "resume.kept",
                    {"label": label, "received": received, "total": total})
            for label, received, total, fountain in collector.begun()]
