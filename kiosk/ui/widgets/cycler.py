"""A one-line choice: `Category: ◀ Quality ▶`. Arrow keys, space, Enter or a click change it."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


class Cycler(Widget, can_focus=True):
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

    def render(self) -> Text:
        left, right = ("<", ">") if self.ascii_only else ("◀", "▶")
        text = Text()
        text.append(f"{self.label}: ", style="bold")
        text.append(f"{left} {self.options[self.index][1]} {right}")
        return text

    def action_step(self, delta: int) -> None:
        self.index = (self.index + delta) % len(self.options)

    def watch_index(self, old: int, new: int) -> None:
        if old != new:
            self.refresh(layout=True)
            self.post_message(self.Changed(self, self.value))

    def on_click(self) -> None:
        self.focus()
        self.action_step(1)
