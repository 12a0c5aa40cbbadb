"""The dialog where a worker edits a coach suggestion before it goes into the entry."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class EditSuggestionScreen(ModalScreen[str | None]):
    """Edit a suggestion before it goes into the entry."""

    BINDINGS = [Binding("escape", "cancel", show=False, priority=True)]

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.app.t("coach.panel.edit_title"), classes="dialog-title", markup=False)
            # the cursor at the end, nothing selected: the first key must not wipe the text
            yield Input(self.text, id="edit-suggestion", max_length=400, select_on_focus=False)

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.focus()
        field.cursor_position = len(field.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
