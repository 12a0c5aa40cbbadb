"""Glyphs for the Linux console, whose fonts lack eighth blocks and rounded corners."""

from __future__ import annotations

from textual.scrollbar import ScrollBar, ScrollBarRender


class ConsoleScrollBarRender(ScrollBarRender):
    """A scroll bar drawn with colour only (no partial block characters)."""

    VERTICAL_BARS = [" "] * 8
    HORIZONTAL_BARS = [" "] * 8


def use_console_glyphs() -> None:
    ScrollBar.renderer = ConsoleScrollBarRender
