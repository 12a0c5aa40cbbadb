"""Paints prepared QR cells exactly as given: explicit black on white, never theme colours."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

Cell = tuple[str, str, str]


def cells_to_strips(cells: list[list[Cell]]) -> list[Strip]:
    """Turn rows of (char, fg, bg) into strips (done off the UI thread for big codes)."""
    styles: dict[tuple[str, str], Style] = {}
    strips = []
    for row in cells:
        segments = []
        for char, fg, bg in row:
            style = styles.get((fg, bg))
            if style is None:
                style = styles[(fg, bg)] = Style(color=fg, bgcolor=bg)
            segments.append(Segment(char, style))
        strips.append(Strip(Segment.simplify(segments)))
    return strips


class QRView(Widget):
    """One QR code, centred in the widget; `show(strips)` replaces it."""

    DEFAULT_CSS = "QRView { width: 1fr; height: 1fr; }"

    def __init__(self, id: str | None = None):
        super().__init__(id=id)
        self.strips: list[Strip] = []

    def show(self, strips: list[Strip]) -> None:
        self.strips = strips
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        if not self.strips:
            return Strip.blank(width)
        top = max(0, (height - len(self.strips)) // 2)
        row = y - top
        if not 0 <= row < len(self.strips):
            return Strip.blank(width)
        strip = self.strips[row]
        left = max(0, (width - strip.cell_length) // 2)
        return Strip([Segment(" " * left), *strip]).crop(0, width).extend_cell_length(width)
