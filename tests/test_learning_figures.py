"""The learning loop's team figures against a hand count on seeded station data: what became of
the tries planned ("14 tries planned, 9 tried, 6 worked") and the weekly pulse as a trend, with
small groups held back by the minimum group size, in the report and the insights."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from kiosk.i18n import Strings
from kiosk.learning.figures import follow_up_figures, pulse_trend
from kiosk.learning.records import FollowUp, Pulse, learning_records
from kiosk.review.learning_view import format_learning, insights_learning
from kiosk.review.report import build_report, render
from tests.conftest import build_entry

MIN = 5
TUESDAY = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc).timestamp()  # week 2026-W48
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
# What the 14 planned tries at Assembly 1 came to, by hand: 12 answered, 6 + 2 + 1 = 9 tried.
ANSWERS = ["worked"] * 6 + ["partly"] * 2 + ["did_not_work"] + ["not_yet"] * 2 + \
    ["not_relevant"] + [None] * 2


@pytest.fixture
def seeded(store):
    """A station's week 48: 14 plans with a badge at Assembly 1, one at Paint 2, and entries
    that are no plans (anonymous, without a next step); pulse answers of weeks 46 to 48."""
    plans = [build_entry(at=TUESDAY + 60 * i, author=f"w-AUTHOR{i:02d}",
                         next_step=f"Try number {i}") for i in range(14)]
    elsewhere = build_entry(at=TUESDAY + 3600, station="Paint 2", line="Line B",
                            next_step="Paint thinner")
    others = [build_entry(at=TUESDAY + 7200 + i, author=None, next_step="Anonymous plan")
              for i in range(2)]
    others += [build_entry(at=TUESDAY + 9000 + i, next_step="") for i in range(3)]
    store.save_many([*plans, elsewhere, *others])
    records = learning_records(store)
    records.put_followups(FollowUp(e.id, answer, "", 1, sync="synced")
                          for e, answer in zip(plans, ANSWERS) if answer)
    records.put_followups([FollowUp(elsewhere.id, "worked", "", 1)])
    pulses = [("2026-W46", "Assembly 1", "Line A", v) for v in
              [(4, 3, 5), (4, 3, 4), (3, 3, 4), (5, 3, 5), (2, 3, 3), (4, 3, 4)]]
    pulses += [("2026-W47", "Assembly 1", "Line A", (3, 3, 3))] * 3
    pulses += [("2026-W48", "Assembly 1", "Line A", (2, 4, 2))] * 5
    pulses += [("2026-W48", "Paint 2", "Line B", (5, 5, 5))] * 2
    records.add_pulses(Pulse(f"t{i}", week, *values, station, line)
                       for i, (week, station, line, values) in enumerate(pulses))
    return store


def test_follow_up_figures_match_the_hand_count(seeded):
    report = build_report(seeded, "2026-W48", station="Assembly 1", min_group_size=MIN, now=NOW)
    found = report.learning.followups
    assert (found.planned, found.answered, found.tried, found.worked) == (14, 12, 9, 6)
    # worked (6) on its own; partly 2, did not work 1, not yet 2, no longer relevant 1 and
    # not answered 2 are each fewer than 5: together (8)
    assert (found.outcomes.shown, found.outcomes.other, found.outcomes.other_groups) == \
        ([("worked", 6)], 8, 5)
    markdown = render(report, "md", "en")
    assert "14 tries planned, 9 tried, 6 worked." in markdown
    assert "| small groups together (5) | 8 |" in markdown
    assert "w-AUTHOR" not in markdown and "Try number" not in markdown
    everywhere = build_report(seeded, "2026-W48", min_group_size=MIN, now=NOW).learning
    assert (everywhere.followups.planned, everywhere.followups.worked) == (15, 7)
    dutch = render(report, "md", "nl")
    assert "14 keer iets van plan, 9 keer geprobeerd, 6 keer gelukt." in dutch


def test_few_tries_planned_show_no_number(seeded):
    report = build_report(seeded, "2026-W48", station="Paint 2", min_group_size=MIN, now=NOW)
    assert report.learning.followups.held_back
    markdown = render(report, "md", "en")
    assert "Fewer than 5 tries planned, so no number is shown." in markdown
    found = follow_up_figures(["a", "b", "c", "d", "e"], {"a": FollowUp("a", "worked")}, MIN)
    assert (found.planned, found.answered, found.tried, found.worked) == (5, None, None, None)


def test_the_pulse_trend_holds_back_small_weeks_and_what_a_difference_would_show(seeded):
    pulses = learning_records(seeded).pulses()
    weeks = ["2026-W46", "2026-W47", "2026-W48"]
    station = pulse_trend(pulses, weeks, MIN, station="Assembly 1")
    # week 46: 6 answers, means by hand 22/6, 18/6, 25/6; week 47: 3 (<5); week 48: 5 here
    # but only 2 elsewhere, so all stations minus this one would give the 2 away: held back
    assert [(p.week, p.answers, p.small) for p in station] == [
        ("2026-W46", 6, False), ("2026-W47", None, True), ("2026-W48", None, False)]
    assert station[0].means == {"learned": 3.7, "heard": 3.0, "pressure": 4.2}
    line = pulse_trend(pulses, weeks, MIN, line="Line A")
    assert [p.answers for p in line] == [6, None, None]
    everywhere = pulse_trend(pulses, weeks, MIN)
    assert [p.answers for p in everywhere] == [6, None, 7]
    assert everywhere[2].means == {"learned": round(20 / 7, 1), "heard": round(30 / 7, 1),
                                   "pressure": round(20 / 7, 1)}
    markdown = render(build_report(seeded, "2026-W48", station="Assembly 1",
                                   min_group_size=MIN, now=NOW), "md", "en")
    assert "| 2026-W46 | 6 | 3.7 | 3.0 | 4.2 |" in markdown
    assert "| 2026-W47 | <5 |" in markdown and "| 2026-W48 | held back |" in markdown
    html = render(build_report(seeded, "2026-W48", min_group_size=MIN, now=NOW), "html", "nl")
    assert "<td>2026-W48</td><td class=\"n\">7</td><td class=\"n\">2.9</td>" in html


def test_the_insights_show_the_same_figures(seeded):
    found = insights_learning(seeded, min_size=MIN, weeks=4, now=NOW, station="Assembly 1")
    text = format_learning(found, Strings.report("en"), 4)
    assert "Tries planned" in text and " 14" in text
    lines = text.splitlines()
    assert any(line.split()[:2] == ["2026-W46", "6"] for line in lines)
    assert any(line.split() == ["2026-W47", "<5"] for line in lines)
    assert any(line.split()[:3] == ["2026-W48", "held", "back"] for line in lines)
    assert "w-AUTHOR" not in text


def test_kiosk_insights_prints_and_exports_the_figures(run_kiosk, data_dir):
    """The real `kiosk insights` command on a closed data folder: the text and --json."""
    import json

    from kiosk.store import Store

    now = datetime.now(timezone.utc)
    year, number, _ = now.isocalendar()
    this_week = f"{year:04d}-W{number:02d}"
    monday = datetime.fromisocalendar(year, number, 1).replace(tzinfo=timezone.utc)
    with Store(data_dir) as store:
        plans = [build_entry(at=monday.timestamp() + 60 * i, next_step="Try it") for i in range(6)]
        store.save_many(plans)
        records = learning_records(store)
        records.put_followups(FollowUp(e.id, "worked", "", 1) for e in plans[:5])
        records.add_pulses(Pulse(f"p{i}", this_week, 4, 3, 2, "Assembly 1", "Line A")
                           for i in range(5))
    result = run_kiosk("--data-dir", str(data_dir), "insights", "--weeks", "2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert ["Tries", "planned", "6"] in [line.split() for line in lines]
    assert [this_week, "5", "4.0", "3.0", "2.0"] in [line.split() for line in lines]
    data = json.loads(run_kiosk("--data-dir", str(data_dir), "insights", "--json").stdout)
    assert data["learning"]["followups"]["planned"] == 6
    assert data["learning"]["followups"]["worked"] == 5
    assert {"week": this_week, "answers": 5, "small": False,
            "means": {"learned": 4.0, "heard": 3.0, "pressure": 2.0}} in data["learning"]["pulse"]
