"""The weekly pulse for the broad learning goals (learning, being heard, work pressure): three
optional one-key questions on a 1-5 scale at log-out, at most once a week per badge.

What is kept where:
- the answers: week, the three numbers, the kiosk's station and line, a random token; no
  author, no time. They go to the supervisor station with the next batch and are removed from
  the kiosk once the station has confirmed them (the receipt code);
- on the kiosk only (store meta, never sent): per pseudonym, the last week the pulse was
  offered. It is set when the pulse is shown, answered or not, so it says nothing about
  whether or what the worker answered;
- anonymous sessions are not asked (there is no badge to ask only once a week).
"""

from __future__ import annotations

from datetime import datetime

from kiosk.config import Config
from kiosk.learning.records import Pulse, learning_records, new_token
from kiosk.store import Store

QUESTIONS = ("learned", "heard", "pressure")
SCALE = (1, 2, 3, 4, 5)


def pulse_week(now: datetime) -> str:
    """The ISO week of the kiosk's local day of `now` ("2026-W48")."""
    year, week, _ = now.astimezone().date().isocalendar()
    return f"{year:04d}-W{week:02d}"


def _offered_key(author: str) -> str:
    return f"pulse_offered:{author}"


def pulse_due(store: Store, config: Config, author: str | None, now: datetime) -> bool:
    """Whether to offer the pulse to this badge at this log-out."""
    if author is None or not config.pulse:
        return False
    return store.get_meta(_offered_key(author)) != pulse_week(now)


def mark_offered(store: Store, author: str, now: datetime) -> None:
    """The pulse is on screen for this badge this week: not again until next week."""
    store.set_meta(_offered_key(author), pulse_week(now))


def record_pulse(store: Store, config: Config, now: datetime, answers: dict[str, int]) -> Pulse:
    """Store one set of answers, without author or time."""
    if set(answers) != set(QUESTIONS) or any(answers[q] not in SCALE for q in QUESTIONS):
        raise ValueError(f"a pulse needs {', '.join(QUESTIONS)} answered 1 to 5")
    pulse = Pulse(new_token(), pulse_week(now), *(answers[q] for q in QUESTIONS),
                  station=config.station, line=config.line)
    learning_records(store).add_pulses([pulse])
    return pulse
