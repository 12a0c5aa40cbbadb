"""The receipt code typed at the side that sent a batch: it marks exactly that batch delivered."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from kiosk.sync import exchange
from kiosk.sync.errors import SyncError


class ReceiptScreen(ModalScreen[exchange.ReceiptReport | None]):
    """Type the receipt code the other side showed: marks exactly that batch delivered.
    With `close_when_done` (on the QR screen) it closes with the report once a code is taken."""

    BINDINGS = [Binding("escape", "close", show=False, priority=True)]

    def __init__(self, *, close_when_done: bool = False):
        super().__init__()
        self.close_when_done = close_when_done

    def compose(self) -> ComposeResult:
        t = self.app.t
        with Vertical(id="receipt-box", classes="dialog"):
            yield Static(t("transfer.receipt_title"), classes="dialog-title", markup=False)
            yield Static(t("transfer.receipt_prompt"), markup=False)
            yield Input(id="receipt", placeholder=t("transfer.receipt_label"), max_length=64)
            yield Static("", id="receipt-result", markup=False)

    def on_mount(self) -> None:
        self.query_one("#receipt", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        code = event.value
        result = self.query_one("#receipt-result", Static)
        app = self.app
        try:
            report = exchange.apply_receipt(app.store, app.config, code)
        except SyncError as exc:
            result.update(exc.text(app.language))
            return
        event.input.value = ""
        if self.close_when_done:
            self.dismiss(report)
            return
        result.update(report.message().text(app.language))

    def action_close(self) -> None:
        self.dismiss(None)
