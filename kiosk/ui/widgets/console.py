"""Glyphs for the Linux console, whose fonts lack eighth blocks and rounded corners.

Textual keeps the scroll bar renderer in one class attribute for the whole process, so the
console's is set while a console app runs and the previous one put back when it stops
(`restore = use_console_glyphs()` ... `restore()`): an app started later in the same process
(the tests run many) gets the normal glyphs again."""

from __future__ import annotations

from collections.abc import Callable

from textual.scrollbar import ScrollBar, ScrollBarRender


class ConsoleScrollBarRender(ScrollBarRender):
    """A scroll bar drawn with colour only (no partial block characters)."""

    VERTICAL_BARS = [" "] * 8
    HORIZONTAL_BARS = [" "] * 8


def use_console_glyphs() -> Callable[[], None]:
    """Console scroll bars from now on; returns the function that puts the previous ones back."""
    previous = ScrollBar.renderer
    ScrollBar.renderer = ConsoleScrollBarRender

    def restore() -> None:
        if ScrollBar.renderer is ConsoleScrollBarRender:
            ScrollBar.renderer = previous

    return restore
