"""Sync frames: a signed, compressed batch as Base32 text frames (protocols 2 and 3), and back.

    frame  = "KS" + Base32(body), A-Z and 2-7 only, no padding, read case-insensitively
    body 2 = version(1)=2 type(1) batch_id(4) index(2) total(2) chunk(n) crc32(4)  (big-endian)
    body 3 = version(1)=3 type(1) batch_id(4) length(3) esi(2) symbol(T) crc32(4)
    blob   = protocol 2: the chunks of frames 0..total-1 joined; protocol 3: decoded from any
             K = ceil(length / T) frames or a few more (RaptorQ, fountain.py)
           = key_id(4) mac(16) payload      payload = codec(1) + raw DEFLATE (payload.py)
    key_id = HMAC-SHA256(site key, "kiosk-sync key id")[:4]
    mac    = HMAC-SHA256(site key, "KS" 2 type batch_id key_id payload)[:16]

The sealed batch is the same in both protocols (its format version, 2, is in the MAC); protocol
3 only cuts it differently. The CRC catches a misread or mistyped frame (for example a scanner
typing with the wrong keyboard layout); the MAC makes a batch from anyone without the site key
fail as a whole. Nothing is returned from a batch until every check has passed. The collector
of scanned frames is in collect.py. See docs/sync-protocol.md.
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
from dataclasses import dataclass

from kiosk.sync import fountain
from kiosk.sync.errors import BatchError, FrameError, PayloadError
from kiosk.sync.payload import decompress, unpack_document

CYCLE_VERSION = 2  # numbered frames 1..n, shown in a cycle
FOUNTAIN_VERSION = 3  # fountain-coded frames: any K or so of them
PROTOCOL_VERSION = FOUNTAIN_VERSION  # what this app makes
OLDEST_VERSION = CYCLE_VERSION  # the oldest it reads
SEAL_VERSION = 2  # the format of the sealed batch (key id, MAC, payload), bound by the MAC
MAGIC = "KS"
TYPE_ENTRIES = "E"  # kiosk -> supervisor station: entries
TYPE_RETURN = "R"  # supervisor station -> kiosk: answers and idea status
BATCH_TYPES = {TYPE_ENTRIES: "entries", TYPE_RETURN: "return"}

HEADER = struct.Struct(">BcIHH")  # protocol 2: version, type, batch id, index, total
PREFIX = struct.Struct(">BcI")  # version, type, batch id: the start of every body
FOUNTAIN_HEADER = PREFIX.size + 3 + 2  # protocol 3: then length (3 bytes), symbol id (2)
REPAIR_FRAMES = 4096  # protocol 3 shows K source frames and this many repair frames, again
CRC_BYTES = 4
KEY_ID_BYTES, MAC_BYTES = 4, 16
MAX_FRAMES = 4096  # a batch never has more frames; a frame claiming more is refused
MAX_FRAME_CHARS = 8192  # a longer line is not a frame
MIN_FRAME_CHARS = len(MAGIC) + -(-(FOUNTAIN_HEADER + 1 + CRC_BYTES) * 8 // 5)  # one data byte
_SHORTEST = len(MAGIC) + -(-(HEADER.size + 1 + CRC_BYTES) * 8 // 5)  # a protocol 2 frame
FILE_FRAME_CHARS = 2000  # frame size for files (USB stick) and text output


@dataclass(frozen=True)
class Frame:
    version: int
    batch_type: str
    batch_id: int
    index: int  # 0-based
    total: int  # protocol 3: K, the number of source frames
    chunk: bytes
    length: int = 0  # protocol 3: bytes of the sealed batch

    @property
    def fountain(self) -> bool:
        return self.version == FOUNTAIN_VERSION

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
    message = MAGIC.encode() + PREFIX.pack(SEAL_VERSION, batch_type.encode(), batch_id) + \
        key_id(site_key) + payload
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


def _body_bytes(max_chars: int) -> int:
    return (max_chars - len(MAGIC)) * 5 // 8


def chunk_bytes_for(max_chars: int) -> int:
    """How many blob bytes one protocol 2 frame of at most `max_chars` characters carries."""
    return _body_bytes(max_chars) - HEADER.size - CRC_BYTES


def symbol_bytes_for(max_chars: int) -> int:
    """T: the symbol size of protocol 3 frames of at most `max_chars` characters."""
    return fountain.usable_symbol_size(_body_bytes(max_chars) - FOUNTAIN_HEADER - CRC_BYTES)


def split(blob: bytes, batch_type: str, batch_id: int, max_chars: int) -> list[str]:
    """Protocol 2: cut `blob` into frames 1..n of at most `max_chars` characters each."""
    size = chunk_bytes_for(max_chars)
    if size < 1:
        raise ValueError(f"a frame needs at least {MIN_FRAME_CHARS} characters")
    total = max(1, -(-len(blob) // size))
    if total > MAX_FRAMES:
        raise BatchError("batch.too_many_frames", frames=total, limit=MAX_FRAMES)
    return [encode_frame(Frame(CYCLE_VERSION, batch_type, batch_id, index, total,
                               blob[index * size:(index + 1) * size]))
            for index in range(total)]


class FountainFrames:
    """Protocol 3: the frames of one sealed batch without end. Numbers 0..K-1 are the source
    frames (the batch itself), then come REPAIR_FRAMES repair frames, then it starts again."""

    def __init__(self, blob: bytes, batch_type: str, batch_id: int, max_chars: int):
        size = symbol_bytes_for(max_chars)
        if size < 1:
            raise ValueError(f"a frame needs at least {MIN_FRAME_CHARS} characters")
        count = fountain.source_count(len(blob), size)
        if count > MAX_FRAMES:
            raise BatchError("batch.too_many_frames", frames=count, limit=MAX_FRAMES)
        if len(blob) > fountain.MAX_LENGTH:
            raise BatchError("batch.too_big", megabytes=f"{len(blob) / 1e6:.1f}",
                             limit=f"{fountain.MAX_LENGTH / 1e6:.1f}")
        self.batch_type, self.batch_id, self.length = batch_type, batch_id, len(blob)
        self._encoder = fountain.SymbolEncoder(blob, size)
        self.count = count  # K
        self.cycle = count + REPAIR_FRAMES

    def frames(self, start: int = 0, count: int | None = None) -> list[str]:
        """Frames number `start` .. `start + count - 1` (default: the K source frames)."""
        esis = [n % self.cycle for n in range(start, start + (self.count if count is None
                                                               else count))]
        return [encode_frame(Frame(FOUNTAIN_VERSION, self.batch_type, self.batch_id, esi,
                                   self.count, symbol, self.length))
                for esi, symbol in zip(esis, self._encoder.symbols(esis))]


def encode_frame(frame: Frame) -> str:
    if frame.fountain:
        body = PREFIX.pack(frame.version, frame.batch_type.encode(), frame.batch_id) + \
            frame.length.to_bytes(3, "big") + frame.index.to_bytes(2, "big") + frame.chunk
    else:
        body = HEADER.pack(frame.version, frame.batch_type.encode(), frame.batch_id,
                           frame.index, frame.total) + frame.chunk
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
    if len(line) < _SHORTEST or len(body_text) % 8 in (1, 3, 6):
        raise FrameError("frame.cut_short")
    body = _b32(body_text)
    if body is None:
        bad = sorted({c for c in body_text if c not in _ALPHABET})
        raise FrameError("frame.bad_chars", chars="".join(bad)[:10])
    if not _crc_ok(body) or base64.b32encode(body).decode().rstrip("=") != body_text:
        swapped = _b32(body_text.translate(str.maketrans("YZ", "ZY")))
        raise FrameError("frame.qwertz" if swapped and _crc_ok(swapped) else "frame.crc")
    version, kind, batch_id = PREFIX.unpack_from(body)
    if version not in (CYCLE_VERSION, FOUNTAIN_VERSION):
        raise FrameError("frame.version_newer" if version > PROTOCOL_VERSION else
                         "frame.version_older", version=version,
                         supported=f"{OLDEST_VERSION}-{PROTOCOL_VERSION}")
    batch_type = kind.decode("latin-1")
    if batch_type not in BATCH_TYPES:
        raise FrameError("frame.unknown_type", type=batch_type)
    if version == FOUNTAIN_VERSION:
        return _fountain_frame(body, batch_type, batch_id)
    _, _, _, index, total = HEADER.unpack_from(body)
    if not 1 <= total <= MAX_FRAMES:
        raise FrameError("frame.absurd_total", total=total, limit=MAX_FRAMES)
    if index >= total:
        raise FrameError("frame.bad_index", number=index + 1, total=total)
    return Frame(version, batch_type, batch_id, index, total, body[HEADER.size:-CRC_BYTES])


def _fountain_frame(body: bytes, batch_type: str, batch_id: int) -> Frame:
    if len(body) < FOUNTAIN_HEADER + 1 + CRC_BYTES:
        raise FrameError("frame.cut_short")
    length = int.from_bytes(body[PREFIX.size:PREFIX.size + 3], "big")
    esi = int.from_bytes(body[PREFIX.size + 3:FOUNTAIN_HEADER], "big")
    symbol = body[FOUNTAIN_HEADER:-CRC_BYTES]
    if not fountain.valid_symbol_size(len(symbol)):
        raise FrameError("frame.bad_size", size=len(symbol))
    total = fountain.source_count(length, len(symbol))
    if not 1 <= total <= MAX_FRAMES:
        raise FrameError("frame.absurd_total", total=total, limit=MAX_FRAMES)
    return Frame(FOUNTAIN_VERSION, batch_type, batch_id, esi, total, symbol, length)


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
    if first.fountain:
        return _assemble_fountain(frames)
    chunks: dict[int, bytes] = {}
    for frame in frames:
        _same_batch(first, frame)
        if frame.total != first.total:
            raise BatchError("batch.totals_differ", first=first.total, other=frame.total)
        if chunks.setdefault(frame.index, frame.chunk) != frame.chunk:
            raise BatchError("batch.same_number", number=frame.index + 1)
    missing = [i + 1 for i in range(first.total) if i not in chunks]
    if missing:
        raise BatchError("batch.incomplete", missing=ranges_text(missing), total=first.total,
                         parts=len(missing))
    return b"".join(chunks[i] for i in range(first.total))


def _same_batch(first: Frame, frame: Frame) -> None:
    if (frame.batch_id, frame.batch_type) != (first.batch_id, first.batch_type):
        raise BatchError("batch.several")
    if (frame.version, frame.length, len(frame.chunk) if frame.fountain else 0) != \
            (first.version, first.length, len(first.chunk) if first.fountain else 0):
        raise BatchError("batch.sizes_differ")


def _assemble_fountain(frames: list[Frame]) -> bytes:
    first = frames[0]
    decoder = fountain.SymbolDecoder(first.length, len(first.chunk))
    seen: dict[int, bytes] = {}
    blob = None
    for frame in frames:
        _same_batch(first, frame)
        if seen.setdefault(frame.index, frame.chunk) != frame.chunk:
            raise BatchError("batch.same_number", number=frame.index + 1)
        if blob is None and frame.index not in decoder.symbols:
            blob = decoder.add(frame.index, frame.chunk)
    if blob is None:
        raise BatchError("batch.incomplete_fountain", received=len(seen), total=first.total)
    return blob


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
