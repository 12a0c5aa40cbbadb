"""The idle-logout countdown banner, hidden until the app shows it."""

from __future__ import annotations

from textual.widgets import Static


class IdleBanner(Static):
    def __init__(self) -> None:
        super().__init__("", id="idle-banner", markup=False)
        self.display = False

    def show(self, message: str | None) -> None:
        if message is None:
            if self.display:
                self.display = False
            return
        self.update(message)
        self.display = True
