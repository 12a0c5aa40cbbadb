"""One entry as the review queue knows it: a plain tuple in `QueueItem`'s field order (no author:
only whether there is one), its queue rank, and whether it still waits for the supervisor."""

from __future__ import annotations

import sys
from typing import Any, NamedTuple

from kiosk.entries import Entry, headline_of
from kiosk.ids import week_key

TEXT_SEPARATOR = "\x1f"  # between the worker's text and the supervisor's answers in search_text

# Queue ranks, shown highest first: an urgent entry nobody has answered yet, not seen, seen.
# Bit 1 is "urgent and unanswered", bit 0 "not seen yet", so each half of the filter "seen" is
# two ranks: seen (0, 2), not seen (1, 3).
SEEN_RANKS, NOT_SEEN_RANKS = (0, 2), (1, 3)


class QueueItem(NamedTuple):
    """One entry as the queue knows it (no author: the queue never needs one). Tuples in this
    field order sort in reversed queue order; the index keeps them as plain tuples."""

    rank: int  # see `queue_rank`; the queue shows the highest rank first
    id: str
    line: str
    station: str
    category: str
    kind: str
    status: str
    seen: bool
    visibility: str  # "team" or "supervisor", never "private"
    created: str
    updated: str
    headline: str
    language: str
    answers: int
    first_answer: str | None  # time of the first supervisor answer
    week: str  # ISO week of creation, "2026-W48"
    search_text: str  # casefolded title + reflection fields, TEXT_SEPARATOR, answers
    waiting: bool  # see `is_waiting`
    urgent: bool  # the worker marked it urgent or a safety matter
    anonymous: bool  # written without a badge: the writer cannot see an answer

    @property
    def worker_text(self) -> str:
        """The casefolded title and reflection fields, without the supervisor's answers."""
        return self.search_text.split(TEXT_SEPARATOR, 1)[0]

    @property
    def answered(self) -> bool:
        return self.answers > 0


def is_waiting(seen: bool, kind: str, status: str, answers: int) -> bool:
    """Still waiting for the supervisor: not seen yet, or an idea that nobody has answered or
    moved past "seen" (so nothing waits for weeks unnoticed)."""
    return not seen or (kind == "idea" and status in ("new", "seen") and answers == 0)


def queue_rank(seen: bool, urgent: bool, answers: int) -> int:
    """3 urgent and not seen, 2 urgent and seen but not answered, 1 not seen, 0 seen."""
    return (2 if urgent and not answers else 0) + (0 if seen else 1)


def item_from_doc(doc: dict[str, Any], week: str | None = None) -> QueueItem | None:
    """The queue item of a stored entry dict, or None for a private entry."""
    row = row_from_doc(doc, week)
    return None if row is None else QueueItem._make(row)


def row_from_doc(doc: dict[str, Any], week: str | None = None) -> tuple | None:
    """Like `item_from_doc`, as a plain tuple: the index keeps plain tuples because the garbage
    collector stops tracking those (a tuple subclass stays tracked, and 150,000 tracked rows
    made every full collection pause the app for ~80 ms)."""
    visibility = doc.get("visibility")
    if visibility == "private":
        return None
    intern = sys.intern
    responses = doc.get("responses") or ()
    seen, urgent = bool(doc.get("seen")), bool(doc.get("urgent"))
    worker = "\n".join((doc.get("title", ""), doc.get("what_happened", ""), doc.get("noticed", ""),
                        doc.get("learned", ""), doc.get("next_step", "")))
    answers = "\n".join(r["text"] for r in responses)
    entry_id = doc["id"]
    kind, status = doc["kind"], doc.get("status", "new")
    return (
        queue_rank(seen, urgent, len(responses)), entry_id, intern(doc.get("line", "")),
        intern(doc.get("station", "")), intern(doc["category"]), intern(kind), intern(status),
        seen, intern(visibility or "team"), doc["created"], doc.get("updated") or doc["created"],
        headline_of(doc), intern(doc.get("language", "")), len(responses),
        min(r["at"] for r in responses) if responses else None,
        intern(week or week_key(entry_id)),
        f"{worker.casefold()}{TEXT_SEPARATOR}{answers.casefold()}",
        is_waiting(seen, kind, status, len(responses)), urgent, doc.get("author") is None,
    )


def item_from_entry(entry: Entry) -> QueueItem | None:
    return item_from_doc(entry.to_dict())


__all__ = ["QueueItem", "TEXT_SEPARATOR", "SEEN_RANKS", "NOT_SEEN_RANKS", "is_waiting",
           "queue_rank", "item_from_doc", "row_from_doc", "item_from_entry"]
