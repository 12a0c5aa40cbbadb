"""Supervisor actions: stored, audited, validated; the audit log is append-only and survives a
torn last line. A real store in tmp_path, a real audit file."""

from __future__ import annotations

import json
import os

import pytest

from kiosk.review.actions import ReviewError, answer, mark_seen, set_status
from kiosk.review.audit import AUDIT_FILE, AuditError, AuditLog, read_audit
from kiosk.review.queue import ReviewIndex
from kiosk.ids import week_key
from kiosk.store import Store


@pytest.fixture
def desk(store, make_entry):
    """A store with an observation, an idea, an anonymous idea and a private entry, indexed."""
    entries = {
        "obs": make_entry(title="Burr after tool change"),
        "idea": make_entry(kind="idea", category="flow", title="Move the bins",
                           author="heron-42"),
        "anon_idea": make_entry(kind="idea", category="safety", title="Round the corner",
                                author=None),
        "private": make_entry(visibility="private", title="Only mine"),
    }
    store.save_many(entries.values())
    index = ReviewIndex(store)
    index.load()
    return store, index, entries


def audit_records(store):
    return read_audit(store.data_dir / AUDIT_FILE).records


def test_mark_seen_is_stored_audited_and_indexed(desk):
    store, index, e = desk
    assert index.filter(seen=False)[0] == 3
    result = mark_seen(store, e["idea"].id, by="Anna (team leader)", index=index)
    stored = store.get(e["idea"].id)
    assert stored.seen is True and stored.status == "seen" and result == stored
    assert stored.updated >= e["idea"].updated
    assert index.get(e["idea"].id).seen is True and index.filter(seen=False)[0] == 2
    [record] = audit_records(store)
    assert (record.who, record.action, record.entry) == ("Anna (team leader)", "mark_seen",
                                                         e["idea"].id)
    assert record.before == {"seen": False, "status": "new"}
    assert record.after == {"seen": True, "status": "seen"}
    # Seen again: nothing changes, nothing is logged.
    mark_seen(store, e["idea"].id, by="Anna (team leader)", index=index)
    assert len(audit_records(store)) == 1


def test_mark_seen_keeps_an_observation_status(desk):
    store, index, e = desk
    mark_seen(store, e["obs"].id, by="Anna", index=index)
    assert store.get(e["obs"].id).status == "new"
    assert audit_records(store)[0].after == {"seen": True}


def test_answer_appends_a_signed_response_and_marks_seen(desk):
    store, index, e = desk
    answer(store, e["obs"].id, "  Thanks, maintenance checks the offset today. ", by="Anna",
           index=index)
    answer(store, e["obs"].id, "Done: the offset is on the checklist.", by="Bram", index=index)
    stored = store.get(e["obs"].id)
    assert [(r.by, r.text) for r in stored.responses] == [
        ("Anna", "Thanks, maintenance checks the offset today."),
        ("Bram", "Done: the offset is on the checklist.")]
    assert stored.seen is True
    item = index.get(e["obs"].id)
    assert item.answers == 2 and item.first_answer == stored.responses[0].at
    assert index.filter(text="done: the offset")[0] == 1
    first, second = audit_records(store)
    assert first.before == {"seen": False, "answers": 0}
    assert first.after == {"seen": True, "answers": 1,
                           "answer": "Thanks, maintenance checks the offset today."}
    assert second.before == {"answers": 1} and second.who == "Bram"


def test_status_changes_and_declined_needs_a_reason(desk):
    store, index, e = desk
    with pytest.raises(ReviewError, match="needs a reason"):
        set_status(store, e["idea"].id, "declined", by="Anna", reason="  ", index=index)
    assert store.get(e["idea"].id).status == "new" and audit_records(store) == []

    set_status(store, e["idea"].id, "trying", by="Anna", index=index)
    assert store.get(e["idea"].id).status == "trying"
    set_status(store, e["idea"].id, "declined", by="Anna", reason="Budget is spent this year",
               index=index)
    stored = store.get(e["idea"].id)
    assert (stored.status, stored.status_reason, stored.seen) == (
        "declined", "Budget is spent this year", True)
    assert index.get(e["idea"].id).status == "declined"
    set_status(store, e["idea"].id, "adopted", by="Anna", index=index)
    assert store.get(e["idea"].id).status_reason == ""  # the old reason does not stay
    actions = [(r.action, r.before, r.after) for r in audit_records(store)]
    assert actions[0] == ("set_status", {"status": "new", "seen": False},
                          {"status": "trying", "seen": True})
    assert actions[1] == ("set_status", {"status": "trying", "status_reason": ""},
                          {"status": "declined", "status_reason": "Budget is spent this year"})
    assert actions[2][2] == {"status": "adopted", "status_reason": ""}


@pytest.mark.parametrize("call, message", [
    (lambda s, e: set_status(s, e["obs"].id, "adopted", by="A"), "Only ideas have a status"),
    (lambda s, e: set_status(s, e["idea"].id, "done", by="A"), "Unknown status"),
    (lambda s, e: answer(s, e["obs"].id, "   ", by="A"), "answer is empty"),
    (lambda s, e: answer(s, e["obs"].id, "x" * 4001, by="A"), "longer than 4000"),
    (lambda s, e: answer(s, e["obs"].id, "ok", by=" "), "display name"),
    (lambda s, e: answer(s, e["obs"].id, "ok", by="A" * 81), "longer than 80"),
    (lambda s, e: answer(s, e["obs"].id, "ok", by="Anna\nBram"), "one line"),
    (lambda s, e: answer(s, e["obs"].id, "bad \udc80", by="A"), "broken characters"),
    (lambda s, e: mark_seen(s, e["private"].id, by="A"), "no entry"),
    (lambda s, e: mark_seen(s, "01ABCDEFGHJKMNPQRSTVWXYZ00", by="A"), "no entry"),
    (lambda s, e: mark_seen(s, "not-an-id", by="A"), "no entry"),
])
def test_invalid_actions_are_refused_with_a_clear_message(desk, call, message):
    store, _, e = desk
    before = {key: store.get(entry.id) for key, entry in e.items()}
    with pytest.raises(ReviewError, match=message):
        call(store, e)
    assert {key: store.get(entry.id) for key, entry in e.items()} == before
    assert audit_records(store) == []


def test_read_only_store_refuses_actions(desk, data_dir):
    store, _, e = desk
    readonly = Store(data_dir, readonly=True)
    with pytest.raises(ReviewError, match="read-only"):
        mark_seen(readonly, e["obs"].id, by="Anna")


def test_audit_never_names_an_author(desk):
    store, index, e = desk
    answer(store, e["anon_idea"].id, "Good catch", by="Anna", index=index)
    set_status(store, e["idea"].id, "adopted", by="Anna", index=index)
    mark_seen(store, e["obs"].id, by="Anna", index=index)
    text = (store.data_dir / AUDIT_FILE).read_text(encoding="utf-8")
    assert "heron-42" not in text and "otter-17" not in text and "author" not in text
    for line in text.splitlines():
        assert set(json.loads(line)) <= {"v", "at", "who", "action", "entry", "before", "after",
                                         "note"}


def test_audit_log_is_append_only(desk):
    store, index, e = desk
    path = store.data_dir / AUDIT_FILE
    mark_seen(store, e["obs"].id, by="Anna", index=index)
    first_bytes, first_inode = path.read_bytes(), path.stat().st_ino
    answer(store, e["idea"].id, "Let us try it next week", by="Anna", index=index)
    set_status(store, e["idea"].id, "trying", by="Anna", index=index)
    after = path.read_bytes()
    assert after.startswith(first_bytes) and len(after) > len(first_bytes)
    assert path.stat().st_ino == first_inode  # appended in place, never replaced
    assert after.count(b"\n") == 3 and after.endswith(b"\n")


def test_torn_last_line_is_reported_skipped_and_not_fatal(desk):
    store, index, e = desk
    path = store.data_dir / AUDIT_FILE
    mark_seen(store, e["obs"].id, by="Anna", index=index)
    with open(path, "ab") as handle:  # a crash in the middle of an append
        handle.write(b'{"v":1,"at":"2026-11-27T10:00:00.000Z","who":"An')
    contents = read_audit(path)
    assert len(contents.records) == 1
    [problem] = contents.problems
    assert problem.line == 2 and "unfinished" in problem.problem

    intact = path.read_bytes()
    answer(store, e["idea"].id, "Thanks", by="Anna", index=index)  # the log goes on
    assert path.read_bytes().startswith(intact)
    contents = read_audit(path)
    assert [r.action for r in contents.records] == ["mark_seen", "answer"]
    assert [p.line for p in contents.problems] == [2]
    assert "not a valid record" in contents.problems[0].problem  # no longer the last line


def test_audit_reader_without_a_file(tmp_path):
    contents = read_audit(tmp_path / AUDIT_FILE)
    assert contents.records == [] and contents.problems == []


def test_failed_save_is_audited_as_failed(desk):
    store, index, e = desk
    week_file = store.entries_dir / f"{week_key(e['obs'].id)}.json"
    store.get(e["obs"].id)  # the week is open; now its file cannot be replaced any more
    week_file.rename(week_file.with_suffix(".away"))
    week_file.mkdir()
    with pytest.raises(OSError):
        mark_seen(store, e["obs"].id, by="Anna", index=index)
    records = audit_records(store)
    assert [r.action for r in records] == ["mark_seen", "mark_seen_failed"]
    assert records[1].note.startswith("not saved: ")
    assert index.get(e["obs"].id).seen is False


def test_audit_failure_stops_the_action(desk):
    store, index, e = desk
    (store.data_dir / AUDIT_FILE).mkdir()  # the log cannot be written
    with pytest.raises(AuditError, match="Could not write the audit log"):
        answer(store, e["obs"].id, "Thanks", by="Anna", index=index)
    assert store.get(e["obs"].id).responses == []  # nothing changed without a record


def test_audit_log_used_directly(tmp_path):
    log = AuditLog(tmp_path)
    record = log.append(who="Anna", action="mark_seen", entry="01ABC", before={"seen": False},
                        after={"seen": True})
    assert log.read().records == [record]
    assert os.stat(log.path).st_mode & 0o077 == 0  # not readable by other users
