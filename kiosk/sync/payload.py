"""The content of a sync batch: entries (or supervisor replies) as compact JSON, then DEFLATE.

The JSON uses one-letter keys, leaves out default values and values shared by the batch, codes
enumerations as small numbers from frozen tables (so reordering a tuple in entries.py cannot
change the protocol), and stores times as millisecond offsets. `pack_*` and `unpack_*` are exact
inverses for every valid entry; `unpack_*` validates and raises `PayloadError` on anything else.
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from kiosk.entries import (MAX_FIELD_CHARS, SCHEMA_VERSION, Entry, EntryError, Response, is_id,
                            migrate, parse_time)
from kiosk.sync.errors import PayloadError
from kiosk.sync.zdict import ZDICT

CODEC_DEFLATE = 1
MAX_PAYLOAD_BYTES = 16 * 1024 * 1024  # decompressed; bounds a decompression bomb

# Frozen protocol tables: append only. A value not in its table travels as text.
KINDS = ("observation", "idea")
CATEGORIES = ("safety", "quality", "flow", "maintenance", "teamwork", "other")
VISIBILITIES = ("team", "supervisor", "private")
STATUSES = ("new", "seen", "trying", "adopted", "declined")
SUGGESTION_KINDS = ("question", "idea", "title", "category")
VERDICTS = (None, "accepted", "edited", "dismissed")

_TEXT_KEYS = {  # entry field -> key; default ""
    "what_happened": "w", "noticed": "o", "learned": "e", "next_step": "x", "title": "t",
    "status_reason": "r",
}
_ENUM_KEYS = {  # entry field -> (key, table); default is the table's first value
    "kind": ("n", KINDS), "category": ("c", CATEGORIES), "visibility": ("v", VISIBILITIES),
    "status": ("s", STATUSES),
}
_SHARED = {"kiosk_id": "k", "station": "st", "line": "l", "language": "g"}  # batch default
_B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


# -- compression --------------------------------------------------------------------------------
def compress(data: bytes) -> bytes:
    """Codec byte + raw DEFLATE (level 9) primed with the shipped dictionary."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict=ZDICT)
    return bytes([CODEC_DEFLATE]) + packer.compress(data) + packer.flush()


def decompress(blob: bytes, limit: int = MAX_PAYLOAD_BYTES) -> bytes:
    """Inverse of `compress`; refuses output over `limit` bytes and truncated or padded data."""
    if not blob or blob[0] != CODEC_DEFLATE:
        raise PayloadError("payload.codec", codec=blob[:1].hex() or "-")
    unpacker = zlib.decompressobj(-15, zdict=ZDICT)
    try:
        data = unpacker.decompress(blob[1:], limit + 1)
    except zlib.error as exc:
        raise PayloadError("payload.damaged", detail=str(exc)) from None
    if len(data) > limit or unpacker.unconsumed_tail:
        raise PayloadError("payload.too_big", megabytes=limit // (1024 * 1024))
    if not unpacker.eof:
        raise PayloadError("payload.cut_short")
    if unpacker.unused_data:
        raise PayloadError("payload.trailing")
    return data


# -- times and ids ------------------------------------------------------------------------------
def _ms(text: str) -> int | None:
    """Milliseconds since the epoch if `text` is in the canonical form `now_iso` writes."""
    try:
        ms = round(parse_time(text).timestamp() * 1000)
        return ms if _iso(ms) == text else None
    except (ValueError, OverflowError, OSError):
        return None


def _iso(ms: int) -> str:
    stamp = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _pack_time(text: str, base_ms: int) -> int | str:
    ms = _ms(text)
    return text if ms is None else ms - base_ms


def _unpack_time(value: Any, base_ms: int, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise PayloadError("payload.detail", detail=f"{where}: not a time")
    if isinstance(value, str):
        return value
    try:
        return _iso(base_ms + value)
    except (OverflowError, OSError, ValueError):
        raise PayloadError("payload.detail", detail=f"{where}: time out of range") from None


def _id_ms(entry_id: str) -> int:
    value = 0
    for char in entry_id[:10]:
        value = value * 32 + _B32.index(char)
    return value


def _id_prefix(ms: int) -> str:
    if not 0 <= ms < 1 << 48:
        raise PayloadError("payload.detail", detail="id: time out of range")
    return "".join(_B32[(ms >> shift) & 31] for shift in range(45, -1, -5))


# -- entries ------------------------------------------------------------------------------------
def pack_entries(entries: list[Entry], header: dict[str, Any]) -> bytes:
    """Entries -> compact JSON bytes (`header` keys go in as they are)."""
    dicts = sorted((entry.to_dict() for entry in entries), key=lambda d: d["id"])
    shared = {field: Counter(d[field] for d in dicts).most_common(1)[0][0] if dicts else ""
              for field in _SHARED}
    sources = [name for name, _ in Counter(s["source"] for d in dicts
                                           for s in d["suggestions"]).most_common()]
    rows, previous = [], 0
    for data in dicts:
        row, previous = _pack_entry(data, shared, sources, previous)
        rows.append(row)
    document = {**header, "y": SCHEMA_VERSION,
                **{key: shared[field] for field, key in _SHARED.items()},
                "src": sources, "e": rows}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _pack_entry(data: dict[str, Any], shared: dict[str, Any], sources: list[str],
                previous_ms: int) -> tuple[dict[str, Any], int]:
    id_ms = _id_ms(data["id"])
    row: dict[str, Any] = {"i": data["id"][10:], "d": id_ms - previous_ms}
    for field, key in _SHARED.items():
        if data[field] != shared[field]:
            row[key] = data[field]
    if data["author"] is not None:
        row["a"] = data["author"]
    for field, (key, table) in _ENUM_KEYS.items():
        if data[field] != table[0]:
            row[key] = table.index(data[field]) if data[field] in table else data[field]
    for field, key in _TEXT_KEYS.items():
        if data[field]:
            row[key] = data[field]
    if data["suggestions"]:
        row["u"] = [_pack_suggestion(s, sources) for s in data["suggestions"]]
    created = _pack_time(data["created"], id_ms)
    if created != 0:
        row["cr"] = created
    if data["updated"] != data["created"]:
        row["up"] = data["updated"] if data["updated"] == "" else \
            _pack_time(data["updated"], _ms(data["created"]) or 0)
    created_ms = _ms(data["created"]) or 0
    if data["responses"]:
        row["p"] = [[_pack_time(r["at"], created_ms), r["by"], r["text"]]
                    for r in data["responses"]]
    if data["seen"]:
        row["se"] = 1
    return row, id_ms


def _pack_suggestion(s: dict[str, Any], sources: list[str]) -> list[Any]:
    kind = SUGGESTION_KINDS.index(s["kind"]) if s["kind"] in SUGGESTION_KINDS else s["kind"]
    verdict = VERDICTS.index(s["verdict"]) if s["verdict"] in VERDICTS else s["verdict"]
    packed = [kind, s["text"], sources.index(s["source"]), verdict, s["final_text"]]
    while len(packed) > 3 and packed[-1] in (None, 0):
        packed.pop()
    return packed


def unpack_document(data: bytes) -> dict[str, Any]:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise PayloadError("payload.not_json", detail=str(exc)[:80]) from None
    if not isinstance(document, dict):
        raise PayloadError("payload.detail", detail="not a JSON object")
    return document


def unpack_entries(document: dict[str, Any]) -> list[Entry]:
    """Compact JSON document -> validated, migrated entries (sync state left at "pending")."""
    schema = document.get("y")
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        raise PayloadError("payload.detail", detail="no valid schema version")
    if schema > SCHEMA_VERSION:
        raise PayloadError("payload.schema_newer", schema=schema, supported=SCHEMA_VERSION)
    shared = {field: document.get(key) for field, key in _SHARED.items()}
    sources = document.get("src")
    rows = document.get("e")
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise PayloadError("payload.detail", detail="no valid source table")
    if not isinstance(rows, list):
        raise PayloadError("payload.detail", detail="no entry list")
    entries, previous = [], 0
    for number, row in enumerate(rows, 1):
        try:
            data, previous = _unpack_entry(row, shared, sources, previous, schema)
            entries.append(Entry.from_dict(data))
        except (EntryError, PayloadError, TypeError, ValueError, KeyError, IndexError) as exc:
            raise PayloadError("payload.bad_entry", number=number, detail=str(exc)) from None
    return entries


def _field(row: dict[str, Any], key: str, default: Any = None) -> Any:
    return row.get(key, default)


def _unpack_entry(row: Any, shared: dict[str, Any], sources: list[str], previous_ms: int,
                  schema: int) -> tuple[dict[str, Any], int]:
    if not isinstance(row, dict):
        raise PayloadError("payload.detail", detail="not an object")
    unknown = set(row) - _ROW_KEYS
    if unknown:
        raise PayloadError("payload.detail", detail=f"unknown key {sorted(unknown)[0]!r}")
    delta, rest = row.get("d"), row.get("i")
    if not isinstance(delta, int) or isinstance(delta, bool) or not isinstance(rest, str) \
            or len(rest) != 16:
        raise PayloadError("payload.detail", detail="no valid id")
    id_ms = previous_ms + delta
    data: dict[str, Any] = {"id": _id_prefix(id_ms) + rest, "schema": schema}
    for field, key in _SHARED.items():
        data[field] = row.get(key, shared[field])
    data["author"] = row.get("a")
    for field, (key, table) in _ENUM_KEYS.items():
        value = row.get(key, 0)
        data[field] = table[value] if isinstance(value, int) and not isinstance(value, bool) \
            and 0 <= value < len(table) else value
    for field, key in _TEXT_KEYS.items():
        data[field] = row.get(key, "")
    data["suggestions"] = [_unpack_suggestion(s, sources) for s in _list(row.get("u", []))]
    data["created"] = _unpack_time(row.get("cr", 0), id_ms, "created")
    created_ms = _ms(data["created"]) or 0
    updated = row.get("up")
    data["updated"] = data["created"] if updated is None else \
        _unpack_time(updated, created_ms, "updated") if updated != "" else ""
    data["responses"] = [_unpack_response(r, created_ms) for r in _list(row.get("p", []))]
    data["seen"] = row.get("se", 0) == 1
    data["sync"] = "pending"
    return migrate(data), id_ms


_ROW_KEYS = {"i", "d", "a", "u", "cr", "up", "p", "se", *_SHARED.values(), *_TEXT_KEYS.values(),
             *(key for key, _ in _ENUM_KEYS.values())}


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise PayloadError("payload.detail", detail="expected a list")
    return value


def _unpack_suggestion(packed: Any, sources: list[str]) -> dict[str, Any]:
    if not isinstance(packed, list) or not 3 <= len(packed) <= 5:
        raise PayloadError("payload.detail", detail="malformed suggestion")
    kind, text, source = packed[:3]
    verdict = packed[3] if len(packed) > 3 else 0
    final = packed[4] if len(packed) > 4 else None
    if not isinstance(source, int) or isinstance(source, bool) or not 0 <= source < len(sources):
        raise PayloadError("payload.detail", detail="suggestion source out of range")
    return {"kind": _enum(kind, SUGGESTION_KINDS), "text": text, "source": sources[source],
            "verdict": _enum(verdict, VERDICTS), "final_text": final}


def _enum(value: Any, table: tuple[Any, ...]) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(table):
        return table[value]
    return value


def _unpack_response(packed: Any, created_ms: int) -> dict[str, Any]:
    if not isinstance(packed, list) or len(packed) != 3:
        raise PayloadError("payload.detail", detail="malformed response")
    return {"at": _unpack_time(packed[0], created_ms, "response time"), "by": packed[1],
            "text": packed[2]}


# -- replies (the return batch: supervisor answers and idea status back to the kiosk) ----------
@dataclass(frozen=True)
class Reply:
    """The station-owned part of one entry: idea status, its reason, the supervisor answers."""

    id: str
    status: str
    status_reason: str
    responses: tuple[Response, ...]

    @classmethod
    def of(cls, entry: Entry) -> "Reply":
        return cls(entry.id, entry.status, entry.status_reason, tuple(entry.responses))


def pack_replies(replies: list[Reply], header: dict[str, Any]) -> bytes:
    rows = []
    for reply in sorted(replies, key=lambda r: r.id):
        id_ms = _id_ms(reply.id)
        row: dict[str, Any] = {"i": reply.id}
        if reply.status != STATUSES[0]:
            row["s"] = STATUSES.index(reply.status) if reply.status in STATUSES else reply.status
        if reply.status_reason:
            row["r"] = reply.status_reason
        if reply.responses:
            row["p"] = [[_pack_time(r.at, id_ms), r.by, r.text] for r in reply.responses]
        rows.append(row)
    document = {**header, "y": SCHEMA_VERSION, "e": rows}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def unpack_replies(document: dict[str, Any]) -> list[Reply]:
    rows = document.get("e")
    if not isinstance(rows, list):
        raise PayloadError("payload.detail", detail="no reply list")
    replies = []
    for number, row in enumerate(rows, 1):
        try:
            replies.append(_unpack_reply(row))
        except (EntryError, PayloadError, TypeError, ValueError) as exc:
            raise PayloadError("payload.bad_entry", number=number, detail=str(exc)) from None
    return replies


def _unpack_reply(row: Any) -> Reply:
    if not isinstance(row, dict) or set(row) - {"i", "s", "r", "p"}:
        raise PayloadError("payload.detail", detail="malformed reply")
    entry_id = row.get("i")
    if not is_id(entry_id):
        raise PayloadError("payload.detail", detail="no valid id")
    id_ms = _id_ms(entry_id)
    status = _enum(row.get("s", 0), STATUSES)
    reason = row.get("r", "")
    responses = tuple(Response(**_unpack_response(r, id_ms)) for r in _list(row.get("p", [])))
    if status not in STATUSES:
        raise PayloadError("payload.detail", detail=f"status: unknown value {status!r}")
    if not isinstance(reason, str) or len(reason) > MAX_FIELD_CHARS:
        raise PayloadError("payload.detail", detail="status_reason: not valid text")
    for i, response in enumerate(responses):
        response.validate(f"responses[{i}]")
    return Reply(entry_id, status, reason, responses)
