"""F12: the PIN prompt and the administration menu (quit needs the admin PIN)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from kiosk.lockout import PinGuard


class PinScreen(ModalScreen[str | None]):
    """Returns "admin", "supervisor", or None (cancelled)."""

    BINDINGS = [Binding("escape", "cancel", show=False, priority=True)]

    def compose(self) -> ComposeResult:
        t = self.app.t
        with Vertical(id="pin-box", classes="dialog"):
            yield Static(t("admin.pin_title"), classes="dialog-title", markup=False)
            yield Static(t("admin.pin_prompt"), markup=False)
            yield Input(password=True, id="pin", max_length=32)
            yield Static("", id="pin-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#pin", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        pin, event.input.value = event.input.value, ""
        guard = PinGuard.for_config(self.app.store, self.app.config)
        role, (problem, values) = guard.check(pin, self.app.config)
        if role is None:
            self.query_one("#pin-error", Static).update(self.app.t(problem, **values))
            return
        self.dismiss(role)

    def action_cancel(self) -> None:
        self.dismiss(None)


class AdminScreen(ModalScreen[str | None]):
    BINDINGS = [
        Binding("escape", "close", show=False, priority=True),
        Binding("down", "app.focus_next", show=False),
        Binding("up", "app.focus_previous", show=False),
    ]

    def __init__(self, role: str):
        super().__init__()
        self.role = role

    def compose(self) -> ComposeResult:
        t = self.app.t
        with Vertical(id="admin-box", classes="dialog menu"):
            yield Static(t("admin.menu_title"), classes="dialog-title", markup=False)
            yield Static(t(f"admin.role_{self.role}"), markup=False)
            if self.app.config.mode == "supervisor":
                yield Button(t("transfer.menu_import"), id="import", compact=True)
                yield Button(t("transfer.menu_return"), id="return", compact=True)
            else:
                yield Button(t("transfer.menu_export"), id="export", compact=True)
                yield Button(t("transfer.menu_receive"), id="receive", compact=True)
            yield Button(t("transfer.menu_receipt"), id="receipt", compact=True)
            yield Button(t("admin.back"), id="back", compact=True, variant="primary")
            yield Button(t("admin.quit"), id="quit", compact=True, variant="error",
                         disabled=self.role != "admin")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        choice = event.button.id
        if choice == "quit" and self.role == "admin":
            self.app.shutdown()
            return
        # The opener acts on the choice once this menu is gone (a screen pushed from here
        # would send its result back to this closed menu).
        self.dismiss(None if choice == "back" else choice)

    def action_close(self) -> None:
        self.dismiss(None)


def open_admin_choice(app, choice: str | None) -> None:
    """Run what was picked in the administration menu."""
    from kiosk.ui.screens import transfer

    if choice == "export":
        transfer.open_export(app)
    elif choice == "return":
        transfer.open_return_export(app)
    elif choice in ("import", "receive"):
        app.push_screen(transfer.ScanScreen(returning=choice == "receive"))
    elif choice == "receipt":
        app.push_screen(transfer.ReceiptScreen())
