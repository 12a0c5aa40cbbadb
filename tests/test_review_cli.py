"""The supervisor's commands, run as a real `kiosk` process against a real data folder."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from kiosk.review.audit import AUDIT_FILE, read_audit
from kiosk.store import Store

NOW = datetime.now(timezone.utc)
_MONDAY = datetime.fromisocalendar(*NOW.isocalendar()[:2], 1).replace(tzinfo=timezone.utc)
AT = max(NOW.timestamp() - 3600, _MONDAY.timestamp() + 700)  # all entries in this ISO week


@pytest.fixture
def filled(data_dir, make_entry):
    """A closed data folder with this week's entries: 6 at Assembly 1, one private."""
    at = AT
    with Store(data_dir) as store:
        for i in range(6):
            store.save(make_entry(at=at - i * 60, kind="idea" if i % 2 else "observation",
                                  category="flow" if i < 3 else "quality",
                                  title=f"Entry {i}: bins on the wrong side" if i == 1
                                  else f"Entry {i}"))
        store.save(make_entry(at=at - 600, visibility="private", title="Private note"))
    return data_dir


def week() -> str:
    year, number, _ = NOW.isocalendar()
    return f"{year}-W{number:02d}"


def test_report_markdown_to_stdout_and_html_to_a_file(run_kiosk, filled, tmp_path):
    result = run_kiosk("--data-dir", str(filled), "report", "--week", week())
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# What we learned: week ")
    assert "Entry 1: bins on the wrong side" in result.stdout
    assert "Private note" not in result.stdout and "otter-17" not in result.stdout

    out = tmp_path / "week.html"
    result = run_kiosk("--data-dir", str(filled), "report", "--week", week(), "--format",
                       "html", "--lang", "nl", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Wrote the report" in result.stderr and result.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "Wat we leerden" in out.read_text(encoding="utf-8")


def test_report_refuses_a_bad_week(run_kiosk, filled):
    result = run_kiosk("--data-dir", str(filled), "report", "--week", "2026-W60")
    assert result.returncode == 2
    assert "kiosk: 2026 has no week 60" in result.stderr and "Traceback" not in result.stderr


def test_review_list_answer_status_and_audit(run_kiosk, filled):
    base = ("--data-dir", str(filled), "review")
    listed = run_kiosk(*base, "list", "--kind", "idea", "--search", "wrong side", "--json")
    assert listed.returncode == 0, listed.stderr
    found = json.loads(listed.stdout)
    assert found["total"] == 1
    entry_id = found["items"][0]["id"]
    assert "author" not in found["items"][0]

    answered = run_kiosk(*base, "answer", entry_id, "Good idea, we try it", "--by", "Anna")
    assert answered.returncode == 0, answered.stderr
    refused = run_kiosk(*base, "status", entry_id, "declined", "--by", "Anna")
    assert refused.returncode == 1 and "needs a reason" in refused.stderr
    declined = run_kiosk(*base, "status", entry_id, "declined", "--reason", "No budget",
                         "--by", "Anna")
    assert declined.returncode == 0, declined.stderr
    assert "status=declined" in declined.stdout

    with Store(filled, readonly=True) as store:
        entry = store.get(entry_id)
    assert entry.status == "declined" and entry.status_reason == "No budget" and entry.seen
    assert [(r.by, r.text) for r in entry.responses] == [("Anna", "Good idea, we try it")]
    records = read_audit(filled / AUDIT_FILE).records
    assert [(r.action, r.who, r.entry) for r in records] == [
        ("answer", "Anna", entry_id), ("set_status", "Anna", entry_id)]

    audit = run_kiosk(*base, "audit")
    assert audit.returncode == 0 and "2 audit records" in audit.stdout

    unseen = run_kiosk(*base, "list", "--unseen")
    assert "5 matching" in unseen.stdout  # 6 shared entries, one answered; private never


def test_actions_refuse_unknown_and_private_entries(run_kiosk, filled):
    with Store(filled, readonly=True) as store:
        private = next(e for e in store.entries() if e.visibility == "private")
    result = run_kiosk("--data-dir", str(filled), "review", "seen", private.id, "--by", "Anna")
    assert result.returncode == 1 and "no entry" in result.stderr


def test_actions_while_the_app_holds_the_folder(run_kiosk, filled):
    with Store(filled) as store:  # the supervisor app is running
        entry_id = next(e.id for e in store.entries() if e.visibility == "team")
        result = run_kiosk("--data-dir", str(filled), "review", "seen", entry_id, "--by", "A")
        # Reading still works: the report opens the folder read-only.
        report = run_kiosk("--data-dir", str(filled), "report", "--week", week())
    assert result.returncode == 3 and "Only one may use it at a time" in result.stderr
    assert report.returncode == 0


def test_insights_text_and_json(run_kiosk, filled):
    text = run_kiosk("--data-dir", str(filled), "insights")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("Insights") and "Entries: 6" in text.stdout
    data = json.loads(run_kiosk("--data-dir", str(filled), "insights", "--json").stdout)
    assert data["entries"] == 6 and data["min_group_size"] == 5
    # flow 3 and quality 3 are both below 5: shown only together, as "other".
    assert data["by_category"] == {"shown": [], "other": 6, "other_groups": 2, "total": 6,
                                   "min_size": 5}
    dumped = json.dumps(data)
    assert "otter-17" not in dumped and "author" not in dumped


def test_list_shows_user_text_without_terminal_escapes(run_kiosk, data_dir, make_entry):
    with Store(data_dir) as store:
        store.save(make_entry(at=AT, title="Clear \x1b[2J the screen"))
    result = run_kiosk("--data-dir", str(data_dir), "review", "list")
    assert result.returncode == 0 and "\x1b" not in result.stdout
    assert "Clear [2J the screen" in result.stdout
