"""The review queue's filter values as the index uses them: search terms, and the id range of a
span of the station's local dates."""

from __future__ import annotations

import re
from datetime import date, datetime, time as dtime, timedelta

from kiosk.ids import id_prefix

_TERM_RE = re.compile(r'"([^"]*)"|(\S+)')
DateValue = date | datetime | str


def search_terms(text: str | None) -> list[str]:
    """Casefolded search terms: words, or "a phrase in quotes"; an entry must contain all."""
    if not text:
        return []
    terms = [(a or b).casefold() for a, b in _TERM_RE.findall(text)]
    return [t for t in terms if t.strip()]


def day_start(day: date) -> datetime:
    """Local midnight at the start of `day` (dates in filters are the station's local dates)."""
    return datetime.combine(day, dtime()).astimezone()


def id_range(date_from: DateValue | None,
             date_to: DateValue | None) -> tuple[str | None, str | None]:
    """(low, high): the ids of entries written from `date_from` to `date_to` (local dates, both
    inclusive) are low <= id < high; None where that end is open. ValueError names a bad date."""
    low = id_prefix(day_start(_as_date(date_from, "date_from"))) if date_from else None
    high = id_prefix(day_start(_as_date(date_to, "date_to") + timedelta(days=1))) \
        if date_to else None
    return low, high


def _as_date(value: DateValue, name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{name}: not a date (use YYYY-MM-DD): {value!r}") from None
