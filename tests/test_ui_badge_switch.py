"""A second badge scanned during a session (issue 16 item 3): the scanner's fast burst and Enter
switch to its owner on any worker screen, the first worker's draft is kept and the code never stays
in a text box; keys typed by hand are never a badge. Real stores; key timing from the app's
injectable clock (a test clock here), never from sleeps."""

from __future__ import annotations

import time

import pytest
from textual import events

from kiosk.identity import pseudonym
from kiosk.store import Store
from kiosk.ui.app import make_app
from kiosk.ui.screens.capture import CaptureScreen
from tests.ui_helpers import FIXED_NOW, make_test_app, screen_text

FIRST, SECOND = "E1234567", "B99887766"
HAND = 0.15  # seconds between keys typed by hand (fast typing is about 0.1 s)


async def by_hand(pilot, clock, keys) -> None:
    for key in keys:
        clock.advance(HAND)
        await pilot.press(key)


async def scan(pilot, clock, code: str) -> None:
    """A keyboard-wedge scanner: after a pause, every key at once (the test clock stands still)
    and Enter."""
    clock.advance(60)
    await pilot.press(*code, "enter")
    await pilot.pause()
    await pilot.pause()


async def test_a_badge_scanned_while_writing_switches_to_its_owner_and_keeps_the_draft(tmp_path):
    app, store, clock = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, clock, FIRST)
        await by_hand(pilot, clock, [*"Pallet", "space", *"tipped", "home"])  # cursor moved back
        await scan(pilot, clock, SECOND)  # the colleague, while the first worker is away

        assert app.session.author == pseudonym(app.config.site_key, SECOND)
        assert isinstance(app.screen, CaptureScreen)
        assert app.screen.query_one("#what_happened").text == ""
        text = screen_text(app)
        assert "Badge ending 7766" in text and "Badge ending 4567" not in text
        assert SECOND not in text
        kept = store.load_draft(pseudonym(app.config.site_key, FIRST))
        assert kept["what_happened"] == "Pallet tipped"  # saved, without the colleague's code

        await pilot.press("f10")
        await scan(pilot, clock, FIRST)
        assert app.screen.query_one("#what_happened").text == "Pallet tipped"
    assert SECOND not in (tmp_path / "drafts.json").read_text()


@pytest.mark.parametrize("keys", [["f4"], ["f3"], ["f4", "enter"], ["f1"]],
                         ids=["my entries", "feed", "an entry", "help"])
async def test_a_badge_scan_on_any_worker_screen_switches(tmp_path, keys):
    app, store, clock = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, clock, FIRST)
        await by_hand(pilot, clock, "Glue")
        if "enter" in keys:  # something to open in "My entries"
            await by_hand(pilot, clock, ["f2", "enter"])
        for key in keys:
            clock.advance(1)
            await pilot.press(key)
            await pilot.pause()
        await scan(pilot, clock, SECOND)
        assert app.session.author == pseudonym(app.config.site_key, SECOND)
        assert isinstance(app.screen, CaptureScreen) and len(app.screen_stack) == 3
        assert app.screen.query_one("#what_happened").text == ""


async def test_a_code_typed_by_hand_with_enter_stays_text(tmp_path):
    app, _, clock = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, clock, FIRST)
        await by_hand(pilot, clock, [*SECOND, "enter", *"ok"])
        assert app.session.author == pseudonym(app.config.site_key, FIRST)
        assert app.screen.query_one("#what_happened").text == f"{SECOND}\nok"


async def test_a_key_held_down_and_enter_is_not_a_badge(tmp_path):
    app, _, clock = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, clock, FIRST)
        await pilot.press(*"xxxxxx", "enter")  # auto-repeat: as fast as a scanner
        assert app.session.author == pseudonym(app.config.site_key, FIRST)
        assert app.screen.query_one("#what_happened").text == "xxxxxx\n"


@pytest.mark.parametrize("gap, switched", [(0.2, False), (0.005, True)],
                         ids=["typed by hand", "scanned"])
async def test_the_keys_arrival_time_decides_not_when_a_busy_app_handles_them(tmp_path, gap,
                                                                               switched):
    """With the real clock the time is the one Textual stamps on each key as it is read from the
    terminal: keys typed by hand while the app was busy (all handled at once afterwards) are
    still hand typing."""
    from kiosk.config import load_config

    config = load_config(env={}).with_changes(data_dir=tmp_path, animations=False)
    app = make_app(config, Store(tmp_path), clock=time.monotonic, wall_clock=lambda: FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*FIRST, "enter")
        await pilot.pause()
        read_at = time.monotonic() - 5  # read from the terminal during a 5 s stall
        for index, key in enumerate([*SECOND, "enter"]):
            event = events.Key(key, key if len(key) == 1 else "\r")
            event.time = read_at + index * gap
            app.post_message(event)  # all queued at once, as after the stall
        await pilot.pause()
        await pilot.pause()
        await pilot.pause()
        author = pseudonym(config.site_key, SECOND if switched else FIRST)
        assert app.session.author == author
        assert app.screen.query_one("#what_happened").text == ("" if switched else f"{SECOND}\n")


async def test_words_at_scanner_speed_are_text_not_a_badge(tmp_path):
    """Tried in tmux (which types at scanner speed): " bij de rolwissel?" and Enter in the edit
    box of a suggestion logged the worker out and a new "badge" in. A badge has no spaces."""
    app, _, clock = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, clock, FIRST)
        clock.advance(60)
        await pilot.press(*"bij", "space", *"de", "space", *"rolwissel?", "enter")
        await pilot.pause()
        assert app.session.author == pseudonym(app.config.site_key, FIRST)
        assert app.screen.query_one("#what_happened").text == "bij de rolwissel?\n"
