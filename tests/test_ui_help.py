"""F1 help at 80x24 (issue 16 item 7): it scrolls with the arrow keys and PgUp/PgDn, its paragraphs
wrap to the box without broken lines, and notifications never cover it. The real string files."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from kiosk.ui.screens.help import HelpScreen
from tests.test_ui_worker import login
from tests.ui_helpers import make_test_app


async def open_help(pilot) -> HelpScreen:
    await pilot.press("f1")
    await pilot.pause()
    assert isinstance(pilot.app.screen, HelpScreen)
    return pilot.app.screen


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_help_scrolls_to_its_last_line_with_the_keys_at_80x24(tmp_path, language):
    app, _, _ = make_test_app(tmp_path, language=language)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        help_screen = await open_help(pilot)
        scroll = help_screen.query_one("#help-scroll")
        last = help_screen.query(".help-paragraph").last()
        assert scroll.max_scroll_y > 0  # more text than fits at 24 lines
        assert not scroll.region.contains_region(last.region)
        for _ in range(10):
            await pilot.press("pagedown")
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y
        assert scroll.region.contains_region(last.region)
        await pilot.press("up")
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y - 1
        for _ in range(10):
            await pilot.press("pageup")
        await pilot.pause()
        assert scroll.scroll_y == 0
        await pilot.press("down")
        await pilot.pause()
        assert scroll.scroll_y == 1
        assert help_screen.query_one("#close").region.bottom <= 24  # Close is on the screen
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("mode", ["kiosk", "supervisor"])
async def test_help_paragraphs_wrap_to_the_box_without_broken_lines(tmp_path, language, mode):
    app, _, _ = make_test_app(tmp_path, language=language, mode=mode)
    async with app.run_test(size=(80, 24)) as pilot:
        help_screen = await open_help(pilot)
        paragraphs = list(help_screen.query(".help-paragraph").results(Static))
        assert len(paragraphs) >= 3
        width = help_screen.query_one("#help-scroll").content_region.width
        for paragraph in paragraphs:
            text = str(paragraph.render())
            assert "\n" not in text  # the box breaks the lines, at its own width
            assert paragraph.region.height >= -(-len(text) // width)  # all of it is laid out


async def test_notifications_do_not_cover_the_help(tmp_path):
    app, _, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await login(pilot)  # "Welcome ..." is still showing
        await open_help(pilot)
        app.notify("Quokkafish", timeout=30)  # and one that comes while the help is open
        await pilot.pause()
        await pilot.pause()
        assert "Welcome" not in app.export_screenshot()
        assert "Quokkafish" not in app.export_screenshot()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.pause()
        assert "Quokkafish" in app.export_screenshot()  # it waited; it shows after the help


async def test_the_idle_countdown_shows_over_the_help(tmp_path):
    app, _, clock = make_test_app(tmp_path, idle_timeout=60, idle_warning=20)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        help_screen = await open_help(pilot)
        clock.advance(45)
        app.tick_idle()
        await pilot.pause()
        banner = help_screen.query_one("#idle-banner")
        assert banner.display and "15 s" in str(banner.render())
