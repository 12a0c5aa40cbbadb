"""The review queue index: order, filters, search, privacy, loading and keeping up to date.
A real store in tmp_path; results checked against a hand-built set and a brute-force scan."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import date, datetime, timedelta

import pytest

from kiosk.config import load_config
from kiosk.demo import fill_demo_data
from kiosk.entries import Response
from kiosk.review.filters import day_start, search_terms
from kiosk.review.queue import ReviewIndex
from kiosk.review.rows import item_from_entry
from kiosk.store import Store
from kiosk.ids import week_key

DAY = 86400.0
BASE = datetime(2026, 11, 16, 12, 0).astimezone().timestamp()  # a Monday, local noon


@pytest.fixture
def hand_set(store, make_entry):
    """Nine entries with known facets (ids ordered by `at`), one of them private."""
    specs = {
        "burr": dict(at=BASE, station="Assembly 1", category="quality", title="Burr on bracket",
                     seen=True),
        "coolant": dict(at=BASE + 1 * DAY, station="CNC cell 3", category="safety",
                        title="Coolant on the floor", what_happened="Slippery near Mazak-1"),
        "label": dict(at=BASE + 2 * DAY, station="Packing 1", line="Line B", category="quality",
                      title="Old batch label", noticed="The printer kept the LAST label."),
        "idea_new": dict(at=BASE + 3 * DAY, station="Assembly 1", kind="idea", category="flow",
                         title="Move the parts bins", status="new"),
        "idea_trying": dict(at=BASE + 4 * DAY, station="Assembly 1", kind="idea",
                            category="flow", title="Kanban cards", status="trying", seen=True),
        "idea_declined": dict(at=BASE + 5 * DAY, station="CNC cell 3", kind="idea",
                              category="maintenance", title="New lathe", status="declined",
                              status_reason="Budget", seen=True,
                              responses=[Response("2026-11-22T10:00:00.000Z", "Anna",
                                                  "Not this year, sorry")]),
        "anon": dict(at=BASE + 6 * DAY, station="Packing 1", line="Line B", author=None,
                     category="teamwork", title="Help at the start of the shift"),
        "supervisor_only": dict(at=BASE + 7 * DAY, station="Assembly 1", category="teamwork",
                                visibility="supervisor", title="Tension in the team"),
        "private": dict(at=BASE + 8 * DAY, station="Assembly 1", category="quality",
                        visibility="private", title="My own reminder about the burr"),
    }
    neutral = dict(what_happened="Seen on shift.", noticed="", learned="", next_step="")
    entries = {name: make_entry(**{**neutral, **spec}) for name, spec in specs.items()}
    store.save_many(entries.values())
    index = ReviewIndex(store)
    index.load()
    return index, entries


def ids(page):
    return [item.id for item in page]


def test_queue_order_is_unseen_first_then_newest(hand_set):
    index, e = hand_set
    total, page = index.filter(limit=None)
    assert total == 8
    unseen = ["supervisor_only", "anon", "idea_new", "label", "coolant"]
    seen = ["idea_declined", "idea_trying", "burr"]
    assert ids(page) == [e[n].id for n in unseen + seen]


def test_urgent_entries_come_first_until_they_are_answered(hand_set, store):
    index, e = hand_set
    urgent_seen = e["burr"].touched(urgent=True)  # seen, no answer yet
    urgent_new = e["label"].touched(urgent=True)
    for entry in (urgent_seen, urgent_new):
        store.save(entry)
        index.put(entry)
    _, page = index.filter(limit=None)
    order = ["label", "burr", "supervisor_only", "anon", "idea_new", "coolant",
             "idea_declined", "idea_trying"]
    assert ids(page) == [e[n].id for n in order]
    assert [item.urgent for item in page[:3]] == [True, True, False]
    # the filters still work on both ranks of each half
    assert ids(index.filter(seen=True, limit=None)[1]) == \
        [e[n].id for n in ("burr", "idea_declined", "idea_trying")]
    assert ids(index.filter(seen=False, limit=3)[1]) == \
        [e[n].id for n in ("label", "supervisor_only", "anon")]
    # answered, an urgent entry takes its normal place (still marked urgent)
    answered = urgent_seen.touched(responses=[Response("2026-11-30T10:00:00.000Z", "Anna",
                                                       "Fixed the guard.")])
    index.put(answered)
    _, page = index.filter(limit=None)
    assert ids(page)[:2] == [e["label"].id, e["supervisor_only"].id]
    assert ids(page)[-1] == e["burr"].id and page[-1].urgent


def test_the_queue_knows_an_anonymous_entry_without_knowing_authors(hand_set):
    index, e = hand_set
    assert index.get(e["anon"].id).anonymous and not index.get(e["burr"].id).anonymous
    assert "author" not in index.get(e["anon"].id)._fields


def test_private_entries_never_appear(hand_set, store, make_entry):
    index, e = hand_set
    assert index.get(e["private"].id) is None
    assert index.entry(e["private"].id) is None
    assert e["private"].id not in ids(index.filter(limit=None)[1])
    assert index.filter(text="my own reminder")[0] == 0
    # An entry that becomes private is removed; a private one put in is ignored.
    index.put(e["burr"].touched(visibility="private"))
    assert index.get(e["burr"].id) is None
    index.put(make_entry(visibility="private", title="secret"))
    assert index.filter(text="secret")[0] == 0


@pytest.mark.parametrize("filters, expected", [
    (dict(station="Assembly 1"), ["supervisor_only", "idea_new", "idea_trying", "burr"]),
    (dict(station=["Packing 1", "CNC cell 3"]), ["anon", "label", "coolant", "idea_declined"]),
    (dict(line="Line B"), ["anon", "label"]),
    (dict(category="quality"), ["label", "burr"]),
    (dict(kind="idea"), ["idea_new", "idea_declined", "idea_trying"]),
    (dict(kind="idea", status="declined"), ["idea_declined"]),
    (dict(status=["new", "trying"], kind="idea"), ["idea_new", "idea_trying"]),
    (dict(seen=True), ["idea_declined", "idea_trying", "burr"]),
    (dict(seen=False, station="Assembly 1"), ["supervisor_only", "idea_new"]),
    (dict(waiting=True, kind="idea"), ["idea_new"]),
    (dict(station="Nowhere"), []),
])
def test_facet_filters_narrow(hand_set, filters, expected):
    index, e = hand_set
    total, page = index.filter(limit=None, **filters)
    assert ids(page) == [e[n].id for n in expected]
    assert total == len(expected)


def test_date_range_uses_local_dates_inclusive(hand_set):
    index, e = hand_set
    monday = date(2026, 11, 16)
    total, page = index.filter(date_from=monday + timedelta(days=1),
                               date_to=monday + timedelta(days=3), limit=None)
    assert set(ids(page)) == {e["coolant"].id, e["label"].id, e["idea_new"].id}
    assert index.filter(date_from="2026-11-22", limit=None)[0] == 2  # anon, supervisor_only
    assert index.filter(date_to="2026-11-16", limit=None)[0] == 1
    with pytest.raises(ValueError, match="date_from"):
        index.filter(date_from="16/11/2026")


@pytest.mark.parametrize("text, expected", [
    ("BURR", ["burr"]),  # title, case-insensitive
    ("mazak", ["coolant"]),  # what_happened
    ("last label", ["label"]),  # two words, both must occur
    ('"the last label"', ["label"]),  # a phrase
    ('"label the"', []),
    ("not this year", ["idea_declined"]),  # the supervisor's answer
    ("kanban floor", []),
    ("the", ["anon", "label", "coolant", "idea_new", "idea_declined", "supervisor_only"]),
    ("seen on", ["burr", "label", "idea_new", "idea_trying", "idea_declined", "anon",
                 "supervisor_only"]),
])
def test_text_search(hand_set, text, expected):
    index, e = hand_set
    assert set(ids(index.filter(text=text, limit=None)[1])) == {e[n].id for n in expected}


def test_search_while_typing_gives_the_same_as_fresh_searches(hand_set):
    index, e = hand_set
    for text in ("b", "bu", "bur", "burr", "bu", "", "c", "co", "cool", "c", "l", "la", "las"):
        fresh = ReviewIndex(index.store)
        fresh.load()
        assert ids(index.filter(text=text, limit=None)[1]) == \
            ids(fresh.filter(text=text, limit=None)[1]), text


def test_paging_and_counting(hand_set):
    index, _ = hand_set
    _, everything = index.filter(limit=None)
    total, page = index.filter(limit=3, offset=2)
    assert total == 8 and page == everything[2:5]
    assert index.filter(limit=3, offset=7)[1] == everything[7:]
    assert index.filter(limit=3, offset=20) == (8, [])
    assert index.filter(limit=0) == (8, [])


def test_facets_list_lines_and_stations(hand_set):
    index, _ = hand_set
    facets = index.facets()
    assert facets.lines == ["Line A", "Line B"]
    assert facets.stations == ["Assembly 1", "CNC cell 3", "Packing 1"]
    assert facets.stations_by_line == {"Line A": ["Assembly 1", "CNC cell 3"],
                                       "Line B": ["Packing 1"]}


def test_queue_items_carry_no_author(hand_set):
    index, _ = hand_set
    _, page = index.filter(limit=None)
    assert all("otter-17" not in repr(item) for item in page)
    assert "author" not in page[0]._fields


def test_put_moves_an_entry_in_the_queue(hand_set):
    index, e = hand_set
    index.put(e["coolant"].touched(seen=True))
    _, page = index.filter(limit=None)
    assert ids(page).index(e["coolant"].id) == 4 + 2  # after the unseen and two newer seen
    assert index.filter(seen=False)[0] == 4


def test_refresh_reads_only_weeks_changed_on_disk(hand_set, store, make_entry):
    index, e = hand_set
    assert index.refresh() == []
    outside = make_entry(at=BASE + 1 * DAY + 60, title="Imported from a kiosk batch")
    store.save(outside)  # written by someone else (an import), not through the index
    assert index.filter(text="imported")[0] == 0
    # The weekly files are UTC weeks, BASE is local noon: the weeks depend on the time zone.
    assert index.refresh() == [week_key(outside.id)]
    assert index.filter(text="imported")[0] == 1
    assert len(index) == 9
    new_week = make_entry(at=BASE + 21 * DAY, title="Weeks later")
    store.save(new_week)
    assert week_key(new_week.id) not in {week_key(entry.id) for entry in e.values()}
    assert index.refresh() == [week_key(new_week.id)]
    assert index.get(new_week.id) is not None


def test_load_reports_progress_newest_week_first(store, make_entry):
    for week in range(4):
        store.save(make_entry(at=BASE - week * 7 * DAY, title=f"week {week}"))
    index = ReviewIndex(store)
    seen_at_first_progress = []

    def progress(done, total):
        if not seen_at_first_progress:
            seen_at_first_progress.append(ids(index.filter(limit=None)[1]))

    calls = []
    index.load(lambda done, total: (calls.append((done, total)), progress(done, total)))
    assert calls[0] == (1, 4) and calls[-1] == (4, 4)
    first = seen_at_first_progress[0]
    assert len(first) == 1 and index.get(first[0]).headline == "week 0"  # the newest week
    assert index.complete.is_set() and len(index) == 4


def test_put_before_the_loader_reaches_the_week_wins(store, make_entry):
    entry = make_entry(at=BASE)
    store.save(entry)
    index = ReviewIndex(store)
    index.put(entry.touched(seen=True))  # e.g. an action while the loader still runs
    index.load()
    assert index.get(entry.id).seen is True


def test_background_load_and_empty_store(store):
    index = ReviewIndex(store)
    done = threading.Event()
    thread = index.load_in_background(lambda d, t: done.set())
    thread.join(10)
    assert done.is_set() and index.complete.is_set() and index.filter() == (0, [])


def test_filters_match_a_brute_force_scan(store, demo_config):
    fill_demo_data(store, demo_config, count=600, days=40, seed=4, stations=5)
    index = ReviewIndex(store)
    index.load()
    entries = [e for e in store.entries() if e.visibility != "private"]
    assert len(index) == len(entries) < store.count()
    stations = sorted({e.station for e in entries})
    middle = datetime.fromisoformat(entries[len(entries) // 2].created.replace("Z", "+00:00"))
    day = middle.astimezone().date()
    cases = [
        (dict(station=stations[1]), lambda e: e.station == stations[1]),
        (dict(kind="idea", status="new"), lambda e: e.kind == "idea" and e.status == "new"),
        (dict(category=["safety", "flow"], seen=False),
         lambda e: e.category in ("safety", "flow") and not e.seen),
        (dict(date_from=day, date_to=day + timedelta(days=6)),
         lambda e: day_start(day).timestamp() <= _ts(e) < day_start(day + timedelta(days=7))
         .timestamp()),
        (dict(text="shift"), lambda e: "shift" in _text(e)),
        (dict(text="ploeg", station=stations[0]),
         lambda e: "ploeg" in _text(e) and e.station == stations[0]),
    ]
    for filters, predicate in cases:
        expected = sorted((e for e in entries if predicate(e)),
                          key=lambda e: (e.seen, _neg(e.id)))
        total, page = index.filter(limit=None, **filters)
        assert ids(page) == [e.id for e in expected], filters
        assert total > 0, filters


def _ts(entry):
    return datetime.fromisoformat(entry.created.replace("Z", "+00:00")).timestamp()


def _text(entry):
    parts = [entry.title, entry.what_happened, entry.noticed, entry.learned, entry.next_step]
    return "\n".join(parts + [r.text for r in entry.responses]).casefold()


def _neg(entry_id):
    return [-ord(c) for c in entry_id]


def test_search_terms_parsing():
    assert search_terms('Burr  "tool change" x') == ["burr", "tool change", "x"]
    assert search_terms("") == [] and search_terms(None) == []


def test_item_from_entry_matches_headline(make_entry):
    entry = make_entry(title="", what_happened="First line\nsecond line")
    assert item_from_entry(entry).headline == "First line"


def test_actions_and_filters_while_loading_end_consistent(store, demo_config):
    """The loader runs in a thread while the supervisor already filters and acts: at the end
    the index equals one loaded afresh (no lost or stale updates)."""
    import time

    from kiosk.review.actions import answer, mark_seen

    fill_demo_data(store, demo_config, count=2000, days=70, seed=9, stations=4)
    unseen = [e.id for e in store.entries() if e.visibility != "private" and not e.seen]
    targets = unseen[::max(1, len(unseen) // 12)]  # how many are unseen depends on today's date
    assert len(targets) >= 10
    index = ReviewIndex(store)
    thread = index.load_in_background(lambda done, total: time.sleep(0.01))  # a slow disk
    for n, entry_id in enumerate(targets):
        index.filter(text="shift", limit=10)
        if n % 2:
            answer(store, entry_id, f"Answer {n}", by="Anna", index=index)
        else:
            mark_seen(store, entry_id, by="Anna", index=index)
    thread.join(30)
    assert index.complete.is_set()
    fresh = ReviewIndex(store)
    fresh.load()
    assert index.filter(limit=None) == fresh.filter(limit=None)
    assert all(index.get(entry_id).seen for entry_id in targets)


def test_a_loaded_index_is_kept_out_of_garbage_collection_and_still_works(tmp_path):
    """In a fresh process (the GC settings are the process's): after `keep_index_out_of_gc` the
    index's objects are frozen, collections are rarer, and opening, answering and closing weeks
    still work and free the week data (bench/store_scale.py measures the latency gain)."""
    code = f"""
import gc, sys
from kiosk.config import load_config
from kiosk.demo import fill_demo_data
from kiosk.review import actions
from kiosk.review.queue import ReviewIndex, keep_index_out_of_gc
from kiosk.ids import week_key
from kiosk.store import Store
store = Store({str(tmp_path)!r})
fill_demo_data(store, load_config(env={{}}), count=400, days=60, seed=2, stations=3)
store.close_old_weeks(keep_newest=0)
index = ReviewIndex(store)
index.load()
keep_index_out_of_gc()
frozen = gc.get_freeze_count()
assert frozen > 10 * len(index) and gc.get_threshold()[0] == 10_000, (frozen, gc.get_threshold())
items = index.filter(limit=None)[1]
for item in items[::25]:
    assert index.entry(item.id).id == item.id
    actions.answer(store, item.id, "Thanks", by="Anna", index=index)
store.close_old_weeks(keep_newest=0)
assert gc.get_freeze_count() == frozen  # week data read since is not frozen, and is freed
fresh = ReviewIndex(store)
fresh.load()
assert fresh.filter(limit=None) == index.filter(limit=None)
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr[-2000:]
