"""The content of a sync batch (protocol 2): entries as a compact JSON table, supervisor replies
as JSON rows, then DEFLATE with a preset dictionary.

An entries batch is one object: batch values (the most common kiosk, station, line and language;
tables of suggestion sources and authors) and one list per entry field ("column", in id order),
left out when it only holds defaults. An id made by the entry's own kiosk travels as its time
delta and 16 bits; enumerations as small numbers from frozen tables (so reordering a tuple in
entries.py cannot change the protocol); times as millisecond offsets; a title that starts what
happened as its length. `pack_*` and `unpack_*` are exact inverses for every valid entry;
`unpack_*` validates and raises `PayloadError` on anything else. See docs/sync-protocol.md,
section 3.

A batch says the oldest entry schema that can hold it (`y`): a column added with a later schema
(`ug`, urgent, schema 2) raises it only when it is sent. So a batch without urgent entries is read
by an app of schema 1 too, and an older app's batch imports as not urgent (the entry migrations).
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from kiosk.entries import (MAX_FIELD_CHARS, SCHEMA_VERSION, Entry, EntryError, Response, migrate,
                            parse_time)
from kiosk.ids import ID_RANDOM_BITS, format_id, id_parts, id_tag, is_id
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
    "what_happened": "w", "noticed": "o", "learned": "e", "next_step": "x", "title": "h",
    "status_reason": "r",
}
_ENUM_KEYS = {  # entry field -> (key, table); default is the table's first value
    "kind": ("n", KINDS), "category": ("c", CATEGORIES), "visibility": ("v", VISIBILITIES),
    "status": ("s", STATUSES),
}
_SHARED = {"kiosk_id": "k", "station": "st", "line": "l", "language": "g"}  # batch default
_OTHER = {key: "o" + key for key in _SHARED.values()}  # column: an entry's value when not that


# -- compression --------------------------------------------------------------------------------
class Packed(bytes):
    """JSON bytes, and the offsets where `compress` starts a new DEFLATE block.

    Each block gets its own Huffman codes, so numbers and text compress better apart. It is the
    encoder's choice only: any DEFLATE decoder reads the result the same way.
    """

    cuts: tuple[int, ...] = ()


def compress(data: bytes) -> bytes:
    """Codec byte + raw DEFLATE (level 9) primed with the shipped dictionary.

    With `Packed.cuts`, the stream is made with and without the block cuts and the shorter one
    is kept: a small batch does not pay for the extra Huffman tables.
    """
    cuts = getattr(data, "cuts", ())
    streams = [_deflate(data, ())] + ([_deflate(data, cuts)] if cuts else [])
    return bytes([CODEC_DEFLATE]) + min(streams, key=len)


def _deflate(data: bytes, cuts: tuple[int, ...]) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict=ZDICT)
    out, start = [], 0
    for cut in cuts:
        out += [packer.compress(data[start:cut]), packer.flush(zlib.Z_BLOCK)]
        start = cut
    return b"".join([*out, packer.compress(data[start:]), packer.flush()])


def _json(*parts: dict[str, Any]) -> Packed:
    """One JSON object of the keys of `parts`, cut for `compress` where each part starts."""
    pieces = [json.dumps(part, ensure_ascii=False, separators=(",", ":"))[1:-1].encode("utf-8")
              for part in parts if part]
    packed = Packed(b"{" + b",".join(pieces) + b"}")
    offsets, at = [], 1
    for piece in pieces[:-1]:
        at += len(piece) + 1
        offsets.append(at)
    packed.cuts = tuple(offsets)
    return packed


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
    return id_parts(entry_id)[0]


def _pack_id_rest(rest: int, kiosk_id: str) -> int | str:
    """The 80 bits of an id after its time: 16 bits when the entry's kiosk made it (its tag is
    the other 64), else the 16 characters they are written as."""
    if rest >> ID_RANDOM_BITS == id_tag(kiosk_id):
        return rest & ((1 << ID_RANDOM_BITS) - 1)
    return format_id(0, rest)[10:]


def _unpack_id(ms: int, rest: Any, kiosk_id: Any) -> str:
    if isinstance(rest, int) and not isinstance(rest, bool) and 0 <= rest < 1 << ID_RANDOM_BITS \
            and isinstance(kiosk_id, str):
        low = (id_tag(kiosk_id) << ID_RANDOM_BITS) | rest
    elif isinstance(rest, str) and len(rest) == 16 and is_id("0" * 10 + rest):
        low = id_parts("0" * 10 + rest)[1]
    else:
        raise PayloadError("payload.detail", detail="no valid id")
    try:
        return format_id(ms, low)
    except ValueError:
        raise PayloadError("payload.detail", detail="id: time out of range") from None


# -- entries ------------------------------------------------------------------------------------
# An entries batch is a table: one list ("column") per field, each as long as the batch, in id
# order. Similar values next to each other compress better than rows of keyed objects, and a
# column that only holds default values is left out.
_ID_COLUMNS = ("d", "i")  # id time (ms after the previous entry's), id rest (_pack_id_rest)
_OPTIONAL = {  # column -> the value that stands for "default" in it
    **{key: None for key in _OTHER.values()},  # None: the batch value
    "a": None, **{key: 0 for key, _ in _ENUM_KEYS.values()},
    **{key: "" for key in _TEXT_KEYS.values()}, "u": [], "cr": 0, "up": None, "p": [], "se": 0,
    "ug": 0,
}
_SINCE_SCHEMA = {"ug": 2}  # columns added after schema 1 -> the schema that brought them
BATCH_KEYS = ("t", "f", "m", "y", *_SHARED.values(), "src", "au", "len")
COLUMNS = (*_ID_COLUMNS, *_OPTIONAL)
_TEXT_COLUMNS = (*_TEXT_KEYS.values(), "u", "p")  # with the id columns: DEFLATE blocks of their own
_TITLE_REF = 0  # in a suggestion, text or final_text 0 = the entry's title (accepted titles)


def pack_entries(entries: list[Entry], header: dict[str, Any]) -> bytes:
    """Entries -> compact JSON bytes (`header` keys go in as they are)."""
    dicts = sorted((entry.to_dict() for entry in entries), key=lambda d: d["id"])
    shared = {field: Counter(d[field] for d in dicts).most_common(1)[0][0] if dicts else ""
              for field in _SHARED}
    sources = [name for name, _ in Counter(s["source"] for d in dicts
                                           for s in d["suggestions"]).most_common()]
    authors = [name for name, _ in Counter(d["author"] for d in dicts
                                           if d["author"] is not None).most_common()]
    columns: dict[str, list[Any]] = {key: [] for key in COLUMNS}
    previous = 0
    for data in dicts:
        row = _pack_entry(data, shared, sources, authors, previous)
        for key, value in row.items():
            columns[key].append(value)
        previous += row["d"]  # this entry's id time
    table = {key: values for key, values in columns.items()
             if key in _ID_COLUMNS or any(value != _OPTIONAL[key] for value in values)}
    schema = max([1, *(_SINCE_SCHEMA.get(key, 1) for key in table)])
    batch = {**header, "y": schema,
             **{key: shared[field] for field, key in _SHARED.items()},
             "src": sources, "au": authors, "len": len(dicts)}
    ids = {key: table[key] for key in _ID_COLUMNS}
    texts = {key: values for key, values in table.items() if key in _TEXT_COLUMNS}
    small = {key: values for key, values in table.items() if key not in (*ids, *texts)}
    return _json({**batch, **small}, ids, texts)


def _pack_entry(data: dict[str, Any], shared: dict[str, Any], sources: list[str],
                authors: list[str], previous_ms: int) -> dict[str, Any]:
    id_ms, rest = id_parts(data["id"])
    row: dict[str, Any] = {"d": id_ms - previous_ms, "i": _pack_id_rest(rest, data["kiosk_id"])}
    for field, key in _SHARED.items():
        row[_OTHER[key]] = None if data[field] == shared[field] else data[field]
    row["a"] = None if data["author"] is None else authors.index(data["author"])
    for field, (key, table) in _ENUM_KEYS.items():
        row[key] = table.index(data[field]) if data[field] in table else data[field]
    for field, key in _TEXT_KEYS.items():
        row[key] = data[field]
    if data["title"] and data["what_happened"].startswith(data["title"]):
        row["h"] = len(data["title"])  # the title is the start of what happened (title_from_text)
    row["u"] = [_pack_suggestion(s, sources, data["title"]) for s in data["suggestions"]]
    row["cr"] = _pack_time(data["created"], id_ms)
    created_ms = _ms(data["created"]) or 0
    row["up"] = None if data["updated"] == data["created"] else \
        data["updated"] if data["updated"] == "" else _pack_time(data["updated"], created_ms)
    row["p"] = [[_pack_time(r["at"], created_ms), r["by"], r["text"]]
                for r in data["responses"]]
    row["se"] = 1 if data["seen"] else 0
    row["ug"] = 1 if data["urgent"] else 0
    return row


def _pack_suggestion(s: dict[str, Any], sources: list[str], title: str) -> list[Any]:
    kind = SUGGESTION_KINDS.index(s["kind"]) if s["kind"] in SUGGESTION_KINDS else s["kind"]
    verdict = VERDICTS.index(s["verdict"]) if s["verdict"] in VERDICTS else s["verdict"]
    text, final = (_TITLE_REF if title and value == title else value
                   for value in (s["text"], s["final_text"]))
    packed = [kind, text, sources.index(s["source"]), verdict, final]
    if final is None:  # the defaults at the end are left out
        packed.pop()
        if verdict == 0:
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
    sources, authors = document.get("src"), document.get("au")
    count = document.get("len")
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise PayloadError("payload.detail", detail="no valid source table")
    if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
        raise PayloadError("payload.detail", detail="no valid author table")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise PayloadError("payload.detail", detail="no entry count")
    columns = {key: document.get(key) for key in COLUMNS if key in document or key in _ID_COLUMNS}
    for key, column in columns.items():  # a left-out column is not built: `len` may be large
        if not isinstance(column, list) or len(column) != count:
            raise PayloadError("payload.detail", detail=f"column {key!r} is not {count} long")
    defaults = {key: _OPTIONAL[key] for key in COLUMNS if key not in columns}
    entries, previous = [], 0
    for number in range(count):
        try:
            row = {**defaults, **{key: column[number] for key, column in columns.items()}}
            data, previous = _unpack_entry(row, shared, sources, authors, previous, schema)
            entries.append(Entry.from_dict(data))
        except (EntryError, PayloadError, TypeError, ValueError, KeyError, IndexError) as exc:
            raise PayloadError("payload.bad_entry", number=number + 1, detail=str(exc)) from None
    return entries


def _unpack_entry(row: dict[str, Any], shared: dict[str, Any], sources: list[str],
                  authors: list[str], previous_ms: int, schema: int) -> tuple[dict[str, Any], int]:
    delta = row["d"]
    if not isinstance(delta, int) or isinstance(delta, bool):
        raise PayloadError("payload.detail", detail="no valid id")
    id_ms = previous_ms + delta
    data: dict[str, Any] = {"schema": schema}
    for field, key in _SHARED.items():
        data[field] = shared[field] if row[_OTHER[key]] is None else row[_OTHER[key]]
    data["id"] = _unpack_id(id_ms, row["i"], data["kiosk_id"])
    data["author"] = None if row["a"] is None else _index(row["a"], authors, "author")
    for field, (key, table) in _ENUM_KEYS.items():
        data[field] = _enum(row[key], table)
    for field, key in _TEXT_KEYS.items():
        data[field] = row[key]
    if type(row["h"]) is int:  # the title is the first h characters of what happened
        if not isinstance(data["what_happened"], str) or not 0 < row["h"] <= len(
                data["what_happened"]):
            raise PayloadError("payload.detail", detail="title: out of range")
        data["title"] = data["what_happened"][:row["h"]]
    title = data["title"] if isinstance(data["title"], str) else ""
    data["suggestions"] = [_unpack_suggestion(s, sources, title) for s in _list(row["u"])]
    data["created"] = _unpack_time(row["cr"], id_ms, "created")
    created_ms = _ms(data["created"]) or 0
    updated = row["up"]
    data["updated"] = data["created"] if updated is None else \
        _unpack_time(updated, created_ms, "updated") if updated != "" else ""
    data["responses"] = [_unpack_response(r, created_ms) for r in _list(row["p"])]
    data["seen"] = _flag(row["se"], "seen")
    if schema >= _SINCE_SCHEMA["ug"]:
        data["urgent"] = _flag(row["ug"], "urgent")
    elif row["ug"] != 0:
        raise PayloadError("payload.detail", detail=f"urgent: not in schema {schema}")
    data["sync"] = "pending"
    return migrate(data), id_ms


def _flag(value: Any, what: str) -> bool:
    if value not in (0, 1) or isinstance(value, bool):
        raise PayloadError("payload.detail", detail=f"{what}: not 0 or 1")
    return value == 1


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise PayloadError("payload.detail", detail="expected a list")
    return value


def _unpack_suggestion(packed: Any, sources: list[str], title: str) -> dict[str, Any]:
    if not isinstance(packed, list) or not 3 <= len(packed) <= 5:
        raise PayloadError("payload.detail", detail="malformed suggestion")
    kind, text, source = packed[:3]
    verdict = packed[3] if len(packed) > 3 else 0
    final = packed[4] if len(packed) > 4 else None
    source = _index(source, sources, "suggestion source")
    text, final = (title if type(value) is int and value == _TITLE_REF and title else value
                   for value in (text, final))
    return {"kind": _enum(kind, SUGGESTION_KINDS), "text": text, "source": source,
            "verdict": _enum(verdict, VERDICTS), "final_text": final}


def _index(value: Any, table: list[str], what: str) -> str:
    if type(value) is not int or not 0 <= value < len(table):
        raise PayloadError("payload.detail", detail=f"{what} out of range")
    return table[value]


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
