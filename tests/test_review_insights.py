"""Insights: aggregates only, small groups held back, no per-author output."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timedelta, timezone

import pytest

from kiosk.config import load_config
from kiosk.entries import Response
from kiosk.review.insights import (LONGER_PERIODS, PeriodTotal, compute_insights, entry_terms,
                                   format_insights, group_counts, insights_for,
                                   recent_weeks, series, stop_words, themes)
from kiosk.i18n import Strings
from kiosk.review.queue import ReviewIndex
from kiosk.review.rows import item_from_entry

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
DAY = 86400.0


def test_group_counts_merge_small_groups_into_other():
    counts = group_counts({"A": 12, "B": 7, "C": 3, "D": 2}, 5)
    assert counts.shown == [("A", 12), ("B", 7)]
    assert (counts.other, counts.other_groups, counts.total) == (5, 2, 24)


def test_group_counts_grow_a_small_other_so_it_cannot_be_worked_out():
    counts = group_counts({"A": 12, "B": 7, "C": 3}, 5)
    # "other" = 3 could be computed from the total: B joins it.
    assert counts.shown == [("A", 12)]
    assert (counts.other, counts.other_groups, counts.total) == (10, 2, 22)
    assert all(n >= 5 for _, n in counts.shown) and (counts.other == 0 or counts.other >= 5)


def test_group_counts_hide_everything_below_the_minimum():
    counts = group_counts({"A": 2, "B": 2}, 5)
    assert counts.shown == [] and counts.other == 0 and counts.total is None
    assert group_counts({}, 5).total == 0


def test_series_marks_small_points():
    points = series({"W1": 9, "W2": 2, "W3": 0, "W4": 30}, ["W1", "W2", "W3", "W4"], 5)
    assert [(p.key, p.count, p.small) for p in points] == [
        ("W1", None, False), ("W2", None, True), ("W3", 0, False), ("W4", 30, False)]


@pytest.fixture
def items(make_entry):
    """40 entries: stations of 20, 12, 5 and 3 entries, with known categories and authors."""
    made = []
    plan = [("Assembly 1", 20), ("CNC cell 3", 12), ("Packing 1", 5), ("Goods-in", 3)]
    n = 0
    for station, count in plan:
        for i in range(count):
            n += 1
            kind = "idea" if i % 2 else "observation"
            status = ("new", "trying", "adopted", "declined")[i % 4] if kind == "idea" else "new"
            responses = []
            created = NOW.timestamp() - n * DAY / 4
            if i % 3 == 0:
                at = datetime.fromtimestamp(created + 5 * 3600, tz=timezone.utc)
                responses = [Response(at.isoformat().replace("+00:00", "Z"), "Anna", "Thanks")]
            made.append(make_entry(
                at=created, station=station, author=f"badge-{i % 3}-{station[:3]}",
                kind=kind, status=status, status_reason="Budget" if status == "declined" else "",
                category="safety" if i < 2 else "quality", seen=bool(responses) or i % 5 == 0,
                responses=responses,
                title=f"Torque wrench at {station}" if i < 6 else f"Pallet {i} blocks aisle 7",
                what_happened="De heftruck stond in het gangpad." if i % 2 else
                "The pallet blocked the aisle again."))
    return [item_from_entry(e) for e in made]


def test_small_stations_are_not_shown(items):
    found = compute_insights(items, min_group_size=5, now=NOW)
    assert found.entries == 40
    # Goods-in (3) is below 5; "other" alone would then be 3, which anyone could work out
    # from the total, so the next smallest group (Packing 1, 5) joins it.
    assert found.by_station.shown == [("Assembly 1", 20), ("CNC cell 3", 12)]
    assert (found.by_station.other, found.by_station.other_groups) == (8, 2)
    assert found.by_station.get("Goods-in") is None and found.by_station.total == 40


def test_min_group_size_is_applied_everywhere(items):
    found = compute_insights(items, min_group_size=5, now=NOW)
    for counts in (found.by_category, found.by_station, found.by_kind, found.ideas_by_status):
        assert all(n >= 5 for _, n in counts.shown)
        assert counts.other == 0 or counts.other >= 5
    assert all(s.answered >= 5 for s in found.answer_times.by_station)
    assert all(t.entries >= 5 for t in found.words + found.phrases)
    bigger = compute_insights(items, min_group_size=13, now=NOW)
    assert bigger.by_station.shown == [("Assembly 1", 20)]
    assert bigger.by_station.other == 20 and bigger.by_station.other_groups == 3
    assert [s.station for s in bigger.answer_times.by_station] == []  # 7 answered at most


def test_exact_counts(items):
    found = compute_insights(items, min_group_size=5, now=NOW)
    by_category = {}
    for item in items:
        by_category[item.category] = by_category.get(item.category, 0) + 1
    assert dict(found.by_category.shown) == by_category == {"quality": 32, "safety": 8}
    ideas = sum(item.kind == "idea" for item in items)
    assert found.by_kind.shown == [("observation", 40 - ideas), ("idea", ideas)]
    statuses = {}
    for item in items:
        if item.kind == "idea":
            statuses[item.status] = statuses.get(item.status, 0) + 1
    assert dict(found.ideas_by_status.shown) == {k: n for k, n in statuses.items() if n >= 5}
    answered = sum(1 for item in items if item.first_answer)
    assert found.answer_times.answered == answered == 14
    assert found.answer_times.median_hours == pytest.approx(5.0)
    assert found.waiting == sum(1 for i in items if i.waiting)


def test_no_author_anywhere_in_insights(items, make_entry):
    found = compute_insights(items, min_group_size=2, now=NOW)
    dumped = json.dumps(asdict(found), ensure_ascii=False)
    assert "badge-" not in dumped and "author" not in dumped
    assert "Anna" not in dumped  # not even the supervisor's name


def test_themes_count_entries_skip_stop_words_and_rare_terms(items):
    words, phrases = themes(items, min_entries=5, top=50)
    texts = {t.text: t.entries for t in words + phrases}
    assert texts["pallet"] >= 5 and texts["aisle"] >= 5
    assert texts["heftruck"] == 19 and texts["gangpad"] == 19  # Dutch, from the ideas
    assert texts["torque wrench"] == sum("torque wrench" in i.search_text for i in items) == 20
    assert {"the", "het", "de", "in", "again"} <= stop_words()
    assert not {"the", "het", "de", "in", "again"} & set(texts)
    assert all(n >= 5 for n in texts.values())
    assert "thanks" not in texts  # supervisor answers are not the team's themes


def test_themes_are_found_per_language(make_entry):
    """Dutch and English entries each give their own themes, marked with their language; a
    word both use ("pallet") is counted in each; every language's stop words are left out."""
    only = dict(noticed="", learned="", next_step="", title="")
    made = [make_entry(at=NOW.timestamp() - i * DAY, language="en", **only,
                       what_happened="The pallet cage was open again.") for i in range(4)]
    made += [make_entry(at=NOW.timestamp() - i * DAY - 3600, language="nl", **only,
                        what_happened="De pallet kwam niet door de deur.") for i in range(3)]
    words, phrases = themes([item_from_entry(e) for e in made], min_entries=3, top=50)
    found = {(t.text, t.language): t.entries for t in words + phrases}
    assert found[("pallet", "en")] == 4 and found[("pallet", "nl")] == 3
    assert found[("pallet cage", "en")] == 4 and found[("deur", "nl")] == 3
    assert not {text for text, _ in found} & {"the", "de", "niet", "door", "again"}
    assert [t.language for t in words] == sorted((t.language for t in words),
                                                 key=lambda lang: lang != "en")  # 4 before 3
    shown = format_insights(compute_insights([item_from_entry(e) for e in made],
                                             min_group_size=3, now=NOW), Strings.report("en"))
    assert "pallet (en)" in shown and "pallet (nl)" in shown


def test_entry_terms_phrases_do_not_cross_stop_words_or_punctuation():
    terms = entry_terms("the torque wrench. wrench was loose; 4410 bracket",
                        frozenset({"the", "was"}))
    assert "torque wrench" in terms and "wrench wrench" not in terms
    assert "wrench loose" not in terms and "4410" not in terms and "bracket" in terms


def test_insights_for_index_with_filters(store, make_entry):
    base = NOW.timestamp()
    for i in range(12):
        store.save(make_entry(at=base - i * DAY, station="Assembly 1" if i < 7 else "Dock",
                              visibility="private" if i == 0 else "team"))
    index = ReviewIndex(store)
    index.load()
    found = insights_for(index, min_group_size=5, now=NOW)
    assert found.entries == 11  # the private entry is not there at all
    assert found.by_station.shown == [("Assembly 1", 6), ("Dock", 5)]
    assert insights_for(index, station="Dock", min_group_size=5, now=NOW).entries == 5
    small = insights_for(index, station="Dock", min_group_size=6, now=NOW)
    assert small.entries is None and small.by_category.total is None
    assert small.by_category.shown == []


def test_default_min_group_size_comes_from_config():
    assert load_config(env={}).min_group_size == 5


def test_waiting_buckets_and_oldest(items):
    found = compute_insights(items, min_group_size=5, now=NOW, oldest=3)
    assert sum(n for _, n in found.waiting_by_age) == found.waiting
    ages = [w.age_days for w in found.oldest_waiting]
    assert ages == sorted(ages, reverse=True) and len(ages) == 3
    assert found.oldest_waiting[0].created < found.oldest_waiting[-1].created + "~"
    assert NOW - timedelta(days=ages[0] + 1) < datetime.fromisoformat(
        found.oldest_waiting[0].created.replace("Z", "+00:00"))


# -- a small team (issue 16) ------------------------------------------------------------------
def entries_days_ago(make_entry, days) -> list:
    return [item_from_entry(make_entry(at=NOW.timestamp() - d * DAY)) for d in days]


def test_a_small_team_sees_a_longer_total_instead_of_weeks_below_the_minimum(make_entry):
    # 8 entries, no week with 5: the last 4 weeks hold 5 (3 would remain), 8 weeks 7 (1 would
    # remain), 12 weeks all 8
    items = entries_days_ago(make_entry, (1, 2, 9, 20, 24, 40, 41, 60))
    found = compute_insights(items, min_group_size=5, now=NOW)
    assert found.entries == 8 and found.every_week_small
    assert found.longer_total == PeriodTotal(12, 8)
    text = format_insights(found, Strings.report("en"))
    assert "Every week had fewer than 5 entries, so no single week is shown." in text
    assert "the last 12 weeks                  8" in text
    assert "2026-W" not in text  # neither empty weeks nor a row of "<5"


def test_weeks_without_entries_are_left_out(make_entry):
    # weeks 48, 46 and 45 (NOW is a Friday of week 48): 6, 5 and 2 entries
    items = entries_days_ago(make_entry, [1] * 6 + [15] * 5 + [22] * 2)
    found = compute_insights(items, min_group_size=5, now=NOW)
    assert not found.every_week_small and found.longer_total is None
    text = format_insights(found, Strings.report("en"))
    week_rows = [line.split() for line in text.splitlines() if line.startswith("  2026-W")]
    assert len(found.by_week) == 12  # 9 of them empty, not listed
    assert week_rows == [["2026-W45", "<5"], ["2026-W46", "–"], ["2026-W48", "6"]]


def test_fewer_entries_than_the_minimum_say_why_and_show_no_group_counts(make_entry):
    found = compute_insights(entries_days_ago(make_entry, (1, 3, 30)), min_group_size=5,
                             now=NOW)
    assert found.entries is None and found.longer_total is None
    for language, why in (("en", "Fewer than 5 entries, so no count is shown"),
                          ("nl", "Minder dan 5 items, dus er staan geen aantallen")):
        text = format_insights(found, Strings.report(language))
        assert why in text
    text = format_insights(found, Strings.report("en"))
    assert "Per category" not in text and "Per week" not in text and "<5" in text


@pytest.mark.parametrize("days", [
    (1, 2, 3, 40, 41, 42, 100), (1, 8, 15, 22, 29, 36, 43, 50, 400), (1, 9, 30, 31, 32, 33),
    (5, 6, 200, 201, 202, 203, 300), tuple(range(1, 200, 9)),
])
def test_a_longer_total_never_leaves_a_small_number_outside_it(make_entry, days):
    items = entries_days_ago(make_entry, days)
    found = compute_insights(items, min_group_size=5, now=NOW)
    together = found.longer_total
    if not found.every_week_small:
        assert together is None
        return
    assert together is not None and together.count >= 5
    outside = len(items) - together.count
    assert outside == 0 or outside >= 5
    if together.weeks is not None:  # no shorter period would have done
        for weeks in (w for w in LONGER_PERIODS if w is not None and w < together.weeks):
            inside = sum(1 for item in items if item.week in recent_weeks(NOW, weeks))
            assert inside < 5 or len(items) - inside in range(1, 5)
