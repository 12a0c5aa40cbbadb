"""The question before the supervisor leaves an entry with an answer not sent or an idea status
not saved: keep editing (the default, also Esc) or discard and leave."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class LeaveUnsavedScreen(ModalScreen[bool]):
    """Dismisses with True to discard the changes and leave, False to keep editing."""

    BINDINGS = [Binding("escape", "keep", show=False, priority=True)]

    def __init__(self, what: list[str]):
        super().__init__()
        self.what = what  # i18n keys of what would be lost

    def compose(self) -> ComposeResult:
        t = self.app.t
        with Vertical(id="leave-box", classes="dialog"):
            yield Static(t("station.leave_title"), classes="dialog-title", markup=False)
            for key in self.what:
                yield Static(t(key), markup=False)
            with Horizontal(classes="buttons"):
                yield Button(t("station.leave_keep"), id="keep", variant="primary")
                yield Button(t("station.leave_discard"), id="discard", variant="error")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "discard")

    def action_keep(self) -> None:
        self.dismiss(False)
