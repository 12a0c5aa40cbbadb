"""Follow-up answers and pulse answers in the entries batch (kiosk to station), beside the entries.

Two batch keys (docs/sync-protocol.md, section 3a), each left out when it has nothing:

    "fu": [[entry id, answer, note, ask], ...]
          answer: index in FOLLOW_UP_ANSWERS (frozen, append only), or the answer as text;
          note: the line "what happened" ("" when none); ask: 1.. at which showing of the
          question it was answered (a later ask replaces an earlier one at the station)
    "pu": [[week, learned, heard, pressure, token, station, line], ...]
          week "2026-W48"; three answers 1 to 5; token: random, to import each answer once

A follow-up goes when its entry may leave the kiosk (not private) and has no receipt yet in
this version; a pulse answer until a receipt, then it is removed from the kiosk. Neither changes
the entry schema (`y`): an app without these keys reads the entries and ignores them, so a
station is updated before its kiosks (as for protocol 3). Importing is idempotent.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from typing import Any

from kiosk.ids import is_id
from kiosk.learning.followup import ANSWERS, MAX_NOTE_CHARS
from kiosk.learning.pulse import SCALE
from kiosk.learning.records import FollowUp, Pulse, learning_records
from kiosk.store import Store
from kiosk.store_errors import StoreCorrupt
from kiosk.sync.errors import PayloadError

FOLLOW_UP_ANSWERS = ("worked", "partly", "did_not_work", "not_yet", "not_relevant")  # frozen
FOLLOW_UPS, PULSES = "fu", "pu"
_WEEK_RE = re.compile(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$")
_TOKEN_RE = re.compile(r"^[0-9a-z]{1,32}$")
MAX_PLACE_CHARS = 80


@dataclass
class LearningOut:
    """What of the learning records goes with an entries batch."""

    followups: list[FollowUp] = field(default_factory=list)
    pulses: list[Pulse] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.followups or self.pulses)

    def keys(self) -> dict[str, Any]:
        """The batch keys (none when there is nothing)."""
        keys: dict[str, Any] = {}
        if self.followups:
            keys[FOLLOW_UPS] = [[f.entry_id, _index(f.answer), f.note, f.ask]
                                for f in self.followups]
        if self.pulses:
            keys[PULSES] = [[p.week, p.learned, p.heard, p.pressure, p.token, p.station, p.line]
                            for p in self.pulses]
        return keys

    def versions(self) -> dict[str, Any]:
        """What the kiosk remembers of the batch, to mark exactly these as received."""
        return {FOLLOW_UPS: {f.entry_id: _version(f) for f in self.followups},
                PULSES: [p.token for p in self.pulses]}


def _index(answer: str | None) -> int | str | None:
    return FOLLOW_UP_ANSWERS.index(answer) if answer in FOLLOW_UP_ANSWERS else answer


def _version(record: FollowUp) -> list[Any]:
    return [record.ask, record.answer, record.note]


# -- kiosk: what to send, and the receipt -------------------------------------------------------
def learning_to_send(store: Store) -> LearningOut:
    """Answered follow-ups of entries that may leave the kiosk, and the pulse answers, that the
    station has not confirmed yet. A damaged learning.json (kept aside, see store_files.py)
    sends none of them and does not hold the entries back."""
    records = learning_records(store)
    try:
        stored, pulses = records.followups(), records.pulses()
    except StoreCorrupt as exc:
        logging.getLogger("kiosk").error("follow-ups and pulse answers not sent: %s", exc)
        return LearningOut()
    followups = []
    for record in sorted(stored, key=lambda f: f.entry_id):
        if record.answer is None or record.sync == "synced":
            continue
        entry = store.get(record.entry_id)
        if entry is not None and entry.visibility != "private" and entry.author is not None:
            followups.append(record)
    pulses = sorted((p for p in pulses if p.sync != "synced"), key=lambda p: (p.week, p.token))
    return LearningOut(followups, pulses)


def note_exported(store: Store, out: LearningOut) -> None:
    if not out:
        return
    records = learning_records(store)
    records.put_followups(replace(f, sync="exported") for f in out.followups
                          if f.sync == "pending")
    records.set_pulse_sync((p.token for p in out.pulses if p.sync == "pending"), "exported")


def apply_learning_receipt(store: Store, sent: dict[str, Any] | None) -> int:
    """The station has the batch: its follow-ups (unless answered again since) are synced, its
    pulse answers leave the kiosk. Returns how many records that touched."""
    if not sent or not (sent.get(FOLLOW_UPS) or sent.get(PULSES)):
        return 0
    records = learning_records(store)
    versions = sent.get(FOLLOW_UPS, {})
    try:
        done = [replace(f, sync="synced") for f in records.followups()
                if f.entry_id in versions and _version(f) == versions[f.entry_id]]
        return records.put_followups(done) + records.remove_pulses(sent.get(PULSES, []))
    except StoreCorrupt as exc:  # the entries' receipt still counts
        logging.getLogger("kiosk").error("follow-ups and pulse answers not marked: %s", exc)
        return 0


# -- station: read and merge ------------------------------------------------------------------
def unpack_learning(document: dict[str, Any]) -> tuple[list[FollowUp], list[Pulse]]:
    """The follow-ups and pulse answers of an entries batch (none in an older app's batch)."""
    return ([_followup(row) for row in _rows(document, FOLLOW_UPS, 4)],
            [_pulse(row) for row in _rows(document, PULSES, 7)])


def _rows(document: dict[str, Any], key: str, width: int) -> list[list[Any]]:
    rows = document.get(key, [])
    if not isinstance(rows, list) or not all(isinstance(r, list) and len(r) == width
                                             for r in rows):
        raise PayloadError("payload.detail", detail=f"{key}: malformed rows")
    return rows


def _bad(what: str) -> PayloadError:
    return PayloadError("payload.detail", detail=f"{what}: not valid")


def _followup(row: list[Any]) -> FollowUp:
    entry_id, answer, note, ask = row
    if type(answer) is int and 0 <= answer < len(FOLLOW_UP_ANSWERS):
        answer = FOLLOW_UP_ANSWERS[answer]
    if not is_id(entry_id):
        raise _bad("follow-up entry id")
    if answer not in ANSWERS:
        raise _bad("follow-up answer")
    if not isinstance(note, str) or len(note) > MAX_NOTE_CHARS:
        raise _bad("follow-up note")
    if type(ask) is not int or not 1 <= ask <= 100:
        raise _bad("follow-up ask")
    return FollowUp(entry_id, answer, note, ask, sync="synced")


def _pulse(row: list[Any]) -> Pulse:
    week, learned, heard, pressure, token, station, line = row
    if not isinstance(week, str) or not _WEEK_RE.match(week):
        raise _bad("pulse week")
    if any(type(v) is not int or v not in SCALE for v in (learned, heard, pressure)):
        raise _bad("pulse answer")
    if not isinstance(token, str) or not _TOKEN_RE.match(token):
        raise _bad("pulse token")
    if not all(isinstance(v, str) and len(v) <= MAX_PLACE_CHARS for v in (station, line)):
        raise _bad("pulse station or line")
    return Pulse(token, week, learned, heard, pressure, station, line, sync="synced")


def merge_learning(store: Store, followups: list[FollowUp],
                   pulses: list[Pulse]) -> tuple[int, int]:
    """Store what is new: a follow-up answered at a later showing replaces the one here (an
    older or the same one changes nothing); a pulse answer is stored once. Writes nothing
    when nothing is new. Returns (follow-ups stored, pulse answers stored)."""
    if not followups and not pulses:
        return 0, 0
    records = learning_records(store)
    with store.lock:
        here = {f.entry_id: f for f in records.followups()}
        newer: dict[str, FollowUp] = {}
        for incoming in followups:
            known = newer.get(incoming.entry_id) or here.get(incoming.entry_id)
            if known is None or incoming.ask > known.ask:
                newer[incoming.entry_id] = incoming
        return records.put_followups(newer.values()), records.add_pulses(pulses)
