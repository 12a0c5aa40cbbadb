"""A sealed batch ready to leave a device: its frames in protocol 3 (or 2) for a QR size."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.sync.codec import (CYCLE_VERSION, FILE_FRAME_CHARS, FOUNTAIN_VERSION, FountainFrames,
                              batch_label, split)


@dataclass
class OutgoingBatch:
    """A sealed batch ready to show or write; `frames(max_chars)` cuts it for a QR size."""

    batch_type: str
    batch_id: int
    blob: bytes
    digest: str
    entry_ids: list[str]
    made: str
    to: str | None = None  # return batch: the kiosk it is for
    lessons: int = 0  # return batch: shared lessons in it (kiosk/sync/return_lessons.py)

    @property
    def label(self) -> str:
        return batch_label(self.batch_id)

    @property
    def count(self) -> int:
        return len(self.entry_ids)

    def summary(self, t) -> str:
        """"Batch X: 3 entries" / "answers to 3 entries" (and "2 shared lessons"), by `t`."""
        if self.batch_type != "R":
            return t("transfer.batch", label=self.label, count=self.count)
        if not self.lessons:
            return t("transfer.batch_return", label=self.label, count=self.count)
        if not self.count:
            return t("learning.batch.only_lessons", label=self.label, lessons=self.lessons)
        answers = t("transfer.batch_return", label=self.label, count=self.count)
        return t("learning.batch.with_lessons", batch=answers, lessons=self.lessons)

    def frames(self, max_chars: int = FILE_FRAME_CHARS, *,
               protocol: int = FOUNTAIN_VERSION) -> list[str]:
        """The frames that hold the batch: protocol 3, its K source frames (for a file, where
        none is lost); protocol 2 (for a station not updated yet), parts 1..n."""
        if protocol == CYCLE_VERSION:
            return split(self.blob, self.batch_type, self.batch_id, max_chars)
        if protocol != FOUNTAIN_VERSION:
            raise ValueError(f"no sync protocol {protocol}")
        return self.stream(max_chars).frames()

    def stream(self, max_chars: int) -> FountainFrames:
        """Protocol 3 frames without end, for a screen: source frames first, then repair."""
        return FountainFrames(self.blob, self.batch_type, self.batch_id, max_chars)
