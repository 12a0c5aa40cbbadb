"""A receipt code in big letters (5x7 dots drawn with half blocks, 4 rows high), so the person at
the other device can read it from a step away. Too narrow for it: the code in plain bold."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

# 5x7 dot glyphs of the characters a receipt code has: Base32 (A-Z, 2-7) and the dash.
_FONT_ROWS = {
    "A": ".###. #...# #...# ##### #...# #...# #...#",
    "B": "####. #...# #...# ####. #...# #...# ####.",
    "C": ".###. #...# #.... #.... #.... #...# .###.",
    "D": "###.. #..#. #...# #...# #...# #..#. ###..",
    "E": "##### #.... #.... ####. #.... #.... #####",
    "F": "##### #.... #.... ####. #.... #.... #....",
    "G": ".###. #...# #.... #.### #...# #...# .####",
    "H": "#...# #...# #...# ##### #...# #...# #...#",
    "I": ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
    "J": "..### ...#. ...#. ...#. ...#. #..#. .##..",
    "K": "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
    "L": "#.... #.... #.... #.... #.... #.... #####",
    "M": "#...# ##.## #.#.# #.#.# #...# #...# #...#",
    "N": "#...# #...# ##..# #.#.# #..## #...# #...#",
    "O": ".###. #...# #...# #...# #...# #...# .###.",
    "P": "####. #...# #...# ####. #.... #.... #....",
    "Q": ".###. #...# #...# #...# #.#.# #..#. .##.#",
    "R": "####. #...# #...# ####. #.#.. #..#. #...#",
    "S": ".#### #.... #.... .###. ....# ....# ####.",
    "T": "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
    "U": "#...# #...# #...# #...# #...# #...# .###.",
    "V": "#...# #...# #...# #...# #...# .#.#. ..#..",
    "W": "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
    "X": "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
    "Y": "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
    "Z": "##### ....# ...#. ..#.. .#... #.... #####",
    "2": ".###. #...# ....# ...#. ..#.. .#... #####",
    "3": "##### ...#. ..#.. ...#. ....# #...# .###.",
    "4": "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
    "5": "##### #.... ####. ....# ....# #...# .###.",
    "6": "..##. .#... #.... ####. #...# #...# .###.",
    "7": "##### ....# ...#. ..#.. .#... .#... .#...",
    "-": "..... ..... ..... ##### ..... ..... .....",
}
FONT: dict[str, list[str]] = {char: rows.split() for char, rows in _FONT_ROWS.items()}
GLYPH_WIDTH, GLYPH_HEIGHT, GAP = 5, 7, 1
_HALF = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}


def big_lines(code: str) -> list[str] | None:
    """The rows of `code` in big letters, or None if it has a character the font lacks."""
    if not code or any(char not in FONT for char in code):
        return None
    dots = [(" " * GAP).join(FONT[char][row] for char in code) for row in range(GLYPH_HEIGHT)]
    dots.append("." * len(dots[0]))  # an even number of dot rows: two per text row
    return ["".join(_HALF[(top == "#", bottom == "#")] for top, bottom in zip(upper, lower))
            for upper, lower in zip(dots[::2], dots[1::2])]


def big_width(code: str) -> int:
    return len(code) * (GLYPH_WIDTH + GAP) - GAP


class BigCode(Widget):
    """`show(code)` draws it large; an empty code draws nothing."""

    DEFAULT_CSS = """
    BigCode { height: auto; width: 1fr; color: $text; text-style: bold; }
    """

    def __init__(self, id: str | None = None):
        super().__init__(id=id)
        self.code = ""

    def show(self, code: str) -> None:
        self.code = code
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:
        lines = big_lines(self.code)
        if not self.code:
            return 0
        return len(lines) if lines and big_width(self.code) <= width else 1

    def render(self) -> Text:
        lines = big_lines(self.code)
        if not lines or big_width(self.code) > self.content_size.width:
            return Text(self.code, style="bold")
        return Text("\n".join(lines))
