"""Top line of every screen: app name, station and line, who is logged in, the time."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class KioskHeader(Widget):
    def __init__(self, title: str, place: str, user: str = ""):
        super().__init__(id="header")
        self.title, self.place, self.user = title, place, user

    def on_mount(self) -> None:
        self.set_interval(30, self.refresh)

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {self.title} ", style="bold")
        text.append(f" {self.place} ")
        if self.user:
            text.append(f"  {self.user} ", style="bold")
        clock = self.app.wall_clock().strftime("%H:%M")
        pad = max(1, self.size.width - text.cell_len - len(clock) - 1)
        text.append(" " * pad + clock + " ")
        return text
