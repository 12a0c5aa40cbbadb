"""Paints prepared QR cells exactly as given: explicit black on white, never theme colours; and
keeps the drawn window of an endless run of protocol 3 frames."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from kiosk.sync.codec import FountainFrames
from kiosk.sync.qr import render_cells

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


class FrameWindow:
    """The drawn part of an endless run of protocol 3 frames: numbers `first` .. `end - 1`, each
    with its text and strips. Blocks are drawn ahead (in a worker) and added at the end; old
    frames are dropped at the front. `part(number)` says which part a number shows."""

    AHEAD = 16  # repair frames drawn ahead of the one shown
    KEEP_BEHIND = 64  # frames kept behind it (to page back to)

    def __init__(self) -> None:
        self.reset()

    def reset(self, stream: FountainFrames | None = None, version: int = 0,
              texts: list[str] = (), strips: list[list[Strip]] = (), first: int = 0) -> None:
        """Frames `first` .. of `stream` (a showing that goes on where one stopped begins
        after 0), drawn as `texts` and `strips`."""
        self.stream, self.version = stream, version
        self.first, self.texts, self.strips = first, list(texts), list(strips)
        self.drawing = False  # a block ahead is being drawn

    @property
    def end(self) -> int:
        return self.first + len(self.texts)

    def has(self, number: int) -> bool:
        return self.first <= number < self.end

    def strips_of(self, number: int) -> list[Strip]:
        return self.strips[number - self.first]

    def part(self, number: int) -> tuple[str, dict[str, int]]:
        """The string key and values that name frame `number`: part k of K, or extra part j."""
        total = self.stream.count
        number %= self.stream.cycle
        if number < total:
            return "transfer.frame_of", {"number": number + 1, "total": total}
        return "transfer.frame_extra", {"number": number - total + 1, "total": total}

    def wants_ahead(self, shown: int) -> bool:
        """True (once) when frames should be drawn after the end, frame `shown` nearing it."""
        if len(self.texts) < 2 or self.drawing or self.end - shown > self.AHEAD // 2:
            return False
        self.drawing = True
        return True

    def draw(self, start: int, count: int) -> tuple[list[str], list[list[Strip]]]:
        """Texts and strips of frames `start` .. (slow for big codes: run it in a worker)."""
        texts = self.stream.frames(start, count)
        return texts, [cells_to_strips(render_cells(text, self.version)) for text in texts]

    def extend(self, start: int, texts: list[str], strips: list[list[Strip]],
               shown: int) -> None:
        self.drawing = False
        if start == self.end:  # a late block for another position is not added
            self.texts += texts
            self.strips += strips
        cut = max(0, min(shown - self.KEEP_BEHIND - self.first, len(self.texts)))
        del self.texts[:cut], self.strips[:cut]
        self.first += cut
