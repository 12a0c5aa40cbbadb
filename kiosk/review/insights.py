"""Aggregate-only insights for the supervisor: counts, idea statuses, time to first answer, how
long items wait, and the most frequent themes.

Privacy rules, enforced here and not left to the screens:
- no breakdown by author, and no ranking of people: the queue items this works on carry no
  author at all;
- every group smaller than the minimum group size (config privacy.min_group_size) is held back:
  merged into "other" (and, if "other" would still be small, the next smallest group joins it,
  so a small number can never be worked out from a total), or shown as "<N" in week series;
- themes (words and 2-word phrases, kiosk.review.themes: found per language, the other counts
  take all languages together) are shown only when at least N entries use them;
- when every week is below N, one total over a longer period that reaches N is shown instead
  (`longer_total`), chosen so that no small number follows from it and the overall total.
Counts of waiting items by age are about entries waiting for the supervisor, not about people:
they are exact, and the oldest waiting entries are listed so nothing waits for weeks unnoticed.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from kiosk.entries import CATEGORIES, STATUSES, parse_time
from kiosk.review.queue import ReviewIndex, Values
from kiosk.review.rows import QueueItem
from kiosk.review.themes import Theme, entry_terms, stop_words, themes  # noqa: F401 (re-exported)

# Positions in a queue row (QueueItem, or the index's plain tuples in the same order).
_F = {name: i for i, name in enumerate(QueueItem._fields)}
_ID, _STATION, _CATEGORY, _KIND, _STATUS = _F["id"], _F["station"], _F["category"], \
    _F["kind"], _F["status"]
_CREATED, _FIRST_ANSWER, _WEEK, _TEXT, _WAITING = _F["created"], _F["first_answer"], \
    _F["week"], _F["search_text"], _F["waiting"]
_HEADLINE, _VISIBILITY = _F["headline"], _F["visibility"]
Row = tuple  # a QueueItem or a plain row of the index

DEFAULT_MIN_GROUP = 5
OTHER = "other"
# (key, upper bound in days): waiting items by age
AGE_BUCKETS = (("day", 1), ("3days", 3), ("week", 7), ("2weeks", 14), ("4weeks", 28),
               ("older", None))


@dataclass(frozen=True)
class GroupCounts:
    """Counts per group with small groups held back.

    `shown`: (group, count) for groups of at least `min_size`, largest first;
    `other`: the held-back groups together, 0 or at least `min_size`;
    `other_groups`: how many groups `other` holds; `total`: None when it is below `min_size`.
    """

    shown: list[tuple[str, int]]
    other: int
    other_groups: int
    total: int | None
    min_size: int

    def get(self, group: str) -> int | None:
        return dict(self.shown).get(group)


def group_counts(counts: Mapping[str, int], min_size: int) -> GroupCounts:
    groups = {k: n for k, n in counts.items() if n > 0}
    total = sum(groups.values())
    if total < min_size:
        return GroupCounts([], 0, len(groups), None if total else 0, min_size)
    shown = sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))
    held = [kv for kv in shown if kv[1] < min_size]
    shown = [kv for kv in shown if kv[1] >= min_size]
    other = sum(n for _, n in held)
    while 0 < other < min_size and shown:  # a small "other" could be worked out: grow it
        smallest = shown.pop()
        held.append(smallest)
        other += smallest[1]
    return GroupCounts(shown, other, len(held), total, min_size)


@dataclass(frozen=True)
class SeriesPoint:
    key: str  # an ISO week, "2026-W48"
    count: int | None  # None: held back
    small: bool = False  # held back because it is below the minimum (shown as "<N")


def series(counts: Mapping[str, int], keys: Sequence[str], min_size: int) -> list[SeriesPoint]:
    """One point per key; values below `min_size` (but above 0) held back, and if the
    held-back values together are still small, the next smallest too (shown as "–")."""
    points = {k: counts.get(k, 0) for k in keys}
    held = {k for k, n in points.items() if 0 < n < min_size}
    held_sum = sum(points[k] for k in held)
    visible = sorted((n, k) for k, n in points.items() if k not in held and n > 0)
    secondary = set()
    while 0 < held_sum < min_size and visible:
        n, k = visible.pop(0)
        secondary.add(k)
        held_sum += n
    return [SeriesPoint(k, None if k in held or k in secondary else n, k in held)
            for k, n in points.items()]


@dataclass(frozen=True)
class PeriodTotal:
    """Entries of the last `weeks` weeks together (None: all of them)."""

    weeks: int | None
    count: int


LONGER_PERIODS = (4, 8, 12, 26, 52, None)  # weeks; None: all


def longer_total(per_week: Mapping[str, int], total: int, now: datetime,
                 min_size: int) -> PeriodTotal | None:
    """The shortest period whose total reaches `min_size`, for when no single week does. Its
    total is never shown with a small remainder: the entries outside it are none or at least
    `min_size` (else "total minus this" would single out a few)."""
    for weeks in LONGER_PERIODS:
        count = total if weeks is None else sum(per_week.get(k, 0)
                                                for k in recent_weeks(now, weeks))
        rest = total - count
        if count >= min_size and (rest == 0 or rest >= min_size):
            return PeriodTotal(weeks, count)
    return None


@dataclass(frozen=True)
class StationAnswerTime:
    station: str
    median_hours: float
    answered: int


@dataclass(frozen=True)
class AnswerTimes:
    """Time from an entry being written to its first answer (only answered entries count)."""

    answered: int | None  # None: fewer than the minimum
    median_hours: float | None
    by_station: list[StationAnswerTime]
    other: StationAnswerTime | None  # stations with few answers together, if enough


@dataclass(frozen=True)
class WaitingItem:
    id: str
    headline: str
    station: str
    kind: str
    category: str
    created: str
    age_days: int
    visibility: str


@dataclass(frozen=True)
class Insights:
    min_group_size: int
    entries: int | None
    by_category: GroupCounts
    by_station: GroupCounts
    by_kind: GroupCounts
    ideas_by_status: GroupCounts
    by_week: list[SeriesPoint]
    answer_times: AnswerTimes
    waiting: int
    waiting_by_age: list[tuple[str, int]]
    oldest_waiting: list[WaitingItem]
    words: list[Theme] = field(default_factory=list)
    phrases: list[Theme] = field(default_factory=list)
    longer_total: PeriodTotal | None = None  # when no single week of `by_week` can be shown

    @property
    def every_week_small(self) -> bool:
        return every_week_small(self.by_week)


def every_week_small(points: Sequence[SeriesPoint]) -> bool:
    """Weeks with entries, none of them shown on its own (all below the minimum)."""
    return any(p.count is None for p in points) and not any(p.count for p in points)


# -- the rest ---------------------------------------------------------------------------------
def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def recent_weeks(now: datetime, count: int) -> list[str]:
    today = now.astimezone(timezone.utc).date()
    return [iso_week(today - timedelta(weeks=n)) for n in range(count - 1, -1, -1)]


def answer_times(items: Iterable[Row], min_size: int) -> AnswerTimes:
    hours_by_station: dict[str, list[float]] = {}
    for item in items:
        if item[_FIRST_ANSWER]:
            hours = (parse_time(item[_FIRST_ANSWER]) - parse_time(item[_CREATED])) \
                .total_seconds()
            hours_by_station.setdefault(item[_STATION], []).append(max(0.0, hours / 3600))
    every = [h for hours in hours_by_station.values() for h in hours]
    if len(every) < min_size:
        return AnswerTimes(None, None, [], None)
    shown = [StationAnswerTime(s, statistics.median(h), len(h))
             for s, h in hours_by_station.items() if len(h) >= min_size]
    small = [h for hours in hours_by_station.values() if len(hours) < min_size for h in hours]
    shown.sort(key=lambda s: s.station)
    other = StationAnswerTime(OTHER, statistics.median(small), len(small)) \
        if len(small) >= min_size else None
    return AnswerTimes(len(every), statistics.median(every), shown, other)


def age_bucket(days: float) -> str:
    for key, bound in AGE_BUCKETS:
        if bound is None or days < bound:
            return key
    return AGE_BUCKETS[-1][0]


def waiting_items(items: Iterable[Row], now: datetime) -> list[WaitingItem]:
    """Entries still waiting for the supervisor, oldest first."""
    out = []
    for item in items:
        if item[_WAITING]:
            age = (now - parse_time(item[_CREATED])).total_seconds() / 86400
            out.append(WaitingItem(item[_ID], item[_HEADLINE], item[_STATION], item[_KIND],
                                   item[_CATEGORY], item[_CREATED], max(0, int(age)),
                                   item[_VISIBILITY]))
    out.sort(key=lambda w: w.id)
    return out


def compute_insights(items: Sequence[Row], *, min_group_size: int = DEFAULT_MIN_GROUP,
                     now: datetime | None = None, weeks: int = 12, top_themes: int = 15,
                     oldest: int = 10, with_themes: bool = True) -> Insights:
    """Insights over `items` (queue items: no authors, no private entries)."""
    now = now or datetime.now(timezone.utc)
    m = min_group_size
    categories: Counter[str] = Counter()
    stations: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    per_week: Counter[str] = Counter()
    for item in items:
        categories[item[_CATEGORY]] += 1
        stations[item[_STATION]] += 1
        kinds[item[_KIND]] += 1
        per_week[item[_WEEK]] += 1
        if item[_KIND] == "idea":
            statuses[item[_STATUS]] += 1
    waiting = waiting_items(items, now)
    ages = Counter(age_bucket((now - parse_time(w.created)).total_seconds() / 86400)
                   for w in waiting)
    words, phrases = themes(items, min_entries=m, top=top_themes) if with_themes else ([], [])
    total = len(items)
    by_week = series(per_week, recent_weeks(now, weeks), m)
    return Insights(
        min_group_size=m,
        entries=total if total >= m or total == 0 else None,
        by_category=_ordered(group_counts(categories, m), CATEGORIES),
        by_station=group_counts(stations, m),
        by_kind=group_counts(kinds, m),
        ideas_by_status=_ordered(group_counts(statuses, m), STATUSES),
        by_week=by_week,
        answer_times=answer_times(items, m),
        waiting=len(waiting),
        waiting_by_age=[(key, ages.get(key, 0)) for key, _ in AGE_BUCKETS],
        oldest_waiting=waiting[:oldest],
        words=words,
        phrases=phrases,
        longer_total=longer_total(per_week, total, now, m) if every_week_small(by_week)
        else None,
    )


def _ordered(counts: GroupCounts, order: Sequence[str]) -> GroupCounts:
    rank = {k: i for i, k in enumerate(order)}
    shown = sorted(counts.shown, key=lambda kv: rank.get(kv[0], len(rank)))
    return GroupCounts(shown, counts.other, counts.other_groups, counts.total, counts.min_size)


def insights_for(index: ReviewIndex, *, min_group_size: int = DEFAULT_MIN_GROUP,
                 line: Values = None, station: Values = None, category: Values = None,
                 kind: Values = None, date_from: date | str | None = None,
                 date_to: date | str | None = None, now: datetime | None = None,
                 weeks: int = 12, with_themes: bool = True) -> Insights:
    """Insights over the index, narrowed like the queue (no free text: aggregates only)."""
    items = index.rows(line=line, station=station, category=category, kind=kind,
                       date_from=date_from, date_to=date_to)
    return compute_insights(items, min_group_size=min_group_size, now=now, weeks=weeks,
                            with_themes=with_themes)


def format_insights(found, t) -> str:
    """Plain-text insights for the terminal."""
    m = found.min_group_size
    small = t("report.hidden", min=m)
    lines = [t("insights.title"), ""]
    lines.append(f"{t('insights.entries')}: {small if found.entries is None else found.entries}")
    if found.entries is None:
        lines.append(t("insights.small_total", min=m))
    lines.append(t("insights.waiting", count=found.waiting))
    if found.entries is not None:
        lines += _group_lines(found, t)
    lines += _answer_time_lines(found, t)
    lines += ["", t("report.waiting_heading")]
    for key, n in found.waiting_by_age:
        lines.append(f"  {t(f'age.{key}'):<28} {n:>7}")
    for heading, found_themes in (("insights.themes_words", found.words),
                                  ("insights.themes_phrases", found.phrases)):
        lines += ["", t(heading)]
        if not found_themes:
            lines.append("  " + t("insights.themes_none", min=m))
        several = len({theme.language for theme in found_themes}) > 1
        for theme in found_themes:
            text = f"{theme.text} ({theme.language})" if several else theme.text
            lines.append(f"  {text:<28} {theme.entries:>7}")
    lines += ["", t("insights.legend", min=m)]
    return "\n".join(lines)


def _group_lines(found: Insights, t) -> list[str]:
    """The counts per category, kind, idea status, station and week (when the total shows)."""
    from kiosk.review.plaintext import plain

    m = found.min_group_size
    small = t("report.hidden", min=m)
    lines: list[str] = []
    for heading, counts, label_key in (
            ("insights.by_category", found.by_category, "category"),
            ("insights.by_kind", found.by_kind, "kind"),
            ("insights.ideas_by_status", found.ideas_by_status, "status"),
            ("insights.by_station", found.by_station, None)):
        lines += ["", t(heading)]
        for key, n in counts.shown:
            lines.append(f"  {t(f'{label_key}.{key}') if label_key else plain(key):<28} {n:>7}")
        if counts.other:
            lines.append(f"  {t('report.other', groups=counts.other_groups):<28} "
                         f"{counts.other:>7}")
        if counts.total is None:
            lines.append(f"  {t('report.total'):<28} {small:>7}")
    lines += ["", t("insights.by_week", weeks=len(found.by_week))]
    if not any(p.count is None or p.count for p in found.by_week):
        lines.append("  " + t("insights.weeks_none", weeks=len(found.by_week)))
    elif found.every_week_small:
        lines.append("  " + t("insights.weeks_all_small", min=m))
        together = found.longer_total
        if together is not None:
            label = t("insights.all_weeks") if together.weeks is None else \
                t("insights.weeks_together", weeks=together.weeks)
            lines.append(f"  {label:<28} {together.count:>7}")
    else:
        for point in found.by_week:
            if point.count == 0:
                continue  # an empty week says nothing
            value = point.count if point.count is not None else \
                (small if point.small else t("insights.held_back"))
            lines.append(f"  {point.key:<28} {value:>7}")
    return lines


def _answer_time_lines(found: Insights, t) -> list[str]:
    from kiosk.review.plaintext import plain

    m = found.min_group_size
    lines = ["", t("insights.answer_time")]
    times = found.answer_times
    if times.median_hours is None:
        lines.append("  " + t("insights.answer_too_few", min=m))
    else:
        lines.append("  " + t("insights.answer_median", hours=f"{times.median_hours:.1f}",
                                count=times.answered))
        rows = list(times.by_station) + ([times.other] if times.other else [])
        for row in rows:
            name = t("report.other", groups="") if row is times.other else plain(row.station)
            lines.append(f"  {name:<28} {row.median_hours:>6.1f} h  ({row.answered})")
    return lines


__all__ = ["Insights", "GroupCounts", "SeriesPoint", "AnswerTimes", "StationAnswerTime",
           "PeriodTotal", "longer_total", "LONGER_PERIODS",
           "Theme", "WaitingItem", "compute_insights", "insights_for", "group_counts",
           "series", "themes", "entry_terms", "stop_words", "waiting_items", "age_bucket",
           "AGE_BUCKETS", "OTHER", "iso_week", "format_insights"]
