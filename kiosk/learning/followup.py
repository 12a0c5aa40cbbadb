"""The follow-up of a planned try: when an entry says what the worker will try next, their first
login some days later (`[learning] follow_up_days`, 2 by default) asks whether they tried it.

Rules (the screen only shows them):
- only the worker's own entries with a next step, written with a badge (an anonymous entry
  has nobody to ask), at most `FIRST_ASK_WINDOW_DAYS` days past the delay (older plans are not
  dug up), and still on this kiosk;
- days are calendar days on the kiosk's clock: an entry of Tuesday is asked about from
  Thursday on, whatever the hour;
- one question per login, the oldest plan first;
- the question is shown at most `MAX_ASKS` times: "not yet", or skipping it, asks again after
  the same delay; any other answer ends it;
- the answer is stored linked to the entry and goes to the supervisor station with the next
  batch, unless the entry is private (then it stays on this kiosk, like the entry).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from kiosk.entries import Entry, parse_time
from kiosk.learning.records import FollowUp, learning_records
from kiosk.store import Store
from kiosk.store_files import entry_from_stored

ANSWERS = ("worked", "partly", "did_not_work", "not_yet", "not_relevant")
TRIED = ("worked", "partly", "did_not_work")
OPEN_ANSWERS = (None, "not_yet")  # the question may come again
MAX_ASKS = 3
FIRST_ASK_WINDOW_DAYS = 28
MAX_NOTE_CHARS = 300


@dataclass(frozen=True)
class DueFollowUp:
    entry: Entry
    record: FollowUp | None  # None: never asked before

    @property
    def planned_on(self) -> date:
        return local_day(self.entry.created)


def local_day(iso: str) -> date:
    return parse_time(iso).astimezone().date()


def today_of(now: datetime) -> date:
    """The kiosk's local day of `now` (a naive time is local time, as `datetime.now()`)."""
    return now.astimezone().date()


def _plans_of(store: Store, author: str, since: date) -> list[Entry]:
    """The author's entries with a next step in the weekly files from `since` on."""
    first = since - timedelta(days=7)
    oldest_week = f"{first.isocalendar()[0]:04d}-W{first.isocalendar()[1]:02d}"
    found = []
    for key in store.shard_keys():
        if key < oldest_week:
            continue
        for doc in store.week_docs(key):
            if doc.get("author") == author and str(doc.get("next_step", "")).strip():
                found.append(entry_from_stored(doc))
    return found


def due_follow_up(store: Store, author: str | None, now: datetime,
                  delay_days: int) -> DueFollowUp | None:
    """The planned try to ask `author` about at this login, if any."""
    if author is None:
        return None
    today = today_of(now)
    records = {r.entry_id: r for r in learning_records(store).followups()}
    since = today - timedelta(days=delay_days + FIRST_ASK_WINDOW_DAYS)
    candidates = {e.id: e for e in _plans_of(store, author, since)}
    for entry_id, record in records.items():  # asked before: may be older than the window
        if entry_id not in candidates and record.answer in OPEN_ANSWERS \
                and record.asks < MAX_ASKS:
            entry = store.get(entry_id)
            if entry is not None and entry.author == author and entry.next_step.strip():
                candidates[entry_id] = entry
    due = []
    for entry in candidates.values():
        record = records.get(entry.id)
        if record is None:
            age = (today - local_day(entry.created)).days
            if delay_days <= age <= delay_days + FIRST_ASK_WINDOW_DAYS:
                due.append(DueFollowUp(entry, None))
        elif record.answer in OPEN_ANSWERS and record.asks < MAX_ASKS and record.last_asked \
                and (today - date.fromisoformat(record.last_asked)).days >= delay_days:
            due.append(DueFollowUp(entry, record))
    due.sort(key=lambda d: (d.entry.created, d.entry.id))
    return due[0] if due else None


def mark_asked(store: Store, due: DueFollowUp, now: datetime) -> FollowUp:
    """The question is on screen now: one more showing, on this day."""
    with store.lock:
        records = learning_records(store)
        record = records.followup(due.entry.id) or FollowUp(due.entry.id)
        record = replace(record, asks=record.asks + 1, last_asked=today_of(now).isoformat())
        records.put_followups([record])
    return record


def record_answer(store: Store, entry_id: str, answer: str, note: str = "") -> FollowUp:
    """The worker's answer (and the optional line "what happened"), to be sent again."""
    if answer not in ANSWERS:
        raise ValueError(f"unknown follow-up answer {answer!r}")
    note = " ".join(note.split())[:MAX_NOTE_CHARS]
    with store.lock:
        records = learning_records(store)
        record = records.followup(entry_id) or FollowUp(entry_id, asks=1)
        record = replace(record, answer=answer, note=note, ask=max(1, record.asks),
                         sync="pending")
        records.put_followups([record])
    return record
