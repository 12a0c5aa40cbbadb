"""Entry ids: they sort by creation time and encode it, carry the kiosk's tag, and their prefix
and ISO week agree with the time they were made at."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from kiosk.entries import Entry
from kiosk.ids import (ID_RANDOM_BITS, format_id, id_parts, id_prefix, id_tag, id_time, is_id,
                       new_id, week_id_range, week_key)


def test_ids_sort_by_creation_time_and_encode_it():
    base = time.time() - 5 * 86400
    ids = [new_id(at=base + i * 0.01) for i in range(50)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 50
    assert abs(id_time(ids[0]).timestamp() - base) < 0.002
    assert all(is_id(i) for i in ids)
    assert not is_id("8" + ids[0][1:])  # beyond the 48-bit time range
    assert not is_id(ids[0].lower())


def test_a_kiosk_puts_its_tag_in_its_ids_and_they_stay_unique():
    base = time.time()
    ids = [new_id(at=base + i * 0.01, kiosk_id="kiosk-7") for i in range(200)]
    ids += [new_id(at=base, kiosk_id="kiosk-7") for _ in range(200)]  # one millisecond
    assert all(is_id(i) for i in ids) and ids[:200] == sorted(ids[:200])
    assert len(set(ids)) == 400
    assert {id_parts(i)[1] >> ID_RANDOM_BITS for i in ids} == {id_tag("kiosk-7")}
    assert id_tag("kiosk-7") != id_tag("kiosk-8")
    other = new_id(at=base, kiosk_id="kiosk-8")
    assert id_parts(other)[1] >> ID_RANDOM_BITS == id_tag("kiosk-8")
    entry = Entry.new(kiosk_id="kiosk-7", station="A", line="L", author=None, language="en",
                      what_happened="x")
    assert id_parts(entry.id)[1] >> ID_RANDOM_BITS == id_tag("kiosk-7")
    assert format_id(*id_parts(entry.id)) == entry.id
    with pytest.raises(ValueError):
        format_id(1 << 48, 0)


def test_the_id_prefix_of_a_moment_orders_ids_made_before_and_after_it():
    moment = datetime(2026, 3, 9, 12, 30, tzinfo=timezone.utc)
    at = moment.timestamp()
    prefix = id_prefix(moment)
    assert new_id(at=at - 0.001) < prefix <= new_id(at=at) < new_id(at=at + 0.001)
    assert new_id(at=at, kiosk_id="kiosk-7")[:10] == prefix


@pytest.mark.parametrize(("when", "key"), [
    (datetime(2026, 1, 1, tzinfo=timezone.utc), "2026-W01"),  # a Thursday
    (datetime(2027, 1, 3, 23, 59, 59, 999000, tzinfo=timezone.utc), "2026-W53"),  # a Sunday
    (datetime(2024, 12, 30, tzinfo=timezone.utc), "2025-W01"),  # Monday of week 1 of 2025
])
def test_week_key_is_the_iso_week_in_utc(when, key):
    assert week_key(new_id(at=when.timestamp())) == key


def test_week_id_range_holds_exactly_the_ids_of_that_week():
    monday = datetime(2026, 11, 23, tzinfo=timezone.utc)  # 2026-W48
    low, high = week_id_range("2026-W48")
    inside = [monday, monday + timedelta(days=7, milliseconds=-1)]
    outside = [monday - timedelta(milliseconds=1), monday + timedelta(days=7)]
    for when in inside:
        entry_id = new_id(at=when.timestamp(), kiosk_id="kiosk-7")
        assert low <= entry_id < high and week_key(entry_id) == "2026-W48"
    for when in outside:
        entry_id = new_id(at=when.timestamp(), kiosk_id="kiosk-7")
        assert not low <= entry_id < high and week_key(entry_id) != "2026-W48"
    assert week_id_range("notes") == ("", "") and week_id_range("2026-W60") == ("", "")
