"""Which supervisor answers a worker has not read yet, and how long an answer took
(kiosk.answers), without a UI. Real store in tmp_path."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.answers import answer_wait, mark_answers_read, unread_answers
from kiosk.entries import Response, parse_time


def answered(entry, after: timedelta, text: str = "Thanks, we fix it."):
    at = parse_time(entry.created) + after
    entry.responses.append(Response(at=at.isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"), by="Anna", text=text))
    return entry


def test_answers_stay_unread_until_marked_and_only_the_authors_count(store, make_entry):
    mine = store.save(answered(make_entry(author="w-1", at=1_790_000_000), timedelta(hours=2)))
    open_one = store.save(make_entry(author="w-1", at=1_790_000_100))
    store.save(answered(make_entry(author="w-2", at=1_790_000_200), timedelta(hours=1)))
    assert unread_answers(store, "w-1") == [mine.id]
    mark_answers_read(store, "w-1", [mine.id, open_one.id])
    assert unread_answers(store, "w-1") == []
    assert len(unread_answers(store, "w-2")) == 1  # another worker's answers are theirs

    later = store.save(answered(open_one, timedelta(days=1), "Done."))
    assert unread_answers(store, "w-1") == []  # read before its answer came: stays read
    assert store.get_meta("answers_read:w-1") == sorted([mine.id, later.id])


def test_marking_what_is_already_read_writes_nothing(store, make_entry):
    entry = store.save(answered(make_entry(author="w-1"), timedelta(hours=3)))
    mark_answers_read(store, "w-1", [entry.id])
    meta = store.data_dir / "meta.json"
    before = (meta.stat().st_ino, meta.stat().st_mtime_ns)  # a write replaces the file
    mark_answers_read(store, "w-1", [entry.id])
    mark_answers_read(store, "w-1", [])
    assert store.get_meta("answers_read:w-1") == [entry.id]
    assert (meta.stat().st_ino, meta.stat().st_mtime_ns) == before
    mark_answers_read(store, "w-1", [entry.id, "01JX0000000000000000000000"])
    assert (meta.stat().st_ino, meta.stat().st_mtime_ns) != before  # the check would see it


@pytest.mark.parametrize("after, expected", [
    (timedelta(seconds=5), ("login.after_minutes", {"minutes": 1})),
    (timedelta(minutes=42), ("login.after_minutes", {"minutes": 42})),
    (timedelta(minutes=59, seconds=59), ("login.after_minutes", {"minutes": 60})),
    (timedelta(hours=1), ("login.after_hours", {"hours": 1})),
    (timedelta(hours=47, minutes=29), ("login.after_hours", {"hours": 47})),
    (timedelta(hours=47, minutes=31), ("login.after_days", {"days": 2})),
    (timedelta(days=9, hours=13), ("login.after_days", {"days": 10})),
    (timedelta(minutes=-5), ("login.after_minutes", {"minutes": 1})),  # clocks apart
])
def test_answer_wait_is_minutes_then_hours_then_days(make_entry, after, expected):
    assert answer_wait(answered(make_entry(), after)) == expected


def test_answer_wait_uses_the_first_answer(make_entry):
    entry = answered(answered(make_entry(), timedelta(hours=5)), timedelta(days=20))
    assert answer_wait(entry) == ("login.after_hours", {"hours": 5})
