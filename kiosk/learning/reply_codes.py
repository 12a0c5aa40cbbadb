"""Reply codes: anonymous, but answerable. A worker who wrote without a badge can take a code
like `R7KQ-M2XA`, shown once after saving; typed at the login screen later, it shows the answers
to that one entry and nothing else.

The code is made with `secrets`: "R" and 7 characters of 26 that do not look alike (no 0/O,
1/I/L, 8/B, S, Z, 9), about 33 bits. Only a salted scrypt hash is kept, in reply_codes.json
on the kiosk (table `codes`: hash and entry id; table `salt`: one random salt for
the kiosk, so checking a typed code costs one hash whatever the number of codes). The code
never travels: the answers come back with the return batch like every answer, and the code
only finds the entry here. Wrong codes count towards a lock-out like the PIN's
(kiosk/lockout.py), kept in the store under its own name.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from kiosk.entries import Entry
from kiosk.lockout import PinGuard
from kiosk.messages import MessageError
from kiosk.store import Store

CODES_FILE = "reply_codes"
ALPHABET = "ACDEFGHJKMNPQRTUVWXY234567"
PREFIX = "R"
RANDOM_CHARS = 7
_LOOKALIKES = str.maketrans("SZ", "52")  # letters a code never has, typed for these digits
_N, _R, _P = 2**14, 8, 1


class ReplyCodeError(MessageError, ValueError):
    """No reply code for this entry (keys in learning.toml, [reply])."""


def new_code() -> str:
    body = PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARS))
    return f"{body[:4]}-{body[4:]}"


def normalise(text: str) -> str | None:
    """`r7kq m2xa` -> `R7KQ-M2XA`; None when the text cannot be a reply code."""
    if not isinstance(text, str):
        return None
    compact = "".join(text.split()).replace("-", "").upper().translate(_LOOKALIKES)
    if len(compact) != 1 + RANDOM_CHARS or compact[0] != PREFIX or \
            not set(compact[1:]) <= set(ALPHABET):
        return None
    return f"{compact[:4]}-{compact[4:]}"


def looks_like_code(text: str) -> bool:
    """Whether a line typed at the login screen is meant as a reply code, not a badge: the
    shape `R7KQ-M2XA` (dash optional)."""
    return normalise(text) is not None


def may_take_code(entry: Entry) -> bool:
    """Only an anonymous entry that goes to the supervisor can get answers to read."""
    return entry.author is None and entry.visibility != "private"


def _salt(store: Store) -> bytes:
    table = store.table(CODES_FILE, "salt")
    found = table.all()
    if found:
        return bytes.fromhex(found[0]["salt"])
    salt = secrets.token_bytes(16)
    table.insert({"salt": salt.hex()})
    return salt


def _hash(code: str, salt: bytes) -> str:
    compact = code.replace("-", "").encode("ascii")
    return hashlib.scrypt(compact, salt=salt, n=_N, r=_R, p=_P, dklen=16).hex()


def issue(store: Store, entry: Entry) -> str:
    """A new reply code for `entry`; its hash is stored, the code itself is returned once.
    Refused for an entry with a badge, a private one, or one that has a code already."""
    if not may_take_code(entry):
        raise ReplyCodeError("learning.reply.not_anonymous")
    with store.lock:
        table = store.table(CODES_FILE, "codes")
        if any(d["entry"] == entry.id for d in table.all()):
            raise ReplyCodeError("learning.reply.taken")
        salt = _salt(store)
        known = {d["hash"] for d in table.all()}
        code = new_code()
        while _hash(code, salt) in known:  # 1 in 8 billion: draw again
            code = new_code()
        table.insert({"entry": entry.id, "hash": _hash(code, salt)})
    return code


def has_code(store: Store, entry_id: str) -> bool:
    with store.lock:
        return any(d["entry"] == entry_id for d in store.table(CODES_FILE, "codes").all())


def find_entry_id(store: Store, code: str) -> str | None:
    """The id of the entry a (normalised) code belongs to, or None."""
    with store.lock:
        docs = store.table(CODES_FILE, "codes").all()
        if not docs:
            return None
        digest = _hash(code, _salt(store))
    found = None
    for doc in docs:  # every one compared, in constant time each
        if hmac.compare_digest(doc["hash"], digest):
            found = doc["entry"]
    return found


class ReplyCodeGuard(PinGuard):
    """Wrong reply codes count towards a lock-out of their own, as wrong PINs do."""

    META_KEY = "reply_code_lockout"


@dataclass(frozen=True)
class CodeCheck:
    """What a typed code gave: the entry (its answers to show), or a message key and values."""

    entry: Entry | None
    key: str = ""
    values: dict | None = None


def check_code(store: Store, config, text: str) -> CodeCheck:
    """A code typed at the login: the entry it belongs to, or why not. Refused while locked
    out; a well-formed code that fits no entry counts towards the lock-out."""
    guard = ReplyCodeGuard.for_config(store, config)
    locked = guard.locked_for()
    if locked:
        return CodeCheck(None, "learning.reply.locked", _minutes(locked))
    code = normalise(text)
    if code is None:
        return CodeCheck(None, "learning.reply.malformed", {})
    entry_id = find_entry_id(store, code)
    if entry_id is None:
        left = guard.failed()
        if left:
            return CodeCheck(None, "learning.reply.wrong", {"left": left})
        return CodeCheck(None, "learning.reply.locked", _minutes(guard.locked_for()))
    guard.succeeded()
    entry = store.get(entry_id)
    if entry is None:  # removed since (retention): the code has nothing left to show
        forget(store, [entry_id])
        return CodeCheck(None, "learning.reply.gone", {})
    return CodeCheck(entry)


def _minutes(seconds: int) -> dict:
    """The lock-out in whole minutes, rounded up (as the PIN's)."""
    return {"minutes": max(1, -(-seconds // 60))}


def forget(store: Store, entry_ids: list[str]) -> int:
    """Remove the codes of these entries; returns how many."""
    wanted = set(entry_ids)
    with store.lock:
        table = store.table(CODES_FILE, "codes")
        gone = [d.doc_id for d in table.all() if d["entry"] in wanted]
        if gone:
            table.remove(doc_ids=gone)
    return len(gone)


def forget_missing(store: Store) -> int:
    """Privacy retention: the codes of entries no longer on this kiosk."""
    with store.lock:
        ids = [d["entry"] for d in store.table(CODES_FILE, "codes").all()]
        return forget(store, [i for i in ids if store.get(i) is None])
