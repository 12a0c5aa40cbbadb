"""What importing a batch or applying a receipt did, as counts and the message to show
(kiosk/sync/exchange.py makes them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.sync.codec import TYPE_ENTRIES
from kiosk.sync.errors import Message


@dataclass
class ImportReport:
    """What importing one batch did. `receipt` is the code to show (station) or type back."""

    batch_type: str
    label: str
    sender: str
    receipt: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    skipped: int = 0  # return batch: answers to entries this kiosk no longer has
    lessons: int = 0  # return batch: shared lessons added, changed or taken back here
    again: bool = False  # this batch was imported here before
    changed_ids: list[str] = field(default_factory=list)  # entries added or changed
    followups: int = 0  # follow-up answers of planned tries stored (new or answered again)
    pulses: int = 0  # pulse answers stored

    def message(self) -> Message:
        """What was imported, naming only the counts that are not zero."""
        entries = self.batch_type == TYPE_ENTRIES
        counts = {"added": self.added, "updated": self.updated} if entries else \
            {"answered": self.updated}
        counts |= {"unchanged": self.unchanged, "conflicts": self.conflicts,
                   "skipped": self.skipped, "lessons": self.lessons}
        parts = [Message("lessons.imported" if name == "lessons" else f"import.{name}",
                         {"count": n}) for name, n in counts.items() if n]
        parts += [Message(f"learning_import.{name}", {"count": n}) for name, n in
                  (("followups", self.followups), ("pulses", self.pulses)) if n]
        return Message("import.entries" if entries else "import.replies", {
            "label": self.label, "sender": self.sender,
            "counts": parts or [Message("import.unchanged", {"count": 0})]})


@dataclass
class ReceiptReport:
    batch_type: str
    label: str
    marked: int  # entries marked synced, or answers marked delivered
    edited: int = 0  # entries edited since the export: left unsynced, they go out again
    again: bool = False
    lessons: int = 0  # return batch: shared lessons now at the kiosk
    learning: int = 0  # follow-up and pulse answers the station confirmed (learning_batch.py)

    def message(self) -> Message:
        if self.again:
            return Message("receipt.again", {"label": self.label})
        key = "receipt.entries" if self.batch_type == TYPE_ENTRIES else "receipt.replies"
        synced = Message(key, {"label": self.label, "marked": self.marked})
        if self.lessons:
            synced = Message("lessons.receipt" if self.marked else "lessons.receipt_only",
                             {"synced": synced, "label": self.label, "lessons": self.lessons})
        if self.edited:  # no line "edited since the export: 0"
            synced = Message("receipt.with_edited", {"synced": synced, "edited": self.edited})
        return Message("learning_import.receipt_with", {"synced": synced, "count": self.learning}) \
            if self.learning else synced
