"""The Linux console (TERM=linux): 16 colours, and only glyphs the console font has that the
deploy sets (deploy/install.sh: Terminus, console-setup codeset "Vietnamese"), in every
language, also with the language's own letters typed in."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from kiosk.i18n import available_languages, language_letters
from tests.ui_helpers import make_test_app

FONT_FILE = Path(__file__).parent / "data" / "console_font_Vietnamese-Terminus16.txt"
CONSOLE_SAFE = set(FONT_FILE.read_text(encoding="utf-8").split("\n")[2])


def glyphs_on_screen(app) -> set[str]:
    svg = app.export_screenshot()
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return set(html.unescape("".join(texts))) - {"\n"}


async def _visit_main_screens(pilot, app, letters: str = ""):
    seen = [glyphs_on_screen(app)]
    await pilot.press(*"BADGE-0042", "enter")
    await pilot.pause()
    app.clear_notifications()
    await pilot.press(*"Glue", "space", *"dripped", "space", *letters)
    seen.append(glyphs_on_screen(app))
    await pilot.press("f2")
    await pilot.pause()
    seen.append(glyphs_on_screen(app))
    await pilot.press("f3")
    await pilot.pause()
    seen.append(glyphs_on_screen(app))
    await pilot.press("enter")
    await pilot.pause()
    seen.append(glyphs_on_screen(app))
    await pilot.press("escape", "f12")
    await pilot.pause()
    seen.append(glyphs_on_screen(app))
    return set().union(*seen)


def test_the_console_font_has_the_old_safe_set_and_every_languages_letters():
    """ASCII, Latin-1 and the QR codes' half blocks, as before, and every letter of every
    language with content."""
    old = set(map(chr, range(0x20, 0x7F))) | set(map(chr, range(0xA1, 0x100))) | set("▀▄█")
    assert old - CONSOLE_SAFE == set()
    for language in available_languages():
        assert language_letters(language) - CONSOLE_SAFE == set(), language


@pytest.mark.parametrize("language", available_languages())
async def test_term_linux_uses_only_console_glyphs(tmp_path, monkeypatch, language):
    monkeypatch.setenv("TERM", "linux")
    app, _, _ = make_test_app(tmp_path, language=language)
    letters = "".join(sorted(language_letters(language)))
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.ascii_only and app.theme == "ansi-dark"
        used = await _visit_main_screens(pilot, app, letters)
    assert set(letters) <= used  # the typed letters were on screen
    assert used - CONSOLE_SAFE == set()


async def test_normal_terminal_keeps_the_nicer_glyphs(tmp_path, monkeypatch):
    monkeypatch.setenv("TERM", "xterm-256color")
    app, _, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert not app.ascii_only
        assert glyphs_on_screen(app) - CONSOLE_SAFE  # e.g. rounded corners


async def test_the_console_glyphs_end_with_the_console_app(tmp_path, monkeypatch):
    """Textual keeps the scroll bar renderer in one class attribute for the whole process: an app
    on TERM=linux must not leave its glyphs to the apps started after it (tests run many)."""
    from textual.scrollbar import ScrollBar

    default = ScrollBar.renderer
    monkeypatch.setenv("TERM", "linux")
    app, _, _ = make_test_app(tmp_path / "console")
    async with app.run_test(size=(80, 24)):
        assert ScrollBar.renderer is not default
    assert ScrollBar.renderer is default
    monkeypatch.setenv("TERM", "xterm-256color")
    app, _, _ = make_test_app(tmp_path / "normal")
    async with app.run_test(size=(80, 24)):
        assert not app.ascii_only and ScrollBar.renderer is default
