"""Pilot tests of the learning loop at 80x24: a lesson shared at the station shows in a kiosk's
feed under "Learned elsewhere" without a name; an anonymous writer's reply code shows the answer
to that one entry, and wrong codes are refused and locked out; My learning shows only the
badge's own entries, saves its files and shows QR codes that zxing-cpp reads."""

from __future__ import annotations

import re
from dataclasses import replace

from kiosk.entries import Entry, Response, now_iso
from kiosk.identity import pseudonym
from kiosk.learning import lessons, reply_codes
from kiosk.store import Store
from kiosk.sync import exchange
from kiosk.sync.codec import decode_lines
from kiosk.ui.screens.feed import FeedScreen, MineScreen
from kiosk.ui.screens.lessons import LessonDetailScreen
from kiosk.ui.screens.login import LoginScreen
from kiosk.ui.screens.my_learning import MyLearningScreen, RecordQRScreen, SaveRecordScreen
from kiosk.ui.screens.reply_code import (ReplyAnswersScreen, ReplyCodeEntryScreen,
                                         ReplyCodeShownScreen)
from kiosk.ui.screens.saved import SavedScreen
from kiosk.ui.screens.station.entry import EntryReviewScreen
from kiosk.ui.screens.station.share import ShareLessonScreen
from tests.test_ui_supervisor import open_first, seeded_station
from tests.test_ui_transfer import decode, shown_cells, wait_for, wait_workers
from tests.test_ui_worker import BADGE, login, type_text
from tests.ui_helpers import make_test_app, screen_text


def station_with_lesson(tmp_path, kiosk_id: str) -> Store:
    """A station that got an entry of another kiosk (with an author) and shared it."""
    station = Store(tmp_path / "station")
    entry = Entry.new(kiosk_id="kiosk-paint", station="Paint shop", line="Line P",
                      author="w-PAINTER1", language="en", kind="idea",
                      what_happened="Drips on the door panels",
                      learned="Tape the edges before painting: no drips.")
    station.save(entry.touched(status="adopted"))
    station.save(replace(Entry.new(kiosk_id=kiosk_id, station="Assembly 1", line="Line A",
                                   author=None, language="en", what_happened="Loose guard")))
    lessons.share_lesson(station, entry.id, title="Tape the edges first",
                         text="Tape the edges before painting: no drips.", by="Anna")
    return station


async def test_a_lesson_from_the_station_shows_in_the_feed_with_no_name(tmp_path):
    app, store, _ = make_test_app(tmp_path / "kiosk")
    station = station_with_lesson(tmp_path, app.config.kiosk_id)
    station_config = app.config.with_changes(kiosk_id="station-1", mode="supervisor")
    batch = exchange.export_replies(station, station_config, app.config.kiosk_id)
    [opened] = decode_lines(batch.frames(), app.config.site_key)
    assert exchange.import_batch(store, app.config, opened).lessons == 1
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, FeedScreen)
        text = screen_text(app)
        assert "Learned elsewhere" in text and "Paint shop" in text
        assert "Tape the edges first" in text and "[adopted]" in text
        assert "w-PAINTER1" not in text and "PAINTER" not in text
        await pilot.press("down", "down", "enter")  # the heading row is skipped
        await pilot.pause()
        assert isinstance(app.screen, LessonDetailScreen)
        detail = screen_text(app)
        assert re.search(r"Learned at Paint shop, \d\d-\d\d-\d{4}", detail)
        assert "No names go with it" in detail and "PAINTER" not in detail


async def anonymous_save(app, pilot, text: str) -> str:
    """Write without a badge, save, take the reply code on the saved screen; the code shown."""
    await pilot.press("f2")
    await pilot.pause()
    await type_text(pilot, text)
    await pilot.press("f2")
    await pilot.pause()
    assert isinstance(app.screen, SavedScreen)
    assert "reply code" in screen_text(app).lower()
    await pilot.press("f4")
    await pilot.pause()
    assert isinstance(app.screen, ReplyCodeShownScreen)
    shown = str(app.screen.query_one("#reply-code").render())
    code = re.search(r"R[A-Z2-7]{3}-[A-Z2-7]{4}", shown).group(0)
    assert "shown only now" in screen_text(app)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, SavedScreen) and "Reply code (F4)" not in screen_text(app)
    await pilot.press("f4")  # not again
    await pilot.pause()
    assert isinstance(app.screen, SavedScreen)
    await pilot.press("f10")
    await pilot.pause()
    return code


async def type_code(app, pilot, code: str) -> None:
    await pilot.press("f4")
    await pilot.pause()
    assert isinstance(app.screen, ReplyCodeEntryScreen)
    await pilot.press(*code, "enter")
    await wait_workers(app, pilot)


async def test_a_reply_code_shows_the_answer_to_its_own_entry_only(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        code = await anonymous_save(app, pilot, "The guard of press 2 is loose")
        other_code = await anonymous_save(app, pilot, "Gloves tear on the new crates")
        assert code != other_code and isinstance(app.screen, LoginScreen)
        mine = next(e for e in store.entries() if e.what_happened.startswith("The guard"))
        other = next(e for e in store.entries() if e.what_happened.startswith("Gloves"))
        store.save(replace(mine, responses=[Response(now_iso(), "Team leader",
                                                     "Fixed the guard. Thanks!")]))
        store.save(replace(other, responses=[Response(now_iso(), "Team leader",
                                                      "We order other crates.")]))
        await type_code(app, pilot, code.lower())
        await wait_for(pilot, lambda: isinstance(app.screen, ReplyAnswersScreen))
        text = screen_text(app)
        assert "The guard of press 2 is loose" in text and "Fixed the guard. Thanks!" in text
        assert "crates" not in text.lower() and app.session is None  # that entry, nothing else
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        await pilot.press(*other_code, "enter")  # typed where the badge goes
        await wait_workers(app, pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, ReplyAnswersScreen))
        assert "We order other crates." in screen_text(app) and app.session is None
    assert code not in (app.config.data_dir / "reply_codes.json").read_text(encoding="utf-8")


async def test_a_wrong_reply_code_is_refused_plainly_and_rate_limited(tmp_path):
    app, store, _ = make_test_app(tmp_path, max_pin_attempts=3, lockout_seconds=300)
    [entry] = [Entry.new(kiosk_id=app.config.kiosk_id, station="Assembly 1", line="Line A",
                         author=None, language="en", what_happened="Loose guard")]
    store.save(entry)
    code = reply_codes.issue(store, entry)
    wrong = "R222-2222" if code != "R222-2222" else "R333-3333"
    async with app.run_test(size=(80, 24)) as pilot:
        await type_code(app, pilot, wrong)
        await wait_for(pilot, lambda: "2 tries left" in screen_text(app))
        assert "That code is not known here. 2 tries left." in screen_text(app)
        for _ in range(2):
            await pilot.press(*wrong, "enter")
            await wait_workers(app, pilot)
        await wait_for(pilot, lambda: "Too many wrong codes" in screen_text(app))
        await pilot.press(*code, "enter")  # the right one, but locked out for now
        await wait_workers(app, pilot)
        await wait_for(pilot, lambda: "Too many wrong codes" in screen_text(app))
        assert isinstance(app.screen, ReplyCodeEntryScreen)
        assert "Try again in 5 minutes." in screen_text(app)


async def test_my_learning_shows_only_the_badges_entries_and_takes_them_along(tmp_path):
    app, store, _ = make_test_app(tmp_path / "kiosk", language="nl")
    me = pseudonym(app.config.site_key, BADGE)
    for author, text in ((me, "Kapotte handschoen bij de pers"),
                         ("w-OTHER0002", "GEHEIM van een ander"),
                         (None, "Anoniem over de vloer"), (me, "Label scheef op dun papier")):
        store.save(Entry.new(kiosk_id=app.config.kiosk_id, station="Assembly 1", line="Line A",
                             author=author, language="nl", what_happened=text,
                             next_step="Dubbel plakband proberen" if "Label" in text else ""))
    usb = tmp_path / "usb"
    usb.mkdir()
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, MineScreen)
        await pilot.press("f7")
        await wait_workers(app, pilot)
        assert isinstance(app.screen, MyLearningScreen)
        await wait_for(pilot, lambda: "Kapotte" in screen_text(app))
        text = screen_text(app)
        assert "2 notities" in text and "Label scheef" in text and "Dubbel plakband" in text
        assert "GEHEIM" not in text and "Anoniem over" not in text
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, SaveRecordScreen)
        app.screen.query_one("#folder").value = str(usb)
        await pilot.press("enter")
        await wait_workers(app, pilot)
        await wait_for(pilot, lambda: "Opgeslagen" in screen_text(app))
        files = sorted(p.name for p in usb.iterdir())
        assert len(files) == 2 and files[0].startswith("mijn-leren-")
        saved = (usb / files[0]).read_text(encoding="utf-8")  # the .html
        assert "Kapotte handschoen" in saved and "GEHEIM" not in saved
        await pilot.press("escape", "f5")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, RecordQRScreen)
        await wait_for(pilot, lambda: app.screen.parts)
        first = decode(shown_cells(app.screen.query_one("#qr")))
        assert first.startswith(f"(1/{len(app.screen.parts)}) Mijn leren bij Assembly 1")
        await pilot.press("right")
        assert decode(shown_cells(app.screen.query_one("#qr"))).startswith("(2/")
        await pilot.press("escape", "f10")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
    assert not any("leren" in p.name for p in app.config.data_dir.rglob("*"))


async def test_my_learning_needs_a_badge(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2", "f4")  # anonymous, My entries
        await pilot.pause()
        await pilot.press("f7")
        await pilot.pause()
        assert isinstance(app.screen, MineScreen)
        assert any("needs your badge" in str(n.message) for n in app._notifications)


async def test_the_supervisor_shares_an_entry_with_f4(tmp_path):
    app, store, made = seeded_station(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(app, pilot)
        entry = app.screen.entry
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, ShareLessonScreen)
        assert "No name goes with it" in screen_text(app)
        assert app.screen.query_one("#lesson-title").value == entry.headline
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, EntryReviewScreen)
        lesson = lessons.shared_lesson(store, entry.id)
        assert lesson.title == entry.headline and lesson.text == entry.what_happened
        await pilot.press("f4")
        await pilot.pause()
        assert "Shared already" in screen_text(app)
        await pilot.press("f8")
        await pilot.pause()
        assert lessons.shared_lesson(store, entry.id) is None
    audit = (app.config.data_dir / "audit.jsonl").read_text(encoding="utf-8")
    assert '"share_lesson"' in audit and '"withdraw_lesson"' in audit



async def test_an_adopted_idea_shows_its_status_in_its_own_stations_feed(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    idea = Entry.new(kiosk_id=app.config.kiosk_id, station=app.config.station, line="Line A",
                     author="w-COLLEAGUE", language="en", kind="idea",
                     what_happened="Hang the scanner at the end of the line")
    store.save(replace(idea, status="adopted"))
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("f3")
        await pilot.pause()
        assert "Hang the scanner" in screen_text(app) and "[adopted]" in screen_text(app)


async def test_a_feed_with_only_lessons_from_elsewhere_opens_them(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    lesson = lessons.Lesson("01JNDA0KEGGPHFPGQR7SCKGARX", "Paint shop", "2026-03-02",
                            "observation", "safety", "new", "en", "", "Wear the mask [b]x[/b]")
    lessons.receive(store, [(lesson.id, lesson)])
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("f3")
        await pilot.pause()
        text = screen_text(app)
        assert "Nothing shared at this station yet" in text and "Learned elsewhere" in text
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonDetailScreen)
        assert "Wear the mask [b]x[/b]" in screen_text(app)  # shown literally
