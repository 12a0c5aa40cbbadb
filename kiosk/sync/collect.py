"""Collecting scanned lines into verified batches: the station's (and kiosk's) frame collector,
and lenient reading of many lines at once (pasted text, scans, photos of QR codes).

Protocol 2 frames are numbered parts 1..n: the collector lists the missing numbers. Protocol 3
frames are fountain-coded: any K of them or a few more complete the batch, so it counts
("part 9 of about 12") and decodes as soon as it can.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from kiosk.sync.codec import (BATCH_TYPES, Batch, Frame, batch_label, decode_frame, encode_frame,
                              open_blob, ranges_text)
from kiosk.sync.errors import BatchError, FrameError, Message
from kiosk.sync.fountain import SymbolDecoder

KEEP_COMPLETED = 16  # protocol 3: batches completed here whose further frames are ignored


@dataclass
class ScanResult:
    """What one scanned line did. `batch` is set when the line completed a verified batch.

    status: "added", "duplicate", "complete" (ok) or "ignored" (not a usable frame) and
    "failed" (a finished batch was rejected and dropped). `message.text(language)` says it.
    """

    status: str
    message: Message
    frame: Frame | None = None
    batch: Batch | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("added", "duplicate", "complete")

    def text(self, language: str = "en") -> str:
        return self.message.text(language)


@dataclass
class _Partial:
    """The frames of one batch read so far (protocol 2: numbered chunks)."""

    batch_type: str
    batch_id: int
    total: int
    chunks: dict[int, bytes] = field(default_factory=dict)
    fountain = False

    def add(self, frame: Frame) -> bytes | None:
        self.chunks[frame.index] = frame.chunk
        if len(self.chunks) < self.total:
            return None
        return b"".join(self.chunks[i] for i in range(self.total))

    def missing(self) -> list[int]:
        return [i + 1 for i in range(self.total) if i not in self.chunks]

    def missing_text(self) -> str:
        """ranges_text(self.missing()), from the frames received rather than the claimed
        total: a stray frame claiming thousands of parts costs no more than a real one."""
        parts, expected = [], 0
        for index in sorted(self.chunks):
            if index > expected:
                parts.append(_span(expected + 1, index))
            expected = index + 1
        if expected < self.total:
            parts.append(_span(expected + 1, self.total))
        return ", ".join(parts)

    def left(self) -> Message:
        missing = self.missing()
        return Message("batch.incomplete", {"missing": ranges_text(missing),
                                            "total": self.total, "parts": len(missing)})


class _FountainPartial:
    """The frames of one protocol 3 batch read so far: symbols, decoded when enough."""

    fountain = True

    def __init__(self, frame: Frame):
        self.batch_type, self.batch_id, self.total = frame.batch_type, frame.batch_id, frame.total
        self.decoder = SymbolDecoder(frame.length, len(frame.chunk))
        self.chunks = self.decoder.symbols

    def add(self, frame: Frame) -> bytes | None:
        return self.decoder.add(frame.index, frame.chunk)

    def missing(self) -> list[int]:
        return []  # any further frame helps

    def missing_text(self) -> str:
        return ""

    def left(self) -> Message:
        return Message("batch.incomplete_fountain", {"received": len(self.chunks),
                                                     "total": self.total})


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


def _key(frame: Frame) -> tuple[int, str, int, int, int, int]:
    """Frames of one batch cut for one size: protocol 2 by their total, 3 by length and T."""
    size = len(frame.chunk) if frame.fountain else 0
    return frame.batch_id, frame.batch_type, frame.total, frame.version, frame.length, size


class FrameCollector:
    """Accumulates scanned lines (any order, duplicates, stray text) into verified batches.

    `add(line)` never raises for any input: it returns a ScanResult. Frames of up to
    `max_batches` batches are kept apart (keyed by batch id and frame size, so a batch shown
    again at another screen size also works); `current` is the one scanned most recently.
    With `expect` (TYPE_ENTRIES or TYPE_RETURN), a frame of the other kind is refused at once,
    saying which kind it is and where it belongs, instead of being taken as part 1 of n.
    A protocol 3 batch keeps coming after it is complete: its later frames are "duplicate".
    """

    def __init__(self, site_key: str, *, max_batches: int = 4,
                 max_bytes: int = 16 * 1024 * 1024, expect: str | None = None):
        if expect is not None and expect not in BATCH_TYPES:
            raise ValueError(f"unknown batch type {expect!r}")
        self.site_key = site_key
        self.expect = expect
        self.max_batches = max_batches
        self.max_bytes = max_bytes
        self._partials: OrderedDict[tuple, _Partial | _FountainPartial] = OrderedDict()
        self._completed: OrderedDict[tuple, str] = OrderedDict()  # key -> batch label
        self.current: _Partial | _FountainPartial | None = None

    @property
    def total(self) -> int:
        """Frame count of the current batch (0 before the first frame); protocol 3: K."""
        return self.current.total if self.current else 0

    @property
    def received(self) -> int:
        return len(self.current.chunks) if self.current else 0

    @property
    def fountain(self) -> bool:
        """The current batch is fountain-coded: "part 9 of about 12", no list of missing."""
        return bool(self.current and self.current.fountain)

    def missing(self) -> list[int]:
        """1-based numbers of the frames of the current batch not scanned yet (protocol 2)."""
        return self.current.missing() if self.current else []

    def missing_text(self) -> str:
        """The missing numbers as ranges, e.g. "2, 5-9"."""
        return self.current.missing_text() if self.current else ""

    def incomplete(self) -> list[tuple[str, list[int], int]]:
        """(batch label, missing frame numbers, total) of each batch begun but not complete."""
        return [(batch_label(p.batch_id), p.missing(), p.total) for p in self._partials.values()]

    def begun(self) -> list[tuple[str, int, int, bool]]:
        """(batch label, frames read, total or K, fountain-coded) of each batch begun."""
        return [(batch_label(p.batch_id), len(p.chunks), p.total, p.fountain)
                for p in self._partials.values()]

    def left(self) -> list[Message]:
        """What each batch begun but not complete still lacks, as messages."""
        return [Message("batch.named", {"label": batch_label(p.batch_id), "problem": p.left()})
                for p in self._partials.values()]

    def kept(self) -> list[tuple[tuple, dict[int, bytes]]]:
        """A copy of what was read of each batch begun and not complete, oldest first (cheap:
        the worker that saves it turns it into frames with `kept_frames`)."""
        return [(key, dict(partial.chunks)) for key, partial in self._partials.items()]

    def kept_frames(self) -> list[list[str]]:
        return kept_frames(self.kept())

    def reset(self) -> None:
        self._partials.clear()
        self._completed.clear()
        self.current = None

    def add(self, line: str) -> ScanResult:
        try:
            frame = decode_frame(line)
        except FrameError as exc:
            return ScanResult("ignored", exc.message)
        if self.expect is not None and frame.batch_type != self.expect:
            kind = BATCH_TYPES[frame.batch_type]
            return ScanResult("ignored", Message(f"scan.wrong_kind_{kind}",
                                                 {"label": frame.batch_label}), frame)
        key = _key(frame)
        if key in self._completed:
            return ScanResult("duplicate", Message("scan.already_complete",
                                                   {"label": frame.batch_label}), frame)
        partial = self._partials.get(key)
        if partial is None:
            partial = _Partial(frame.batch_type, frame.batch_id, frame.total) \
                if not frame.fountain else _FountainPartial(frame)
            self._partials[key] = partial
            self._bound()
        self._partials.move_to_end(key)
        self.current = partial
        known = partial.chunks.get(frame.index)
        if known is not None:
            if known == frame.chunk:
                return ScanResult("duplicate", self._progress("scan.duplicate", frame), frame)
            self._drop(key)
            return ScanResult("failed", Message("scan.conflict", {
                "label": frame.batch_label, "number": frame.index + 1}), frame)
        blob = partial.add(frame)
        if blob is None:
            return ScanResult("added", self._progress("scan.added", frame), frame)
        self._drop(key)
        try:
            batch = open_blob(blob, self.site_key, frame.batch_type, frame.batch_id, frame.total)
        except BatchError as exc:
            return ScanResult("failed", Message("scan.rejected", {
                "label": frame.batch_label, "problem": exc.message}), frame)
        if frame.fountain:
            self._completed[key] = frame.batch_label
            while len(self._completed) > KEEP_COMPLETED:
                self._completed.popitem(last=False)
        return ScanResult("complete", Message("scan.complete", {
            "label": frame.batch_label, "total": frame.total}), frame, batch)

    def _progress(self, key: str, frame: Frame) -> Message:
        if frame.fountain:
            return Message(f"{key}_fountain", {"received": self.received, "total": self.total})
        missing = self.missing_text()
        return Message(key, {"number": frame.index + 1, "received": self.received,
                             "total": self.total, "missing": missing or "-"})

    def _drop(self, key: tuple) -> None:
        self._partials.pop(key, None)
        self.current = next(reversed(self._partials.values()), None)

    def _bound(self) -> None:
        while len(self._partials) > self.max_batches or (
                len(self._partials) > 1 and self._stored_bytes() > self.max_bytes):
            self._partials.popitem(last=False)

    def _stored_bytes(self) -> int:
        return sum(len(c) for p in self._partials.values() for c in p.chunks.values())


def kept_frames(kept: list[tuple[tuple, dict[int, bytes]]]) -> list[list[str]]:
    """Each batch of `FrameCollector.kept()` as the frames read of it: what
    kiosk/sync/partials.py keeps, so that an interrupted scan goes on where it stopped."""
    return [[encode_frame(Frame(version, batch_type, batch_id, index, total, chunk, length))
             for index, chunk in chunks.items()]
            for (batch_id, batch_type, total, version, length, _), chunks in kept]


def collect_batches(lines: Iterable[str], site_key: str) -> tuple[list[Batch], list[Message]]:
    """The verified batches in `lines` (any order), and a message for each problem met."""
    collector = FrameCollector(site_key, max_batches=64)
    batches: list[Batch] = []
    problems: list[Message] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        result = collector.add(line)
        if result.batch is not None:
            batches.append(result.batch)
        elif result.status == "ignored" and line.strip().upper().startswith("KS"):
            problems.append(Message("frame.on_line", {"line": number, "problem": result.message}))
        elif result.status == "failed":
            problems.append(result.message)
    problems.extend(collector.left())
    return batches, problems
