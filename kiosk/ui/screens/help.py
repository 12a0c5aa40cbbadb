"""F1 help, in the session's language."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter,f1", "close", show=False, priority=True)]

    def compose(self) -> ComposeResult:
        t = self.app.t
        with Vertical(id="help-box", classes="dialog"):
            yield Static(t("help.title"), classes="dialog-title", markup=False)
            body = "help.supervisor_body" if self.app.config.mode == "supervisor" else "help.body"
            yield Static(t(body).strip(), markup=False)
            yield Button(t("common.close"), id="close", variant="primary")

    def on_button_pressed(self) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
