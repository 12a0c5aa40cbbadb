"""Show people's text literally: never as markup, never with terminal control codes."""

from __future__ import annotations

import re

from rich.cells import cell_len, split_graphemes
from rich.text import Text

# C0/C1 control characters other than newline and tab, and DEL; ESC starts ANSI sequences.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """The same text with control characters shown as visible placeholders."""
    return _CONTROL.sub(lambda m: "\N{REPLACEMENT CHARACTER}", text)


def literal(text: str, style: str = "") -> Text:
    """A Rich Text that displays `text` exactly as typed (markup is not interpreted)."""
    return Text(clean(text), style=style)


def one_line(text: str, limit: int = 200) -> str:
    """One line, at most `limit` terminal cells (an emoji or a CJK character takes two), cut
    with "..." between whole characters: an emoji with its modifiers is never split."""
    flat = " ".join(clean(text).split())
    if cell_len(flat) <= limit:
        return flat
    room, end = limit - 3, 0
    for _start, stop, cells in split_graphemes(flat)[0]:
        if cells > room:
            break
        room, end = room - cells, stop
    return flat[:end] + "..."
