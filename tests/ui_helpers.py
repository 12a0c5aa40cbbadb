"""Shared set-up for Textual Pilot tests: a real store in a temp folder, fixed clocks."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kiosk.config import load_config
from kiosk.store import Store
from kiosk.ui.app import KioskApp, make_app

FIXED_NOW = datetime(2026, 11, 27, 9, 30)


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_test_app(data_dir: Path, *, coach=None, **changes) -> tuple[KioskApp, Store, FakeClock]:
    """The weekly pulse is off unless a test turns it on (`pulse=True`): F10 then logs out at
    once, as the tests of other flows expect (tests/test_ui_learning.py tests the pulse)."""
    changes = {"animations": False, "pulse": False, **changes}
    config = load_config(env={}).with_changes(data_dir=Path(data_dir), **changes)
    store = Store(config.data_dir)
    clock = FakeClock()
    app = make_app(config, store, coach=coach, clock=clock, wall_clock=lambda: FIXED_NOW)
    return app, store, clock


def screen_text(app: KioskApp) -> str:
    """Everything the current screen shows, as plain text (labels, keys, placeholders)."""
    from textual.widgets import Input, OptionList, TextArea

    parts: list[str] = []
    for widget in app.screen.query("*"):
        if not widget.display:
            continue
        if isinstance(widget, OptionList):
            parts.extend(str(widget.get_option_at_index(i).prompt)
                         for i in range(widget.option_count))
        elif isinstance(widget, Input):
            parts.append(str(widget.placeholder))
        elif isinstance(widget, TextArea):
            parts.append(widget.text or str(widget.placeholder))
        elif hasattr(widget, "render") and widget.__class__.__name__ in (
                "Static", "Label", "KeyButton", "Cycler", "KioskHeader", "Button", "IdleBanner"):
            parts.append(str(widget.render()))
    return "\n".join(parts)


async def pick_language(pilot, language: str) -> None:
    """F8, then the language's line of the list (arrow keys) and Enter, as a worker does."""
    from kiosk.ui.screens.language import LanguagePicker

    app = pilot.app
    await pilot.press("f8")
    for _ in range(600):
        if isinstance(app.screen, LanguagePicker):
            break
        await pilot.pause(0.1)
    assert isinstance(app.screen, LanguagePicker), app.screen
    languages = app.screen.languages
    steps = (languages.index(language) - languages.index(app.language)) % len(languages)
    await pilot.press(*["down"] * steps, "enter")
    for _ in range(600):
        if not isinstance(app.screen, LanguagePicker) and app.language == language:
            break
        await pilot.pause(0.1)
    await pilot.pause()
    assert app.language == language, (app.language, language)
