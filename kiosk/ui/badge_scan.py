"""A badge scanned during a session: a keyboard-wedge scanner types the code as a fast burst of keys
and Enter. The burst is told apart from typing by when the keys arrived, and what it typed into a
text box can be taken out again."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.widget import Widget
from textual.widgets import Input, TextArea

# Seconds between two keys of a burst. A scanner types a key every few milliseconds; a person's
# fastest runs are 50 to 100 ms a key, and a held-down key repeats at 30 to 40 ms.
BURST_GAP = 0.03


@dataclass
class BoxMark:
    """A text box as it was before a burst's first key reached it."""

    widget: TextArea | Input
    before: tuple

    @classmethod
    def of(cls, widget: Widget | None) -> BoxMark | None:
        if isinstance(widget, TextArea) and not widget.read_only:
            return cls(widget, (widget.selection, widget.selected_text))
        if isinstance(widget, Input):
            return cls(widget, (widget.value, widget.cursor_position))
        return None

    def restore(self) -> None:
        """Take out what the burst typed; call it once the box has handled the burst's keys."""
        box = self.widget
        if not box.is_attached:
            return
        if isinstance(box, TextArea):
            selection, replaced = self.before
            box.replace(replaced, min(selection.start, selection.end), box.cursor_location)
            box.selection = selection
        else:
            box.value, box.cursor_position = self.before


@dataclass(frozen=True)
class Burst:
    code: str  # the characters, as the scanner typed them
    mark: BoxMark | None  # the text box they went into, as it was before


class BurstTracker:
    """Follows the keys in the order they arrived. `key` returns the burst an Enter ends: three or
    more characters, each within BURST_GAP of the one before, Enter too; not one character
    repeated (a key held down)."""

    def __init__(self, gap: float = BURST_GAP) -> None:
        self.gap = gap
        self.chars: list[str] = []
        self.mark: BoxMark | None = None
        self.last: float | None = None

    def key(self, at: float, event: events.Key, focused: Widget | None) -> Burst | None:
        """Note one key that arrived at `at` (seconds); `focused` is the widget it goes to."""
        fast = self.last is not None and 0 <= at - self.last <= self.gap
        self.last = at
        if event.key == "enter":
            burst = None
            if fast and len(self.chars) >= 3 and len(set(self.chars)) > 1:
                burst = Burst("".join(self.chars), self.mark)
            self._reset()
            return burst
        if event.is_printable:
            if not fast:  # a pause before it: a new burst may start here
                self._reset()
                self.mark = BoxMark.of(focused)
            self.chars.append(event.character)
        else:
            self._reset()
        return None

    def _reset(self) -> None:
        self.chars = []
        self.mark = None
