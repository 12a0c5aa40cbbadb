"""Saving the team-meeting report at the station (kiosk.review.report_files) without a UI:
Markdown and HTML under data/reports/, named by ISO week, replaced by a new save of that week."""

from __future__ import annotations

from datetime import datetime, timezone

from kiosk.review.report import build_report, render
from kiosk.review.report_files import REPORTS_FOLDER, save_report

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def test_the_report_is_saved_as_markdown_and_html_of_its_week(store, make_entry):
    store.save(make_entry(at=NOW.timestamp() - 3600, title="Burr after tool change"))
    report = build_report(store, "2026-W48", min_group_size=1, now=NOW)
    saved = save_report(report, store.data_dir, "en")
    folder = store.data_dir / REPORTS_FOLDER
    assert saved.md_path == folder / "report-2026-W48.md"
    assert saved.html_path == folder / "report-2026-W48.html"
    assert saved.md_path.read_text() == saved.markdown == render(report, "md", "en")
    assert saved.html_path.read_text() == render(report, "html", "en")
    assert "Burr after tool change" in saved.markdown
    assert sorted(p.name for p in folder.iterdir()) == ["report-2026-W48.html",
                                                        "report-2026-W48.md"]  # no temp files


def test_a_new_save_of_the_week_replaces_its_files_in_the_chosen_language(store, make_entry):
    store.save(make_entry(at=NOW.timestamp() - 3600, title="Burr after tool change"))
    report = build_report(store, "2026-W48", min_group_size=1, now=NOW)
    save_report(report, store.data_dir, "en")
    dutch = save_report(report, store.data_dir, "nl")
    assert dutch.md_path.read_text() == render(report, "md", "nl") != render(report, "md", "en")
    assert len(list((store.data_dir / REPORTS_FOLDER).iterdir())) == 2
