"""Team figures of the learning loop, never per person: what became of the tries planned, and the
weekly pulse as a trend over weeks. For the supervisor's insights and the team-meeting report.

Small groups are held back with the minimum group size (config privacy.min_group_size), as in
kiosk.review.insights:
- follow-ups: no figure at all when fewer tries were planned than the minimum; a count below
  the minimum (but not 0) is shown as "<N", and answers given by few are counted together;
- pulse: a week's figures are shown only when at least N workers answered in the chosen
  scope, and when the answers outside it (all stations; for one station, also the rest of its
  line) are none or at least N, so that two views cannot be subtracted to single out a few.
  Weeks are never added up, so one week's answers never follow from a total.
Plans are entries with a next step written with a badge (an anonymous plan is never followed
up) that reached the station; private entries never do.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from kiosk.learning.followup import ANSWERS, TRIED
from kiosk.learning.pulse import QUESTIONS
from kiosk.learning.records import FollowUp, Pulse, learning_records
from kiosk.review.filters import id_range
from kiosk.review.insights import GroupCounts, group_counts
from kiosk.store import Store

OPEN = "open"  # a planned try nobody answered about (yet)
Scope = str | Iterable[str] | None


def _shown(count: int, min_size: int) -> int | None:
    return count if count == 0 or count >= min_size else None


@dataclass(frozen=True)
class FollowUpFigures:
    """What became of `planned` tries. A count is None when held back (below the minimum)."""

    min_size: int
    planned: int | None
    answered: int | None = None
    tried: int | None = None  # worked, partly or did not work
    worked: int | None = None
    outcomes: GroupCounts | None = None  # per answer and "open"; None: held back

    @property
    def held_back(self) -> bool:
        return self.planned is None


def follow_up_figures(plans: Iterable[str], followups: Mapping[str, FollowUp],
                      min_size: int) -> FollowUpFigures:
    """Figures for the tries planned in the entries `plans` (ids) and their follow-ups."""
    answers = Counter((followups[i].answer if i in followups else None) or OPEN for i in plans)
    planned = sum(answers.values())
    if planned < min_size:
        return FollowUpFigures(min_size, None)
    counts = {key: answers.get(key, 0) for key in (*ANSWERS, OPEN)}
    outcomes = group_counts(counts, min_size)
    order = {key: i for i, key in enumerate(counts)}
    outcomes.shown.sort(key=lambda kv: order[kv[0]])
    return FollowUpFigures(min_size, planned, _shown(planned - counts[OPEN], min_size),
                           _shown(sum(counts[a] for a in TRIED), min_size),
                           _shown(counts["worked"], min_size), outcomes)


@dataclass(frozen=True)
class PulseWeek:
    week: str
    answers: int | None  # None: held back
    small: bool = False  # held back as fewer than the minimum (shown "<N"), else as a rest
    means: dict[str, float] = field(default_factory=dict)  # question -> mean, 1 decimal


def _in(value: str, scope: Scope) -> bool:
    if scope is None:
        return True
    return value == scope if isinstance(scope, str) else value in set(scope)


def pulse_trend(pulses: Sequence[Pulse], weeks: Sequence[str], min_size: int, *,
                line: Scope = None, station: Scope = None) -> list[PulseWeek]:
    """One point per week of `weeks` for the pulse answers in the scope (line, station)."""
    points = []
    for week in weeks:
        of_week = [p for p in pulses if p.week == week]
        scoped = [p for p in of_week if _in(p.line, line) and _in(p.station, station)]
        count = len(scoped)
        if count < min_size:
            points.append(PulseWeek(week, None if count else 0, small=count > 0))
            continue
        around = [len(of_week)]
        if station is not None:  # the rest of the station's line, too
            lines = {p.line for p in scoped}
            around.append(sum(p.line in lines for p in of_week))
        if any(0 < n - count < min_size for n in around):
            points.append(PulseWeek(week, None))
            continue
        means = {q: round(statistics.fmean(getattr(p, q) for p in scoped), 1) for q in QUESTIONS}
        points.append(PulseWeek(week, count, means=means))
    return points


@dataclass(frozen=True)
class LearningFigures:
    min_size: int
    followups: FollowUpFigures
    pulse: list[PulseWeek]


def plans_in(store: Store, weeks: Sequence[str], *, line: Scope = None, station: Scope = None,
             date_from: date | str | None = None, date_to: date | str | None = None) -> list[str]:
    """Ids of the entries with a next step, written with a badge, in the weekly files of
    `weeks` (and the local dates from `date_from` to `date_to`), in the scope."""
    low, high = id_range(date_from, date_to)
    found = []
    for key in sorted(set(weeks) & set(store.shard_keys())):
        for doc in store.week_docs(key):
            entry_id = doc.get("id", "")
            if doc.get("visibility") == "private" or doc.get("author") is None \
                    or not str(doc.get("next_step", "")).strip():
                continue
            if (low and entry_id < low) or (high and entry_id >= high):
                continue
            if _in(doc.get("line", ""), line) and _in(doc.get("station", ""), station):
                found.append(entry_id)
    return found


def learning_figures(store: Store, *, plan_weeks: Sequence[str], pulse_weeks: Sequence[str],
                     min_size: int, line: Scope = None, station: Scope = None,
                     date_from: date | str | None = None,
                     date_to: date | str | None = None) -> LearningFigures:
    """Follow-up figures of the tries planned in `plan_weeks`, and the pulse of `pulse_weeks`."""
    records = learning_records(store)
    followups = {f.entry_id: f for f in records.followups()}
    plans = plans_in(store, plan_weeks, line=line, station=station, date_from=date_from,
                     date_to=date_to)
    return LearningFigures(min_size, follow_up_figures(plans, followups, min_size),
                           pulse_trend(records.pulses(), pulse_weeks, min_size, line=line,
                                       station=station))
