"""A one-line choice: `Category: ◀ Quality ▶`. Arrow keys, space, Enter or a click change it.

Its layout (label, arrows, value) is worked out in one place, `_parts`: what it shows, how wide
it can get (`widest`) and which arrow a click hit (`arrow_at`) all come from there."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


class Cycler(Widget, can_focus=True):
    """A click steps it wherever it lands; with STEP_ON_ARROWS only a click on ◀ or ▶ steps it
    (elsewhere it only takes the focus)."""

    STEP_ON_ARROWS = False
    BINDINGS = [
        Binding("right,space,enter", "step(1)", show=False),
        Binding("left", "step(-1)", show=False),
    ]

    index: reactive[int] = reactive(0)

    class Changed(Message):
        def __init__(self, cycler: "Cycler", value: str):
            super().__init__()
            self.cycler = cycler
            self.value = value

        @property
        def control(self) -> "Cycler":
            return self.cycler

    def __init__(self, label: str, options: list[tuple[str, str]], value: str | None = None,
                 *, ascii_only: bool = False, id: str | None = None):
        super().__init__(id=id, classes="cycler")
        self.label = label
        self.options = options
        self.ascii_only = ascii_only
        values = [v for v, _ in options]
        self.set_reactive(Cycler.index, values.index(value) if value in values else 0)

    @property
    def value(self) -> str:
        return self.options[self.index][0]

    @value.setter
    def value(self, value: str) -> None:
        values = [v for v, _ in self.options]
        if value in values:
            self.index = values.index(value)

    def _parts(self, shown: str) -> list[tuple[str, str]]:
        """(text, style) pieces of the line for the option label `shown`: label, ◀, value, ▶."""
        left, right = ("<", ">") if self.ascii_only else ("◀", "▶")
        return [(f"{self.label}: ", "bold"), (left, ""), (f" {shown} ", ""), (right, "")]

    def render(self) -> Text:
        text = Text()
        for piece, style in self._parts(self.options[self.index][1]):
            text.append(piece, style=style or None)
        return text

    def widest(self) -> int:
        """Cells of the content at its longest option (padding not counted)."""
        return max(sum(cell_len(piece) for piece, _ in self._parts(shown))
                   for _, shown in self.options)

    def arrow_at(self, x: int) -> int:
        """-1 when content column `x` is on ◀, 1 on ▶, else 0."""
        label, left, value, _ = (cell_len(piece) for piece, _ in
                                 self._parts(self.options[self.index][1]))
        return -1 if x == label else 1 if x == label + left + value else 0

    def action_step(self, delta: int) -> None:
        self.index = (self.index + delta) % len(self.options)

    def watch_index(self, old: int, new: int) -> None:
        if old != new:
            self.refresh(layout=True)
            self.post_message(self.Changed(self, self.value))

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.focus()
        if not self.STEP_ON_ARROWS:
            self.action_step(1)
            return
        offset = event.get_content_offset(self)
        step = self.arrow_at(offset.x) if offset is not None else 0
        if step:
            self.action_step(step)
