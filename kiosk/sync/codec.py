"""Sync protocol 2: a signed, compressed batch split into Base32 text frames, and back.

    frame  = "KS" + Base32(body), A-Z and 2-7 only, no padding, read case-insensitively
    body   = version(1) type(1) batch_id(4) index(2) total(2) chunk(n) crc32(4)   (big-endian)
    blob   = the chunks of frames 0..total-1 joined
           = key_id(4) mac(16) payload      payload = codec(1) + raw DEFLATE (payload.py)
    key_id = HMAC-SHA256(site key, "kiosk-sync key id")[:4]
    mac    = HMAC-SHA256(site key, "KS" version type batch_id key_id payload)[:16]

The CRC catches a misread or mistyped frame (for example a scanner typing with the wrong
keyboard layout); the MAC makes a batch from anyone without the site key fail as a whole.
Nothing is returned from a batch until every check has passed. See docs/sync-protocol.md.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field

from kiosk.sync.errors import BatchError, FrameError, Message, PayloadError
from kiosk.sync.payload import decompress, unpack_document

PROTOCOL_VERSION = 2
MAGIC = "KS"
TYPE_ENTRIES = "E"  # kiosk -> supervisor station: entries
TYPE_RETURN = "R"  # supervisor station -> kiosk: answers and idea status
BATCH_TYPES = {TYPE_ENTRIES: "entries", TYPE_RETURN: "return"}

HEADER = struct.Struct(">BcIHH")  # version, type, batch id, index, total
CRC_BYTES = 4
KEY_ID_BYTES, MAC_BYTES = 4, 16
MAX_FRAMES = 4096  # a batch never has more frames; a frame claiming more is refused
MAX_FRAME_CHARS = 8192  # a longer line is not a frame
MIN_FRAME_CHARS = len(MAGIC) + -(-(HEADER.size + 1 + CRC_BYTES) * 8 // 5)  # one data byte
FILE_FRAME_CHARS = 2000  # frame size for files (USB stick) and text output


@dataclass(frozen=True)
class Frame:
    version: int
    batch_type: str
    batch_id: int
    index: int  # 0-based
    total: int
    chunk: bytes

    @property
    def batch_label(self) -> str:
        return batch_label(self.batch_id)


def batch_label(batch_id: int) -> str:
    """A batch id as people see it: 7 Base32 characters."""
    return base64.b32encode(batch_id.to_bytes(5, "big")).decode()[1:8]


def new_batch_id() -> int:
    return int.from_bytes(os.urandom(4), "big")


# -- keys ---------------------------------------------------------------------------------------
def _key(site_key: str) -> bytes:
    return site_key.encode("utf-8")


def key_id(site_key: str) -> bytes:
    """4 bytes that tell whether two devices share a site key, without revealing it."""
    return hmac.new(_key(site_key), b"kiosk-sync key id", hashlib.sha256).digest()[:KEY_ID_BYTES]


def _mac(site_key: str, batch_type: str, batch_id: int, payload: bytes) -> bytes:
    message = MAGIC.encode() + struct.pack(">BcI", PROTOCOL_VERSION, batch_type.encode(),
                                           batch_id) + key_id(site_key) + payload
    return hmac.new(_key(site_key), message, hashlib.sha256).digest()[:MAC_BYTES]


def digest(payload: bytes) -> str:
    """SHA-256 of a batch payload (hex): what a receipt code is bound to."""
    return hashlib.sha256(payload).hexdigest()


# -- batch -> frames ----------------------------------------------------------------------------
def seal(payload: bytes, site_key: str, batch_type: str, batch_id: int) -> bytes:
    """The blob that is split into frames: key id + MAC + compressed payload."""
    if batch_type not in BATCH_TYPES:
        raise ValueError(f"unknown batch type {batch_type!r}")
    return key_id(site_key) + _mac(site_key, batch_type, batch_id, payload) + payload


def chunk_bytes_for(max_chars: int) -> int:
    """How many blob bytes one frame of at most `max_chars` characters carries."""
    body = (max_chars - len(MAGIC)) * 5 // 8
    return body - HEADER.size - CRC_BYTES


def split(blob: bytes, batch_type: str, batch_id: int, max_chars: int) -> list[str]:
    """Cut `blob` into frames of at most `max_chars` characters each."""
    size = chunk_bytes_for(max_chars)
    if size < 1:
        raise ValueError(f"a frame needs at least {MIN_FRAME_CHARS} characters")
    total = max(1, -(-len(blob) // size))
    if total > MAX_FRAMES:
        raise BatchError("batch.too_many_frames", frames=total, limit=MAX_FRAMES)
    return [encode_frame(Frame(PROTOCOL_VERSION, batch_type, batch_id, index, total,
                               blob[index * size:(index + 1) * size]))
            for index in range(total)]


def encode_frame(frame: Frame) -> str:
    body = HEADER.pack(frame.version, frame.batch_type.encode(), frame.batch_id, frame.index,
                       frame.total) + frame.chunk
    body += struct.pack(">I", zlib.crc32(body))
    return MAGIC + base64.b32encode(body).decode("ascii").rstrip("=")


# -- frames -> batch ----------------------------------------------------------------------------
_AZERTY_DIGITS = set("&é\"'(-è_çà")  # what 1-0 type as on a French layout without shift


def decode_frame(text: str) -> Frame:
    """One scanned line -> Frame, or FrameError saying what is wrong with it."""
    if not isinstance(text, str):
        raise FrameError("frame.not_ours")
    line = text.strip()
    if len(line) > MAX_FRAME_CHARS:
        raise FrameError("frame.too_long", chars=len(line))
    upper = line.upper()
    if not upper.startswith(MAGIC):
        raise FrameError("frame.not_ours")
    if _AZERTY_DIGITS & set(line) and not set("234567") & set(line):
        raise FrameError("frame.azerty")
    body_text = upper[len(MAGIC):]
    if len(line) < MIN_FRAME_CHARS or len(body_text) % 8 in (1, 3, 6):
        raise FrameError("frame.cut_short")
    body = _b32(body_text)
    if body is None:
        bad = sorted({c for c in body_text if c not in _ALPHABET})
        raise FrameError("frame.bad_chars", chars="".join(bad)[:10])
    if not _crc_ok(body) or base64.b32encode(body).decode().rstrip("=") != body_text:
        swapped = _b32(body_text.translate(str.maketrans("YZ", "ZY")))
        raise FrameError("frame.qwertz" if swapped and _crc_ok(swapped) else "frame.crc")
    version, kind, batch_id, index, total = HEADER.unpack_from(body)
    if version != PROTOCOL_VERSION:
        raise FrameError("frame.version_newer" if version > PROTOCOL_VERSION else
                         "frame.version_older", version=version, supported=PROTOCOL_VERSION)
    batch_type = kind.decode("latin-1")
    if batch_type not in BATCH_TYPES:
        raise FrameError("frame.unknown_type", type=batch_type)
    if not 1 <= total <= MAX_FRAMES:
        raise FrameError("frame.absurd_total", total=total, limit=MAX_FRAMES)
    if index >= total:
        raise FrameError("frame.bad_index", number=index + 1, total=total)
    return Frame(version, batch_type, batch_id, index, total, body[HEADER.size:-CRC_BYTES])


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def is_frame(text: str) -> bool:
    """True when `text` is a whole, undamaged sync frame (for screens that may get one scanned
    into the wrong field)."""
    try:
        decode_frame(text)
    except FrameError:
        return False
    return True


def _b32(text: str) -> bytes | None:
    try:
        return base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        return None


def _crc_ok(body: bytes) -> bool:
    return len(body) > CRC_BYTES and \
        struct.unpack(">I", body[-CRC_BYTES:])[0] == zlib.crc32(body[:-CRC_BYTES])


@dataclass
class Batch:
    """A verified batch: its type, id, payload document, and the digest a receipt binds to."""

    batch_type: str
    batch_id: int
    document: dict
    digest: str
    frames: int

    @property
    def label(self) -> str:
        return batch_label(self.batch_id)


def open_blob(blob: bytes, site_key: str, batch_type: str, batch_id: int, frames: int) -> Batch:
    """Check key id and MAC, then decompress and parse: a Batch, or BatchError."""
    if len(blob) < KEY_ID_BYTES + MAC_BYTES + 2:
        raise BatchError("batch.too_short")
    their_key, mac = blob[:KEY_ID_BYTES], blob[KEY_ID_BYTES:KEY_ID_BYTES + MAC_BYTES]
    payload = blob[KEY_ID_BYTES + MAC_BYTES:]
    if not hmac.compare_digest(their_key, key_id(site_key)):
        raise BatchError("batch.foreign_key")
    if not hmac.compare_digest(mac, _mac(site_key, batch_type, batch_id, payload)):
        raise BatchError("batch.bad_mac")
    document = unpack_document(decompress(payload))
    if document.get("t") != batch_type:
        raise PayloadError("payload.detail", detail="batch type differs from its frames")
    return Batch(batch_type, batch_id, document, digest(payload), frames)


def assemble(frames: list[Frame]) -> bytes:
    """The blob of one complete set of frames (any order, duplicates allowed) or BatchError."""
    if not frames:
        raise BatchError("batch.none_found")
    first = frames[0]
    chunks: dict[int, bytes] = {}
    for frame in frames:
        if (frame.batch_id, frame.batch_type) != (first.batch_id, first.batch_type):
            raise BatchError("batch.several")
        if frame.total != first.total:
            raise BatchError("batch.totals_differ", first=first.total, other=frame.total)
        if chunks.setdefault(frame.index, frame.chunk) != frame.chunk:
            raise BatchError("batch.same_number", number=frame.index + 1)
    missing = [i + 1 for i in range(first.total) if i not in chunks]
    if missing:
        raise BatchError("batch.incomplete", missing=ranges_text(missing), total=first.total,
                         parts=len(missing))
    return b"".join(chunks[i] for i in range(first.total))


def decode_lines(lines: list[str], site_key: str) -> list[Batch]:
    """Every batch in a text (a file, pasted frames): strict, all or nothing.

    Blank lines are skipped; any other line must be a valid frame. Frames may come in any
    order and may repeat. Raises SyncError if a line or a batch is bad.
    """
    groups: OrderedDict[tuple[int, str], list[Frame]] = OrderedDict()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            frame = decode_frame(line)
        except FrameError as exc:
            raise FrameError("frame.on_line", line=number, problem=exc) from None
        groups.setdefault((frame.batch_id, frame.batch_type), []).append(frame)
    if not groups:
        raise BatchError("batch.none_found")
    batches = []
    for (batch_id, batch_type), frames in groups.items():
        try:
            blob = assemble(frames)
            batches.append(open_blob(blob, site_key, batch_type, batch_id, frames[0].total))
        except BatchError as exc:
            raise BatchError("batch.named", label=batch_label(batch_id), problem=exc) from None
    return batches


def ranges_text(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> "1-3, 7"."""
    parts, start = [], None
    for i, n in enumerate(numbers):
        if start is None:
            start = n
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            parts.append(str(start) if start == n else f"{start}-{n}")
            start = None
    return ", ".join(parts)


# -- collecting scanned frames ------------------------------------------------------------------
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
    batch_type: str
    batch_id: int
    total: int
    chunks: dict[int, bytes] = field(default_factory=dict)

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


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


class FrameCollector:
    """Accumulates scanned lines (any order, duplicates, stray text) into verified batches.

    `add(line)` never raises for any input: it returns a ScanResult. Frames of up to
    `max_batches` batches are kept apart (keyed by batch id and frame count, so a batch shown
    again at another screen size also works); `current` is the one scanned most recently.
    With `expect` (TYPE_ENTRIES or TYPE_RETURN), a frame of the other kind is refused at once,
    saying which kind it is and where it belongs, instead of being taken as part 1 of n.
    """

    def __init__(self, site_key: str, *, max_batches: int = 4,
                 max_bytes: int = 16 * 1024 * 1024, expect: str | None = None):
        if expect is not None and expect not in BATCH_TYPES:
            raise ValueError(f"unknown batch type {expect!r}")
        self.site_key = site_key
        self.expect = expect
        self.max_batches = max_batches
        self.max_bytes = max_bytes
        self._partials: OrderedDict[tuple[int, str, int], _Partial] = OrderedDict()
        self.current: _Partial | None = None

    @property
    def total(self) -> int:
        """Frame count of the current batch (0 before the first frame)."""
        return self.current.total if self.current else 0

    @property
    def received(self) -> int:
        return len(self.current.chunks) if self.current else 0

    def missing(self) -> list[int]:
        """1-based numbers of the frames of the current batch not scanned yet."""
        return self.current.missing() if self.current else []

    def missing_text(self) -> str:
        """The missing numbers as ranges, e.g. "2, 5-9"."""
        return self.current.missing_text() if self.current else ""

    def incomplete(self) -> list[tuple[str, list[int], int]]:
        """(batch label, missing frame numbers, total) of each batch begun but not complete."""
        return [(batch_label(p.batch_id), p.missing(), p.total) for p in self._partials.values()]

    def reset(self) -> None:
        self._partials.clear()
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
        key = (frame.batch_id, frame.batch_type, frame.total)
        partial = self._partials.get(key)
        if partial is None:
            partial = self._partials[key] = _Partial(frame.batch_type, frame.batch_id, frame.total)
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
        partial.chunks[frame.index] = frame.chunk
        if len(partial.chunks) < partial.total:
            return ScanResult("added", self._progress("scan.added", frame), frame)
        blob = b"".join(partial.chunks[i] for i in range(partial.total))
        self._drop(key)
        try:
            batch = open_blob(blob, self.site_key, frame.batch_type, frame.batch_id, frame.total)
        except BatchError as exc:
            return ScanResult("failed", Message("scan.rejected", {
                "label": frame.batch_label, "problem": exc.message}), frame)
        return ScanResult("complete", Message("scan.complete", {
            "label": frame.batch_label, "total": frame.total}), frame, batch)

    def _progress(self, key: str, frame: Frame) -> Message:
        missing = self.missing_text()
        return Message(key, {"number": frame.index + 1, "received": self.received,
                             "total": self.total, "missing": missing or "-"})

    def _drop(self, key: tuple[int, str, int]) -> None:
        self._partials.pop(key, None)
        self.current = next(reversed(self._partials.values()), None)

    def _bound(self) -> None:
        while len(self._partials) > self.max_batches or (
                len(self._partials) > 1 and self._stored_bytes() > self.max_bytes):
            self._partials.popitem(last=False)

    def _stored_bytes(self) -> int:
        return sum(len(c) for p in self._partials.values() for c in p.chunks.values())
