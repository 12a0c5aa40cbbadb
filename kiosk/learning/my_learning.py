"""My learning: a badge's own entries over time, for that badge only.

`build_record(store, author)` reads the entries this kiosk holds of one pseudonym and sums them
up: entries by month and category, what was learned, the tries ("what I will try next") and how
they went (an idea's status and reason; a follow-up of the try when there is one), and the
answers received. Nothing is stored and nothing of it is sent: the station never sees it. The
worker can take it along (record_files.py: Markdown and HTML; record_qr.py: QR codes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from kiosk.entries import CATEGORIES, Entry, parse_time
from kiosk.store import Store

MAX_ENTRIES = 5000  # more than a worker writes in the retention time


@dataclass(frozen=True)
class Month:
    month: str  # YYYY-MM
    total: int
    categories: tuple[tuple[str, int], ...]  # (category, count), in the order of CATEGORIES


@dataclass(frozen=True)
class Try:
    day: str  # YYYY-MM-DD of the entry
    headline: str
    plan: str  # what the worker would try next
    outcome: str = ""  # how it went, in the worker's own words (a follow-up), if any
    status: str = ""  # an idea's status at the station ("" for an observation)
    reason: str = ""


@dataclass(frozen=True)
class Answer:
    day: str  # YYYY-MM-DD of the answer
    headline: str  # of the entry answered
    by: str
    text: str


@dataclass(frozen=True)
class Learned:
    day: str
    headline: str
    category: str
    text: str  # "what I learned", or else what happened


@dataclass
class LearningRecord:
    """One worker's record at this kiosk, newest first in every list."""

    entries: int = 0
    first_day: str = ""
    last_day: str = ""
    months: list[Month] = field(default_factory=list)
    learned: list[Learned] = field(default_factory=list)
    tries: list[Try] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    ideas: dict[str, int] = field(default_factory=dict)  # status -> count of own ideas

    @property
    def empty(self) -> bool:
        return self.entries == 0


def _day(iso: str) -> str:
    return parse_time(iso).astimezone().date().isoformat()


def own_entries(store: Store, author: str | None) -> list[Entry]:
    """The entries of exactly this pseudonym, newest first (none for an anonymous session)."""
    if not author:
        return []
    return store.query(lambda e: e.author == author, limit=MAX_ENTRIES)


def build_record(store: Store, author: str | None,
                 outcomes: Mapping[str, str] | None = None) -> LearningRecord:
    """The learning record of `author` at this kiosk. `outcomes` maps an entry id to how its
    try went, in the worker's words (the follow-up of a planned try)."""
    entries = own_entries(store, author)
    record = LearningRecord(entries=len(entries))
    if not entries:
        return record
    outcomes = outcomes or {}
    days = [_day(e.created) for e in entries]
    record.first_day, record.last_day = min(days), max(days)
    by_month: dict[str, Counter] = {}
    for entry, day in zip(entries, days):
        by_month.setdefault(day[:7], Counter())[entry.category] += 1
    record.months = [Month(month, sum(counts.values()),
                           tuple((c, counts[c]) for c in CATEGORIES if counts[c]))
                     for month, counts in sorted(by_month.items(), reverse=True)]
    for entry, day in zip(entries, days):
        text = entry.learned.strip() or entry.what_happened.strip()
        if text:
            record.learned.append(Learned(day, entry.headline, entry.category, text))
        if entry.next_step.strip():
            record.tries.append(Try(day, entry.headline, entry.next_step.strip(),
                                    outcomes.get(entry.id, "").strip(),
                                    entry.status if entry.kind == "idea" else "",
                                    entry.status_reason if entry.kind == "idea" else ""))
        if entry.kind == "idea":
            record.ideas[entry.status] = record.ideas.get(entry.status, 0) + 1
        for response in entry.responses:
            record.answers.append(Answer(_day(response.at), entry.headline, response.by,
                                         response.text))
    record.answers.sort(key=lambda a: a.day, reverse=True)
    return record


def try_outcomes(store: Store, author: str | None,
                 t: Callable[..., str] | None = None) -> dict[str, str]:
    """How the worker's tries went, by entry id: the follow-up's answer (in words through `t`,
    else its key) and the worker's line about what happened. "Not yet" is no outcome."""
    from kiosk.learning.followup import ANSWERS
    from kiosk.learning.records import learning_records

    if author is None:
        return {}
    outcomes = {}
    for record in learning_records(store).followups():
        if record.answer not in ANSWERS or record.answer == "not_yet":
            continue
        said = t(f"learning.followup.{record.answer}") if t else record.answer
        outcomes[record.entry_id] = f"{said}: {record.note}" if record.note else said
    return outcomes
