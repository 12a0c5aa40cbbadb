"""The rules of the learning loop without the screens: when a planned try is followed up, when
the pulse is offered, what is kept, and what privacy retention removes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from kiosk.learning.followup import (FIRST_ASK_WINDOW_DAYS, due_follow_up, mark_asked,
                                     record_answer)
from kiosk.learning.pulse import mark_offered, pulse_due, record_pulse
from kiosk.learning.records import FollowUp, Pulse, learning_records
from kiosk.ops.retention import apply_retention, plan_retention
from tests.conftest import build_entry

PLANNED = datetime(2026, 11, 24, 23, 50)  # Tuesday, late: local time of the kiosk


def plan(store, at: datetime = PLANNED, **changes):
    entry = build_entry(at=at.timestamp(), author="w-PLANNER1", **changes)
    store.save(entry)
    return entry


def test_calendar_days_count_not_hours(store):
    entry = plan(store)
    assert due_follow_up(store, "w-PLANNER1", PLANNED + timedelta(hours=23), 2) is None  # Wed
    due = due_follow_up(store, "w-PLANNER1", datetime(2026, 11, 26, 0, 5), 2)  # Thu, 24 h on
    assert due is not None and due.entry.id == entry.id and due.record is None
    assert due.planned_on.isoformat() == "2026-11-24"
    assert due_follow_up(store, "w-SOMEONE2", datetime(2026, 11, 26, 0, 5), 2) is None
    assert due_follow_up(store, None, datetime(2026, 11, 26, 0, 5), 2) is None


def test_old_plans_and_entries_without_a_next_step_are_not_dug_up(store):
    plan(store, at=PLANNED - timedelta(days=FIRST_ASK_WINDOW_DAYS + 3))
    plan(store, next_step="   ")
    assert due_follow_up(store, "w-PLANNER1", PLANNED + timedelta(days=3), 2) is None


def test_one_question_per_login_oldest_first_and_an_answer_ends_it(store):
    older = plan(store, at=PLANNED - timedelta(days=1))
    newer = plan(store)
    now = PLANNED + timedelta(days=3)
    due = due_follow_up(store, "w-PLANNER1", now, 2)
    assert due.entry.id == older.id
    mark_asked(store, due, now)
    record_answer(store, older.id, "worked", "  it   held\n fine ")
    assert due_follow_up(store, "w-PLANNER1", now, 2).entry.id == newer.id
    record = learning_records(store).followup(older.id)
    assert (record.answer, record.note, record.ask, record.sync) == ("worked", "it held fine", 1,
                                                                    "pending")
    assert due_follow_up(store, "w-PLANNER1", now + timedelta(days=20), 2).entry.id == newer.id


def test_the_pulse_is_due_once_a_week_per_badge(store, demo_config):
    monday = datetime(2026, 11, 23, 6, 0)
    assert pulse_due(store, demo_config, "w-A", monday)
    mark_offered(store, "w-A", monday)
    assert not pulse_due(store, demo_config, "w-A", monday + timedelta(days=6, hours=17))
    assert pulse_due(store, demo_config, "w-B", monday)
    assert pulse_due(store, demo_config, "w-A", monday + timedelta(days=7))
    assert not pulse_due(store, demo_config, None, monday)
    assert not pulse_due(store, demo_config.with_changes(pulse=False), "w-B", monday)
    pulse = record_pulse(store, demo_config, monday, {"learned": 5, "heard": 1, "pressure": 3})
    assert (pulse.week, pulse.learned, pulse.heard, pulse.pressure) == ("2026-W48", 5, 1, 3)
    stored = (store.data_dir / "learning.json").read_text(encoding="utf-8")
    assert "w-A" not in stored and "2026-11-23" not in stored and "T06" not in stored


def test_retention_takes_follow_ups_with_their_entries_and_old_pulse_weeks(store, demo_config):
    now = datetime(2026, 11, 28, tzinfo=timezone.utc)
    old = build_entry(at=(now - timedelta(days=800)).timestamp(), sync="synced")
    kept = build_entry(at=(now - timedelta(days=10)).timestamp(), sync="synced")
    store.save_many([old, kept])
    records = learning_records(store)
    records.put_followups([FollowUp(old.id, "worked", "", 1), FollowUp(kept.id, "partly", "", 1)])
    records.add_pulses([Pulse("old1", "2024-W30", 3, 3, 3, sync="synced"),
                        Pulse("unsent", "2024-W30", 3, 3, 3),
                        Pulse("new1", "2026-W47", 3, 3, 3, sync="synced")])
    apply_retention(store, plan_retention(store, demo_config, now))
    assert [f.entry_id for f in records.followups()] == [kept.id]
    assert sorted(p.token for p in records.pulses()) == ["new1", "unsent"]


def test_a_withdrawn_entry_takes_its_follow_up_along(store):
    from kiosk.withdraw import delete_entry

    entry, other = plan(store), plan(store, at=PLANNED + timedelta(minutes=5))
    learning_records(store).put_followups([FollowUp(entry.id, "worked", "held", 1),
                                           FollowUp(other.id, "partly", "", 1)])
    assert delete_entry(store, entry.id) is None
    assert [f.entry_id for f in learning_records(store).followups()] == [other.id]
