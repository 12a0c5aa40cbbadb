"""The team-meeting report: a week of demo data checked against a hand count, Markdown that reads
well, HTML that escapes user text and stands alone, CSV with stable columns, en and nl labels."""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections import Counter
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from kiosk.demo import generate
from kiosk.paths import content_dir
from kiosk.review.queue import ReviewIndex
from kiosk.review.report import ReportError, build_report, parse_week, render
from kiosk.review.report_csv import CSV_COLUMNS

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
WEEK = "2026-W47"  # Monday 16 to Sunday 22 November 2026, well inside the demo period
MIN = 5


def _week_of(entry) -> str:
    created = datetime.fromisoformat(entry.created.replace("Z", "+00:00"))
    year, week, _ = created.astimezone(timezone.utc).isocalendar()
    return f"{year}-W{week:02d}"


@pytest.fixture(scope="module")
def demo_week(tmp_path_factory):
    """600 demo entries over 3 weeks at 6 stations (fixed seed and clock), in a real store."""
    from kiosk.config import load_config
    from kiosk.store import Store

    folder = tmp_path_factory.mktemp("report") / "data"
    config = load_config(env={}).with_changes(data_dir=folder)
    entries = list(generate(config, count=600, days=21, seed=11, stations=6,
                            now=NOW.timestamp()))
    store = Store(folder)
    store.save_many(entries)
    index = ReviewIndex(store)
    index.load()
    report = build_report(store, WEEK, index=index, min_group_size=MIN, now=NOW)
    yield entries, report, store, index
    store.close()


def sections(markdown: str, level: str) -> dict[str, str]:
    """Heading text -> the text under it, for headings of `level` ("## " or "### ")."""
    parts = re.split(rf"^{re.escape(level)}(.+)$", markdown, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def table(text: str) -> dict[str, str]:
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 2 and not set(cells[0]) <= set("-:"):
            rows[cells[0]] = cells[1]
    return rows


def test_report_counts_match_a_hand_count(demo_week):
    entries, report, _, _ = demo_week
    week = [e for e in entries if _week_of(e) == WEEK and e.visibility != "private"]
    shared = [e for e in week if e.visibility == "team"]
    assert len(week) > 100  # a real week, not a trivial one
    assert report.total == len(week)
    assert report.hidden == sum(e.visibility == "supervisor" for e in week) > 0
    assert [e.id for e in report.shared] == sorted(e.id for e in shared)
    assert report.ideas == sum(e.kind == "idea" for e in week)

    markdown = render(report, "md", "en")
    assert f"{len(week)} entries this week, {report.ideas} of them ideas." in markdown
    top = sections(markdown, "## ")

    # What we learned: one section per category with the team's entries of that category.
    learned = sections(top["What we learned"], "### ")
    by_category = Counter(e.category for e in shared)
    labels = {"safety": "Safety", "quality": "Quality", "flow": "Flow",
              "maintenance": "Maintenance", "teamwork": "Teamwork", "other": "Other"}
    assert set(learned) == {f"{labels[c]} ({n})" for c, n in by_category.items()}
    for category, n in by_category.items():
        body = learned[f"{labels[category]} ({n})"]
        items = [line for line in body.splitlines() if line.startswith("- **")]
        times = [int(m[1]) if (m := re.search(r"\*\* \((\d+)×\)", line)) else 1
                 for line in items]
        assert sum(times) == n and len(items) < n  # the same lesson reported often: one line
        for e in shared:
            if e.category == category:
                assert e.headline.replace("*", "") in body.replace("\\", "")

    # Ideas and their status: the team's ideas, by status.
    ideas = sections(top["Ideas and their status"], "### ")
    by_status = Counter(e.status for e in shared if e.kind == "idea")
    status_labels = {"new": "New", "seen": "Seen", "trying": "Trying", "adopted": "Adopted",
                     "declined": "Declined"}
    assert set(ideas) == {f"{status_labels[s]} ({n})" for s, n in by_status.items()}
    declined = [e for e in shared if e.kind == "idea" and e.status == "declined"]
    for e in declined:
        assert f"Reason: {e.status_reason}" in markdown

    # Numbers: every shown group exact, every small group hidden, nothing derivable.
    numbers = top["Numbers this week"]
    category_rows = table(numbers.split("| Station |")[0])
    hand = Counter(e.category for e in week)
    other = 0
    for category, n in hand.items():
        label = labels[category]
        if n < MIN:
            assert label not in category_rows
        if label in category_rows:
            assert int(category_rows[label]) == n
        else:
            other += n
    assert int(category_rows["Total"]) == len(week)
    other_rows = [v for k, v in category_rows.items() if k.startswith("other")]
    assert (int(other_rows[0]) if other_rows else 0) == other
    assert other == 0 or other >= MIN
    station_rows = table("| Station |" + numbers.split("| Station |")[1])
    for station, n in Counter(e.station for e in week).items():
        assert station_rows.get(station) in (None, str(n))
        if n < MIN:
            assert station not in station_rows


def test_waiting_items_match_a_hand_count(demo_week):
    entries, report, _, _ = demo_week
    visible = [e for e in entries if e.visibility != "private"]
    waiting = [e for e in visible if not e.seen or (
        e.kind == "idea" and e.status in ("new", "seen") and not e.responses)]
    assert report.waiting == len(waiting) > 0
    assert sum(n for _, n in report.waiting_by_age) == len(waiting)
    oldest_team = sorted((e for e in waiting if e.visibility == "team"), key=lambda e: e.id)
    assert [w.id for w in report.oldest_waiting] == [e.id for e in oldest_team[:10]]
    markdown = render(report, "md", "en")
    rows = table(sections(markdown, "## ")["Waiting for an answer or a decision"])
    assert sum(int(v) for k, v in rows.items() if k != "Waiting for") == len(waiting)


def test_markdown_reads_well(demo_week):
    entries, report, _, _ = demo_week
    markdown = render(report, "md", "en")
    lines = markdown.splitlines()
    assert lines[0] == "# What we learned: week 47, 2026"
    assert lines[2].startswith("2026-11-16 to 2026-11-22 · all stations")
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == ["## What we learned", "## Ideas and their status",
                        "## Waiting for an answer or a decision", "## Numbers this week",
                        "## Trying things out"]
    assert "\n\n\n" not in markdown  # no stray blank lines
    assert "None" not in markdown and "{" not in markdown
    for line in lines:  # every list item is one line: headline, then what was learned
        if line.startswith("- **"):
            assert line.count("**") >= 2
    example = next(e for e in report.shared if e.learned.strip())
    assert re.search(rf"\*\*{re.escape(example.headline)}\*\*( \(\d+×\))?: "
                     rf"{re.escape(example.learned)}", markdown.replace("\\", ""))
    authors = {e.author for e in entries if e.author}
    assert not any(author in markdown for author in authors)
    assert markdown.rstrip().splitlines()[-1].startswith("Made on ")


def test_one_station_report(demo_week):
    entries, _, store, index = demo_week
    station = Counter(e.station for e in entries if _week_of(e) == WEEK).most_common(1)[0][0]
    report = build_report(store, WEEK, index=index, station=station, min_group_size=MIN,
                          now=NOW)
    assert {e.station for e in report.shared} == {station}
    markdown = render(report, "md", "en")
    assert f"· {station}" in markdown.splitlines()[2]
    assert f"({station}," not in markdown  # the station is not repeated on every line


def test_csv_has_stable_columns_and_one_row_per_shared_entry(demo_week):
    entries, report, _, _ = demo_week
    rows = list(csv.reader(io.StringIO(render(report, "csv"))))
    assert tuple(rows[0]) == CSV_COLUMNS == (
        "id", "created", "week", "line", "station", "kind", "category", "status",
        "status_reason", "headline", "what_happened", "noticed", "learned", "next_step",
        "answers", "first_answer", "language")
    assert [r[0] for r in rows[1:]] == [e.id for e in report.shared]
    assert {r[2] for r in rows[1:]} == {WEEK}
    assert "author" not in rows[0]


def test_user_text_is_escaped_everywhere(store, make_entry):
    nasty = make_entry(at=NOW.timestamp() - 86400, title="<script>alert(1)</script> *x* | y",
                       learned="=HYPERLINK(\"http://evil\") & <b>bold</b> [link](http://x)",
                       station="A&B <Station>")
    store.save(nasty)
    report = build_report(store, "2026-W48", min_group_size=MIN, now=NOW)
    markdown = render(report, "md", "en")
    assert "\\<script\\>" in markdown and "<script>" not in markdown
    assert "\\[link\\]" in markdown and "\\*x\\*" in markdown and "\\| y" in markdown
    page = render(report, "html", "en")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "A&amp;B &lt;Station&gt;" in page
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    for outside in ("<link", "src=", "@import", "<script"):
        assert outside not in page
    row = list(csv.reader(io.StringIO(render(report, "csv"))))[1]
    assert row[CSV_COLUMNS.index("learned")].startswith("'=HYPERLINK")


def test_dutch_labels(demo_week):
    _, report, _, _ = demo_week
    markdown = render(report, "md", "nl")
    assert markdown.startswith("# Wat we leerden: week 47, 2026")
    for heading in ("## Wat we leerden", "## Ideeën en hun status", "## Aantallen deze week"):
        assert heading in markdown
    assert '<html lang="nl">' in render(report, "html", "nl")


def test_label_files_have_the_same_keys():
    def keys(table, prefix=""):
        out = set()
        for key, value in table.items():
            out |= keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
        return out

    folder = content_dir() / "review"
    en = keys(tomllib.loads((folder / "en.toml").read_text(encoding="utf-8")))
    nl = keys(tomllib.loads((folder / "nl.toml").read_text(encoding="utf-8")))
    assert en == nl


def test_empty_week_and_small_week(store, make_entry):
    report = build_report(store, "2026-W10", min_group_size=MIN, now=NOW)
    markdown = render(report, "md", "en")
    assert "No entries were shared with the team this week." in markdown
    assert "0 entries this week" in markdown
    for i in range(3):
        store.save(make_entry(at=NOW.timestamp() - 86400 - i * 60, station=f"S{i}"))
    small = render(build_report(store, "2026-W48", min_group_size=MIN, now=NOW), "md", "en")
    assert "Fewer than 5 entries this week" in small
    assert "| Total |" not in small and "| S0 |" not in small


@pytest.mark.parametrize("text, expected", [
    ("2026-W48", ("2026-W48", "2026-11-23")), ("2026w8", ("2026-W08", "2026-02-16")),
    (" 2020-W53 ", ("2020-W53", "2020-12-28")),
])
def test_parse_week(text, expected):
    key, monday = parse_week(text)
    assert (key, monday.isoformat()) == expected


@pytest.mark.parametrize("text", ["2026-48", "W48", "2026-W54", "2026-W00", "2021-W53"])
def test_parse_week_refuses_bad_weeks(text):
    with pytest.raises(ReportError):
        parse_week(text)


def test_unknown_format(demo_week):
    with pytest.raises(ReportError, match="unknown format"):
        render(demo_week[1], "pdf")


def test_this_and_last_week():
    assert parse_week("last", NOW)[0] == "2026-W47"
    assert parse_week("This", NOW)[0] == "2026-W48"


def test_control_characters_never_reach_the_report(store, make_entry):
    store.save(make_entry(at=NOW.timestamp() - 86400, title="Bell \x07 and \x1b[31mred\x1b[0m",
                          learned="tab\there"))
    report = build_report(store, "2026-W48", min_group_size=MIN, now=NOW)
    for fmt in ("md", "html"):
        text = render(report, fmt, "en")
        assert "\x1b" not in text and "\x07" not in text
    assert "Bell and [31mred [0m" in render(report, "md", "en").replace("\\", "")


def test_same_lesson_reported_often_is_one_line(store, make_entry):
    at = NOW.timestamp() - 3 * 86400
    for i in range(3):
        store.save(make_entry(at=at + i * 3600, station=f"Station {i}", title="Sharp corner",
                              learned="Gloves hide small risks."))
    store.save(make_entry(at=at + 7200, title="Sharp corner", learned="Round it off."))
    store.save(make_entry(at=at - 3600, title="Coolant on the floor", learned="Empty the tray."))
    report = build_report(store, "2026-W48", min_group_size=MIN, now=NOW)
    [(category, count, found)] = report.lessons_by_category()
    assert (category, count) == ("quality", 5)
    assert [(x.headline, x.text, len(x.entries)) for x in found] == [
        ("Sharp corner", "Gloves hide small risks.", 3),
        ("Coolant on the floor", "Empty the tray.", 1), ("Sharp corner", "Round it off.", 1)]
    markdown = render(report, "md", "en")
    day = datetime.fromtimestamp(at).date().isoformat()  # the report shows local dates
    assert ("- **Sharp corner** (3×): Gloves hide small risks. "
            f"_(Station 0, Station 1, Station 2; {day})_") in markdown
    assert "<strong>Sharp corner</strong> (3×) " in render(report, "html", "en")


def test_urgent_entries_are_marked_in_the_report(store, make_entry):
    at = NOW.timestamp() - 3 * 86400
    store.save(make_entry(at=at, title="Guard door open", learned="Stop the line.", urgent=True))
    store.save(make_entry(at=at + 60, title="Label crooked", learned="Check the roll."))
    store.save(make_entry(at=at + 120, kind="idea", title="Second guard", urgent=True))
    for language, word in (("en", "URGENT"), ("nl", "DRINGEND")):
        report = build_report(store, "2026-W48", min_group_size=MIN, now=NOW)
        markdown = render(report, "md", language)
        assert f"- **{word} Guard door open**" in markdown
        assert f"- **{word} Second guard**" in markdown and "- **Label crooked**" in markdown
        page = render(report, "html", language)
        assert f"<strong>{word} Guard door open</strong>" in page
        assert "<strong>Label crooked</strong>" in page


def _numbers_left(text: str, min_size: int) -> list[str]:
    """Digits in a small week's report once the week, dates, times and the minimum group size
    are taken out."""
    text = re.sub(r"<[^>]*>|\d{4}-\d{2}-\d{2}|\d{2}:\d{2}|week \d+, \d{4}", "", text)
    return [n for n in re.findall(r"\d+", text) if n != str(min_size)]


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_small_week_shows_no_number_and_says_what_is_held_back(store, make_entry, language):
    """Issue 16 item 9: below the minimum group size no count may single anyone out: not in
    headings, not as "(3×)", not in the waiting table, not the supervisor-only count."""
    at = NOW.timestamp() - 2 * 86400
    words = dict(station="Assembly", what_happened="The guard was loose again",
                 noticed="A screw was missing", learned="Check the screws at the start",
                 next_step="Add it to the checklist")
    idea = make_entry(at=at, kind="idea", title="Loose guard", **words)
    store.save(replace(idea, status="trying"))
    for i in range(2):  # the same lesson twice: would read "(2×)"
        store.save(make_entry(at=at + 60 * (i + 1), title="Loose guard", **words))
    for i in range(2):  # only for the supervisor: would read "2 entries meant only for ..."
        store.save(make_entry(at=at + 600 + i, visibility="supervisor", **words))
    report = build_report(store, "2026-W48", min_group_size=7, now=NOW)
    assert report.small and report.shared and report.waiting
    for fmt in ("md", "html"):
        text = render(report, fmt, language).split("<body>")[-1]  # not the page CSS
        assert _numbers_left(text, 7) == [], fmt
        assert "Loose guard" in text  # the shared entries are still listed
    markdown = render(report, "md", language)
    held_back = {"en": "this report shows no numbers",
                 "nl": "staan er in dit verslag geen aantallen"}
    assert held_back[language] in markdown
    numbers = sections(markdown, "## ")["Numbers this week" if language == "en" else
                                          "Aantallen deze week"]
    assert "|" not in numbers and "7" in numbers  # a plain sentence, no table


def test_days_waiting_use_the_plural_tables(store, make_entry):
    store.save(make_entry(at=NOW.timestamp() - 1.5 * 86400))
    for i in range(5):
        store.save(make_entry(at=NOW.timestamp() - 3.5 * 86400 - i))
    report = build_report(store, "2026-W48", min_group_size=MIN, now=NOW)
    markdown = render(report, "md", "en")
    assert "(Assembly 1, 1 day)" in markdown and "1 days" not in markdown
    assert "(Assembly 1, 3 days)" in markdown
    assert "1 dag)" in render(report, "md", "nl")
