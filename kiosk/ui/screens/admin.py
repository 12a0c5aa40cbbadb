"""F12: the PIN prompt and the administration menu (quit needs the admin PIN)."""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from kiosk.pins import verify_pin

_LOCK_META = "pin_lockout"


class PinGuard:
    """Counts wrong PINs in the store, so a lock-out survives a restart."""

    def __init__(self, store, max_attempts: int, lockout_seconds: int, now=time.time):
        self.store, self.max_attempts, self.lockout_seconds, self.now = (
            store, max_attempts, lockout_seconds, now)

    def _state(self) -> dict:
        return self.store.get_meta(_LOCK_META, {"failures": 0, "until": 0.0})

    def locked_for(self) -> int:
        return max(0, int(self._state()["until"] - self.now() + 0.999))

    def failed(self) -> int:
        """Record a wrong PIN; returns tries left (0 means locked now)."""
        state = self._state()
        failures = state["failures"] + 1
        if failures >= self.max_attempts:
            # back-off: each further lock-out doubles, up to a day
            rounds = failures - self.max_attempts
            until = self.now() + min(86400, self.lockout_seconds * (2 ** rounds))
            self.store.set_meta(_LOCK_META, {"failures": failures, "until": until})
            return 0
        self.store.set_meta(_LOCK_META, {"failures": failures, "until": 0.0})
        return self.max_attempts - failures

    def succeeded(self) -> None:
        if self._state()["failures"]:
            self.store.set_meta(_LOCK_META, {"failures": 0, "until": 0.0})

    def check(self, pin: str, config, roles: tuple[str, ...] = ("admin", "supervisor"),
              ) -> tuple[str | None, tuple[str, dict]]:
        """(the role whose PIN this is, or None; the i18n key and values to show if None).
        Refused while locked out; a wrong PIN counts towards the lock-out."""
        locked = self.locked_for()
        if locked:
            return None, _locked(locked)
        hashes = {"admin": config.admin_pin_hash, "supervisor": config.supervisor_pin_hash}
        role = next((r for r in roles if verify_pin(pin, hashes[r])), None)
        if role is None:
            left = self.failed()
            return None, ("admin.pin_wrong", {"left": left}) if left else \
                _locked(self.locked_for())
        self.succeeded()
        return role, ("", {})


def _locked(seconds: int) -> tuple[str, dict]:
    """The lock-out message, in whole minutes (rounded up): "try again in 5 minutes"."""
    return "admin.pin_locked", {"seconds": seconds, "minutes": max(1, -(-seconds // 60))}


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

    def guard(self) -> PinGuard:
        config = self.app.config
        return PinGuard(self.app.store, config.max_pin_attempts, config.lockout_seconds)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        pin, event.input.value = event.input.value, ""
        role, (problem, values) = self.guard().check(pin, self.app.config)
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
