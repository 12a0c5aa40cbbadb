"""Pilot tests of the worker's flow at the kiosk: login, capture, save, feed, drafts, idle, lock-down."""

from __future__ import annotations

from kiosk.answers import unread_answers
from kiosk.identity import pseudonym
from kiosk.store import Store
from kiosk.ui.screens.capture import CaptureScreen
from kiosk.ui.screens.feed import FeedScreen, MineScreen
from kiosk.ui.screens.login import LoginScreen
from kiosk.ui.screens.saved import SavedScreen
from tests.ui_helpers import make_test_app, pick_language, screen_text

BADGE = "BADGE-0042"


async def login(pilot, badge: str = BADGE) -> None:
    await pilot.press(*badge, "enter")
    await pilot.pause()


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[("space" if ch == " " else ch) for ch in text])


async def test_badge_login_write_save_and_see_in_feed(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, LoginScreen)
        await login(pilot)
        assert isinstance(app.screen, CaptureScreen)
        await type_text(pilot, "Printer jammed on thin labels")
        await pilot.press("tab")
        await type_text(pilot, "The new label stock is thinner")
        await pilot.press("shift+tab", "shift+tab", "shift+tab", "right", "right")  # other->quality
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, SavedScreen)
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, FeedScreen)
        assert "Printer jammed on thin labels" in screen_text(app)

    entries = list(Store(tmp_path, readonly=True).entries())
    assert len(entries) == 1
    entry = entries[0]
    assert entry.what_happened == "Printer jammed on thin labels"
    assert entry.noticed == "The new label stock is thinner"
    assert entry.category == "quality"
    assert entry.author == pseudonym(app.config.site_key, BADGE)
    assert BADGE not in str(entry.to_dict())  # the badge itself is never stored
    assert entry.station == app.config.station and entry.visibility == "team"


async def test_anonymous_entry_has_no_author_and_no_draft(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")  # no badge
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen)
        assert app.session.anonymous
        await type_text(pilot, "Forklift horn is broken")
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, SavedScreen)
    [entry] = list(store.entries())
    assert entry.author is None
    assert store.load_draft(f"anonymous@{app.config.station}") is None


async def test_idle_logout_keeps_draft_and_restores_it_for_the_same_badge(tmp_path):
    app, store, clock = make_test_app(tmp_path, idle_timeout=60, idle_warning=20)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await type_text(pilot, "Half a thought")
        await pilot.press("tab")
        await type_text(pilot, "and why")

        clock.advance(45)
        app.tick_idle()
        await pilot.pause()
        banner = app.screen.query_one("#idle-banner")
        assert banner.display and "15 s" in str(banner.render())

        clock.advance(16)
        app.tick_idle()
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        assert app.session is None

        # a different badge does not see it
        await login(pilot, "OTHER-7")
        assert app.screen.query_one("#what_happened").text == ""
        await pilot.press("f10")
        await pilot.pause()

        await login(pilot)
        assert app.screen.query_one("#what_happened").text == "Half a thought"
        assert app.screen.query_one("#noticed").text == "and why"

    draft = Store(tmp_path, readonly=True).load_draft(pseudonym(app.config.site_key, BADGE))
    assert draft["what_happened"] == "Half a thought"


async def test_activity_resets_the_idle_countdown(tmp_path):
    app, _, clock = make_test_app(tmp_path, idle_timeout=60, idle_warning=20)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        clock.advance(50)
        app.tick_idle()
        await pilot.pause()
        assert app.screen.query_one("#idle-banner").display
        await pilot.press("x")
        await pilot.pause()
        assert not app.screen.query_one("#idle-banner").display
        clock.advance(50)
        app.tick_idle()
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen)


async def test_draft_is_on_disk_while_typing(tmp_path):
    """A crash or power cut right after typing loses at most the last second."""
    app, store, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await type_text(pilot, "Typed before the power cut")
        app.screen.save_draft()  # what the debounce timer does a second after typing
        key = pseudonym(app.config.site_key, BADGE)
        on_disk = Store(tmp_path, readonly=True).load_draft(key)
        assert on_disk["what_happened"] == "Typed before the power cut"


async def test_quit_keys_are_refused_without_pin(tmp_path):
    app, _, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("ctrl+q", "ctrl+c", "ctrl+z", "ctrl+backslash", "escape"):
            await pilot.press(key)
            await pilot.pause()
            assert app.is_running and app.return_code is None
        assert isinstance(app.screen, LoginScreen)
        # an injected quit action (e.g. from a link) asks for the PIN instead of exiting
        await app.run_action("quit")
        await pilot.pause()
        assert app.is_running and app.screen.__class__.__name__ == "PinScreen"
        await pilot.press(*"9999", "enter")
        await pilot.pause()
        assert app.is_running
        assert "Wrong PIN" in screen_text(app)


async def test_supervisor_pin_cannot_quit_admin_pin_can(tmp_path):
    app, _, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f12", *"4321", "enter")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "AdminScreen"
        assert app.screen.query_one("#quit").disabled
        await pilot.press("escape", "f12", *"1234", "enter")
        await pilot.pause()
        quit_button = app.screen.query_one("#quit")
        assert not quit_button.disabled
        await pilot.click("#quit")
        await pilot.pause()
    assert app.return_code == 0


async def test_wrong_pins_lock_out_and_the_lockout_survives_a_restart(tmp_path):
    app, store, _ = make_test_app(tmp_path, max_pin_attempts=3, lockout_seconds=600)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f12")
        for _ in range(3):
            await pilot.press(*"0000", "enter")
            await pilot.pause()
        assert "Too many wrong PINs" in screen_text(app)
        await pilot.press(*"1234", "enter")  # right PIN, but locked
        await pilot.pause()
        assert app.screen.__class__.__name__ == "PinScreen"
    store.close()
    app2, _, _ = make_test_app(tmp_path, max_pin_attempts=3, lockout_seconds=600)
    async with app2.run_test(size=(80, 24)) as pilot:
        await pilot.press("f12", *"1234", "enter")
        await pilot.pause()
        assert app2.screen.__class__.__name__ == "PinScreen"
        assert "Too many wrong PINs" in screen_text(app2)


async def test_my_entries_show_the_supervisor_answer(tmp_path):
    from kiosk.entries import Entry, Response, now_iso

    app, store, _ = make_test_app(tmp_path)
    author = pseudonym(app.config.site_key, BADGE)
    entry = Entry.new(kiosk_id="k", station=app.config.station, line="L", author=author,
                      language="en", kind="idea", what_happened="Move cartons to mid-line")
    entry.responses.append(Response(at=now_iso(), by="Team lead", text="Good idea, we try it"))
    entry.status = "trying"
    store.save(entry)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot)
        assert unread_answers(store, author) == [entry.id]
        assert app.answers_message([entry.id]).startswith(
            'Your idea "Move cartons to mid-line" was answered (after 1 min)')
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, MineScreen)
        assert "New answer" in screen_text(app)  # marked: not read before
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(app)
        assert "Good idea, we try it" in text and "being tried" in text
        assert unread_answers(store, author) == []


async def test_empty_entry_is_not_saved(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen)
    assert store.count() == 0


async def test_bad_badge_gets_a_clear_message(tmp_path):
    app, _, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a", "b", "enter")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        assert "3 to 64 characters" in screen_text(app)


async def test_hostile_text_is_stored_and_shown_literally(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    hostile = "[bold red]boom[/] [@click=app.quit]x[/] \x1b[31mred"
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        app.screen.query_one("#what_happened").load_text(hostile)
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press("f3")
        await pilot.pause()
        assert "[bold red]boom[/]" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert "[@click=app.quit]x[/]" in screen_text(app)
        assert app.is_running
    [entry] = list(store.entries())
    assert entry.what_happened == hostile


async def test_mouse_and_touch_work_without_a_keyboard(tmp_path):
    from kiosk.ui.widgets.cycler import Cycler
    from kiosk.ui.widgets.keybar import KeyButton

    app, store, _ = make_test_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        anonymous = next(b for b in app.screen.query(KeyButton) if b.key_def.key == "f2")
        await pilot.click(anonymous)
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen)
        await pilot.click("#category")  # other -> safety
        await pilot.pause()
        assert app.screen.query_one("#category", Cycler).value == "safety"
        await pilot.click("#what_happened")
        await type_text(pilot, "Clicked in")
        save = next(b for b in app.screen.query(KeyButton) if b.key_def.key == "f2")
        await pilot.click(save)
        await pilot.pause()
        assert isinstance(app.screen, SavedScreen)
        await pilot.click("#feed")
        await pilot.pause()
        assert isinstance(app.screen, FeedScreen)
    [entry] = list(store.entries())
    assert entry.category == "safety" and entry.what_happened == "Clicked in"


async def test_survives_resizing_down_to_80x24_and_below(tmp_path):
    app, _, _ = make_test_app(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await login(pilot)
        await type_text(pilot, "Resize me")
        for size in [(120, 40), (80, 24), (60, 18), (40, 12), (80, 24)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
        assert app.is_running
        assert app.screen.query_one("#what_happened").text == "Resize me"
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, SavedScreen)


async def test_the_running_app_applies_retention_once_a_day(tmp_path):
    from datetime import datetime, timedelta, timezone

    from kiosk.entries import Entry, new_id

    app, store, _ = make_test_app(tmp_path, retention_days=30)
    old_time = (datetime.now(timezone.utc) - timedelta(days=60))
    stamp = old_time.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    old_synced = Entry(id=new_id(old_time.timestamp()), kiosk_id="k", station="A", line="L",
                       author=None, language="en", kind="observation", category="other",
                       what_happened="old and synced", created=stamp, updated=stamp,
                       sync="synced")
    old_unsent = Entry(id=new_id(old_time.timestamp() + 1), kiosk_id="k", station="A", line="L",
                       author=None, language="en", kind="observation", category="other",
                       what_happened="old, never sent", created=stamp, updated=stamp)
    store.save(old_synced)
    store.save(old_unsent)
    async with app.run_test(size=(80, 24)) as pilot:
        app.daily_retention()
        await app.workers.wait_for_complete()
        await pilot.pause()
    ids = {e.id for e in store.entries()}
    assert old_synced.id not in ids and old_unsent.id in ids
    assert store.get_meta("retention_last_run", 0) > 0


async def test_admin_menu_works_with_arrow_keys(tmp_path):
    app, _, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f12", *"1234", "enter")
        await pilot.pause()
        assert app.focused.id == "export"
        await pilot.press("down", "down", "down", "down")
        assert app.focused.id == "quit"
        await pilot.press("up")
        assert app.focused.id == "back"
        await pilot.press("down", "enter")
        await pilot.pause()
    assert app.return_code == 0


async def test_the_key_bar_fits_80_columns_in_dutch_by_dropping_spaces(tmp_path):
    from kiosk.ui.widgets.keybar import KeyBar, KeyButton

    app, _, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        bar = app.screen.query_one(KeyBar)
        assert not bar.has_class("-compact")  # English fits with the spaces
        await pilot.press("f10")
        await pilot.pause()
        await pick_language(pilot, "nl")
        await login(pilot)
        bar = app.screen.query_one(KeyBar)
        await pilot.pause()
        buttons = list(bar.query(KeyButton))
        assert bar.has_class("-compact") and buttons[-1].text == "Beheer"
        assert sum(b.region.width for b in buttons) <= 80
        assert buttons[-1].region.right <= 80  # F12 Beheer is on the screen, not cut off
        assert str(buttons[3].render()) == "F4Mijn notities "


async def test_a_burst_of_keys_with_tab_goes_on_in_the_next_field(tmp_path):
    """As from a paste or a scanner: the keys arrive at once, before the app handled the Tab."""
    from textual import events

    app, _, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        for key, char in [*[(c, c) for c in "ab"], ("tab", "\t"), *[(c, c) for c in "cd"]]:
            app.post_message(events.Key(key, char))  # queued like the driver does, no waiting
        await pilot.pause()
        await pilot.pause()
        assert app.screen.query_one("#what_happened").text == "ab"
        assert app.screen.query_one("#noticed").text == "cd"
