"""Entry ids: ULIDs (48-bit milliseconds + 80 more bits, Crockford Base32) that sort by creation
time, their parts, the id prefix of a moment, and the ISO week (weekly file) an id belongs to."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_TAG_BITS, ID_RANDOM_BITS = 64, 16
PREFIX_CHARS = 10  # the characters of an id that hold its time (48 bits, in 50)

_LAST: dict[int, tuple[int, int]] = {}  # kiosk tag -> (ms, low bits) of the last id made
_LAST_LOCK = threading.Lock()


@lru_cache(maxsize=64)  # a batch asks for the same few kiosks' tags once per entry
def id_tag(kiosk_id: str) -> int:
    """The 64 bits that name a kiosk inside the ids of the entries it makes (see `new_id`)."""
    digest = hashlib.sha256(b"kiosk entry id|" + kiosk_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:ID_TAG_BITS // 8], "big")


def new_id(at: float | None = None, kiosk_id: str | None = None) -> str:
    """A ULID: 48-bit milliseconds + 80 more bits, Crockford Base32, sorts by creation time.

    Without `kiosk_id` the 80 bits are random. With it they are the kiosk's `id_tag` and 16
    random bits (counting up within one millisecond in one process): two ids can only collide
    when one kiosk makes entries in the same millisecond in two processes (or after its clock
    was set back) with the same 16 random bits; the station keeps both versions then. A sync
    batch sends 2 bytes instead of 10 for the part after the time (kiosk/sync/payload.py).
    """
    ms = int((time.time() if at is None else at) * 1000)
    if kiosk_id is None:
        return format_id(ms, int.from_bytes(os.urandom(10), "big"))
    tag = id_tag(kiosk_id)
    low = int.from_bytes(os.urandom(2), "big")
    with _LAST_LOCK:  # one process never repeats an id: the same millisecond counts up
        last_ms, last_low = _LAST.get(tag, (-1, 0))
        if ms == last_ms and last_low + 1 < 1 << ID_RANDOM_BITS:
            low = last_low + 1
        _LAST[tag] = (ms, low)
    return format_id(ms, (tag << ID_RANDOM_BITS) | low)


def format_id(ms: int, rest: int) -> str:
    """The id text of a millisecond time (48 bits) and the 80 bits after it."""
    if not 0 <= ms < 1 << 48 or not 0 <= rest < 1 << 80:
        raise ValueError("id parts out of range")
    value = (ms << 80) | rest
    return "".join(CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def id_parts(entry_id: str) -> tuple[int, int]:
    """(milliseconds, the 80 bits after them) of an id; inverse of `format_id`."""
    value = 0
    for char in entry_id:
        value = value * 32 + CROCKFORD.index(char)
    return value >> 80, value & ((1 << 80) - 1)


def is_id(text: Any) -> bool:
    return isinstance(text, str) and len(text) == 26 and all(c in CROCKFORD for c in text) \
        and text[0] in "01234567"


def id_time(entry_id: str) -> datetime:
    """The creation time encoded in an entry id."""
    return datetime.fromtimestamp(id_parts(entry_id)[0] / 1000, tz=timezone.utc)


def id_prefix(at: datetime) -> str:
    """The first 10 characters of an id made at `at`: comparing them orders ids by time, so
    `id_prefix(a) <= entry_id < id_prefix(b)` selects the ids made from a up to b."""
    ms = int(at.timestamp() * 1000)
    return "".join(CROCKFORD[(ms >> shift) & 31] for shift in range(5 * PREFIX_CHARS - 5, -5, -5))


def week_key(entry_id: str) -> str:
    """The ISO week (UTC) in which an entry was made, "2026-W48": its weekly file's name."""
    year, week, _ = id_time(entry_id).isocalendar()
    return f"{year:04d}-W{week:02d}"


def week_id_range(key: str) -> tuple[str, str]:
    """Id prefixes bounding the ids of week `key`: low <= id < high. Ids sort by time, so this
    checks an id's week without decoding it. Not a week key: ("", ""), which no id is in."""
    try:
        year, week = key.split("-W")
        start = datetime.fromisocalendar(int(year), int(week), 1).replace(tzinfo=timezone.utc)
    except ValueError:
        return "", ""
    return id_prefix(start), id_prefix(start + timedelta(days=7))
