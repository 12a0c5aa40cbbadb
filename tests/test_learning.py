"""The rules of kiosk/learning/ on real stores: sharing lessons, reply codes and their lock-out,
My learning (only the badge's own entries) and taking it along (escaped files, QR codes that
zxing-cpp reads back to the text)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date

import pytest
import zxingcpp

from kiosk.config import load_config
from kiosk.entries import Response, now_iso
from kiosk.i18n import Strings
from kiosk.learning import lessons, record_qr, reply_codes
from kiosk.learning.my_learning import build_record
from kiosk.learning.record_files import RecordError, render_html, render_markdown, save_record
from kiosk.store import Store
from kiosk.sync import qr
from support.samples import sample_entries

ME, OTHER = "w-ME000001", "w-OTHER002"


@pytest.fixture
def config(tmp_path):
    return load_config(env={}).with_changes(data_dir=tmp_path / "data", max_pin_attempts=3,
                                            lockout_seconds=300)


# -- lessons ----------------------------------------------------------------------------------
def test_a_shared_lesson_keeps_no_author_and_is_audited(store):
    [entry] = sample_entries(1, seed=1)
    entry = replace(entry, author=ME, learned="Clean the nozzle every shift.")
    store.save(entry)
    title, text = lessons.suggested_wording(entry)
    assert text == "Clean the nozzle every shift." and title == entry.headline
    lesson = lessons.share_lesson(store, entry.id, title=title, text=text, by="Anna")
    assert ME not in json.dumps(lesson.to_dict()) and entry.id not in json.dumps(lesson.to_dict())
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", lesson.day)  # the day, not the time
    audit = (store.data_dir / "audit.jsonl").read_text(encoding="utf-8")
    assert '"share_lesson"' in audit and "Anna" in audit and entry.id in audit
    assert lessons.share_lesson(store, entry.id, title=title, text=text, by="Anna") == lesson
    assert audit == (store.data_dir / "audit.jsonl").read_text(encoding="utf-8")  # no change


def test_an_entry_meant_for_the_supervisor_is_shared_only_in_other_words(store):
    [entry] = sample_entries(1, seed=2)
    entry = replace(entry, visibility="supervisor", learned="My foreman shouts at me.")
    store.save(entry)
    assert lessons.suggested_wording(entry) == ("", "")
    with pytest.raises(lessons.LessonError, match="your own words"):
        lessons.share_lesson(store, entry.id, title="", text=" my foreman  shouts at me. ",
                             by="Anna")
    lesson = lessons.share_lesson(store, entry.id, title="", by="Anna",
                                  text="Say it calmly when a line stops: people listen better.")
    assert lesson.text.startswith("Say it calmly")


def test_private_unknown_and_empty_shares_are_refused(store):
    [entry] = sample_entries(1, seed=3)
    store.save(replace(entry, visibility="private"))
    with pytest.raises(lessons.LessonError, match="no entry"):
        lessons.share_lesson(store, entry.id, title="", text="x", by="Anna")
    with pytest.raises(lessons.LessonError, match="no text"):
        lessons.share_lesson(store, entry.id, title="t", text="   ", by="Anna")
    with pytest.raises(lessons.LessonError, match="display name"):
        lessons.share_lesson(store, entry.id, title="", text="x", by=" ")
    assert not lessons.withdraw_lesson(store, entry.id, by="Anna")


def test_a_kiosk_keeps_lessons_once_and_removes_withdrawn_ones(store):
    lesson = lessons.Lesson("01JNDA0KEGGPHFPGQR7SCKGARX", "Paint shop", "2026-03-02", "idea",
                            "quality", "adopted", "nl", "Tape", "Eerst afplakken.")
    assert lessons.receive(store, [(lesson.id, lesson)]) == 1
    before = (store.data_dir / "lessons.json").read_bytes()
    assert lessons.receive(store, [(lesson.id, lesson)]) == 0
    assert (store.data_dir / "lessons.json").read_bytes() == before
    assert lessons.received_lessons(store) == [lesson]
    [seen] = lessons.seen_before_candidates(store)
    assert seen.headline == "Paint shop: Tape" and seen.visibility == "team"
    assert lessons.receive(store, [(lesson.id, None)]) == 1
    assert lessons.received_lessons(store) == []


def test_retention_removes_old_lessons(store):
    lesson = lessons.Lesson("01JNDA0KEGGPHFPGQR7SCKGARX", "Paint shop", "2026-03-02", "idea",
                            "quality", "new", "nl", "", "Eerst afplakken.")
    lessons.receive(store, [(lesson.id, lesson)])
    assert lessons.remove_older_than(store, "2000-01-01T00:00:00.000Z") == 0
    assert lessons.remove_older_than(store, "2999-01-01T00:00:00.000Z") == 1
    assert lessons.received_lessons(store) == []


# -- reply codes --------------------------------------------------------------------------------
def test_reply_codes_look_like_the_example_and_have_no_look_alikes():
    codes = {reply_codes.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"R[A-Z2-7]{3}-[A-Z2-7]{4}", code)
        assert not set(code) & set("01OIL8BSZ9")
        assert reply_codes.normalise(code.lower().replace("-", " ")) == code
    assert reply_codes.looks_like_code("R7KQ-M2XA") and reply_codes.looks_like_code("r7kqm2xa")
    assert not reply_codes.looks_like_code("BADGE-0042") and not reply_codes.looks_like_code("1234")


def test_only_the_hash_is_kept_and_a_code_opens_its_own_entry_only(store, config):
    first, second = sample_entries(2, seed=4)
    first, second = replace(first, author=None), replace(second, author=None)
    store.save_many([first, second])
    code_1, code_2 = reply_codes.issue(store, first), reply_codes.issue(store, second)
    kept = (store.data_dir / "reply_codes.json").read_text(encoding="utf-8")
    for code in (code_1, code_2):
        assert code not in kept and code.replace("-", "") not in kept
    assert reply_codes.check_code(store, config, code_1).entry.id == first.id
    assert reply_codes.check_code(store, config, code_2).entry.id == second.id
    with pytest.raises(reply_codes.ReplyCodeError, match="already has a reply code"):
        reply_codes.issue(store, first)
    [badge] = sample_entries(1, seed=5)
    with pytest.raises(reply_codes.ReplyCodeError):
        reply_codes.issue(store, badge)  # an entry with a badge
    with pytest.raises(reply_codes.ReplyCodeError):
        reply_codes.issue(store, replace(first, visibility="private"))


def test_wrong_codes_are_refused_plainly_and_locked_out_like_the_pin(tmp_path, config):
    store = Store(config.data_dir)
    [entry] = sample_entries(1, seed=6)
    entry = replace(entry, author=None)
    store.save(entry)
    code = reply_codes.issue(store, entry)
    wrong = "R222-2222" if code != "R222-2222" else "R333-3333"
    assert reply_codes.check_code(store, config, "R7KQ").key == "learning.reply.malformed"
    said = [reply_codes.check_code(store, config, wrong) for _ in range(3)]
    texts = [Strings("en")(c.key, **c.values) for c in said]
    assert texts[:2] == ["That code is not known here. 2 tries left.",
                         "That code is not known here. 1 try left."]
    assert texts[2] == "Too many wrong codes. Try again in 5 minutes."
    locked = reply_codes.check_code(store, config, code)  # the right code, but locked out
    assert locked.entry is None and locked.key == "learning.reply.locked"
    store.close()
    with Store(config.data_dir) as again:  # the lock-out survives a restart
        assert reply_codes.check_code(again, config, code).entry is None
        assert again.get_meta("pin_lockout") is None  # the PIN's own count is untouched


def test_a_code_whose_entry_is_gone_says_so_and_is_forgotten(store, config):
    [entry] = sample_entries(1, seed=7)
    entry = replace(entry, author=None)
    store.save(entry)
    code = reply_codes.issue(store, entry)
    store.remove_entries([entry.id])
    assert reply_codes.check_code(store, config, code).key == "learning.reply.gone"
    assert not reply_codes.has_code(store, entry.id)


# -- My learning --------------------------------------------------------------------------------
def record_entries():
    made = sample_entries(6, seed=8)
    mine = [replace(e, author=ME, kind="idea" if i == 0 else e.kind,
                    next_step="Try the short hose." if i < 2 else "")
            for i, e in enumerate(made[:4])]
    mine[0] = replace(mine[0], status="adopted", responses=[
        Response(now_iso(), "Team leader", "We do it on every line now.")])
    theirs = [replace(e, author=OTHER, learned="SECRET of someone else") for e in made[4:]]
    return mine, theirs


def test_my_learning_holds_only_the_badges_own_entries(store):
    mine, theirs = record_entries()
    store.save_many([*mine, *theirs, replace(theirs[0], id=sample_entries(7, seed=9)[6].id,
                                             author=None)])
    record = build_record(store, ME)
    assert record.entries == 4
    assert sum(m.total for m in record.months) == 4
    assert all("SECRET" not in x.text for x in record.learned)
    assert [t.plan for t in record.tries] == ["Try the short hose."] * 2
    assert {t.status for t in record.tries} >= {"adopted"}
    assert [a.text for a in record.answers] == ["We do it on every line now."]
    assert record.ideas == {"adopted": 1}
    assert build_record(store, None).empty and build_record(store, "w-NOBODY").empty


def test_the_record_files_escape_what_people_wrote_and_never_overwrite(store, tmp_path):
    [entry] = sample_entries(1, seed=10)
    store.save(replace(entry, author=ME, title="<script>alert(1)</script>",
                       learned="Use *two* hands & [click](http://x) | `rm`"))
    record = build_record(store, ME)
    t = Strings("nl")
    page = render_html(record, t, "Assembly 1", date(2026, 11, 27), "nl")
    assert "<script>" not in page and "&lt;script&gt;" in page and 'lang="nl"' in page
    assert "Wat ik leerde" in page
    text = render_markdown(record, t, "Assembly 1", date(2026, 11, 27))
    assert "\\<script\\>" in text and "\\*two\\*" in text and "\\[click\\]" in text
    assert "<script>" not in text and "\\|" in text
    usb = tmp_path / "usb"
    usb.mkdir()
    first = save_record(record, usb, t, station="Assembly 1", today=date(2026, 11, 27),
                        language="nl")
    second = save_record(record, usb, t, station="Assembly 1", today=date(2026, 11, 27),
                         language="nl")
    assert [p.name for p in first] == ["mijn-leren-2026-11-27.md", "mijn-leren-2026-11-27.html"]
    assert [p.name for p in second] == ["mijn-leren-2026-11-27-2.md",
                                        "mijn-leren-2026-11-27-2.html"]
    with pytest.raises(RecordError, match="no folder"):
        save_record(record, tmp_path / "no-stick", Strings("en"), station="A",
                    today=date(2026, 11, 27), language="en")


def test_the_record_as_qr_codes_reads_back_to_its_text():
    text = "Mijn leren bij Assemblage 1\n" + "\n".join(
        f"- 0{i}-03-2026 Eén keer meten, dan pas snijden; de mal ligt links ({i})"
        for i in range(9))
    version = record_qr.version_for_area(48, 23)
    assert version == 5
    parts = record_qr.parts(text, record_qr.byte_capacity(version))
    assert len(parts) > 5 and parts[0].startswith(f"(1/{len(parts)}) ")
    read = []
    for part in parts:
        assert len(part.encode()) <= record_qr.byte_capacity(version)
        cells = record_qr.render(part, version)
        assert (len(cells[0]), len(cells)) == qr.cells_for(version)
        [found] = zxingcpp.read_barcodes(qr.rasterise(cells, scale=3),
                                         formats=zxingcpp.BarcodeFormat.QRCode)
        read.append(found.text)
    assert read == parts
    body = "\n".join(re.sub(r"^\(\d+/\d+\) ", "", p) for p in read)
    assert body.replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")


def test_seen_before_offers_a_lesson_from_elsewhere(store):
    from kiosk.coach.classify import related

    lesson = lessons.Lesson("01JNDA0KEGGPHFPGQR7SCKGARX", "Paint shop", "2026-03-02", "idea",
                            "quality", "adopted", "en", "Tape the edges first",
                            "Tape the edges of the door panel before painting: no more drips.")
    lessons.receive(store, [(lesson.id, lesson)])
    found = related("Paint drips on the edges of the door panel again", "en",
                    lessons.seen_before_candidates(store))
    assert [r.entry.headline for r in found] == ["Paint shop: Tape the edges first"]


def test_retention_takes_old_lessons_and_the_codes_of_removed_entries(store, config):
    from datetime import datetime, timedelta, timezone

    from kiosk.ops.retention import apply_retention, plan_retention

    [entry] = sample_entries(1, seed=11)  # written in 2025: past a 30-day limit
    entry = replace(entry, author=None, sync="synced")
    store.save(entry)
    reply_codes.issue(store, entry)
    lesson = lessons.Lesson("01JNDA0KEGGPHFPGQR7SCKGARX", "Paint shop", "2026-03-02", "idea",
                            "quality", "new", "nl", "", "Eerst afplakken.")
    lessons.receive(store, [(lesson.id, lesson)])
    later = datetime.now(timezone.utc) + timedelta(days=40)
    apply_retention(store, plan_retention(store, config.with_changes(retention_days=30), later))
    assert store.get(entry.id) is None and not reply_codes.has_code(store, entry.id)
    assert lessons.received_lessons(store) == []


def test_my_learning_says_how_a_followed_up_try_went(store):
    """The follow-up's answer and line (issue 13, part 1) show under the try in My learning."""
    from kiosk.learning.followup import record_answer
    from kiosk.learning.my_learning import try_outcomes
    from kiosk.learning.record_files import render_markdown

    mine, _ = record_entries()
    store.save_many(mine)
    planned = [e for e in mine if e.next_step]
    record_answer(store, planned[0].id, "worked", "No more leaks since Monday.")
    record_answer(store, planned[1].id, "not_yet")
    t = Strings("nl")
    outcomes = try_outcomes(store, ME, t)
    assert outcomes == {planned[0].id: "Gelukt: No more leaks since Monday."}
    assert try_outcomes(store, None, t) == {}
    text = render_markdown(build_record(store, ME, outcomes), t, "Assembly 1", date(2026, 11, 27))
    assert "Gelukt: No more leaks since Monday." in text
