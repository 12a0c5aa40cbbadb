"""The supervisor station's login: a name (shown to workers with answers) and the station PIN,
with the PIN lock-out of kiosk.lockout."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from kiosk.identity import supervisor_session
from kiosk.lockout import PinGuard
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.keybar import Key, key_bindings


class SupervisorLoginScreen(KioskScreen):
    KEYS = [Key("f1", "keys.help", "app.help"), Key("f8", "keys.language", "language"),
            Key("f12", "keys.admin", "app.admin")]
    BINDINGS = key_bindings(*KEYS)

    def compose(self) -> ComposeResult:
        t = self.t
        yield self.header()
        with Vertical(id="login-center"):
            with Vertical(id="login-box"):
                yield Static(t("supervisor.login_title"), id="login-title", markup=False)
                yield Static(t("supervisor.login_intro"), markup=False)
                yield Input(placeholder=t("supervisor.name_label"), id="name", max_length=60)
                yield Input(placeholder=t("supervisor.pin_label"), id="pin", password=True,
                            max_length=32)
                yield Static("", id="login-error", markup=False)
        yield self.keybar()

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def reset(self) -> None:
        self.refresh(recompose=True)
        self.call_after_refresh(self.on_mount)

    def action_language(self) -> None:
        self.app.pick_language(self.language_picked)

    def language_picked(self, language: str) -> None:
        self.app.set_language(language)
        self.reset()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "name":
            self.query_one("#pin", Input).focus()
            return
        pin, event.input.value = event.value, ""
        name = " ".join(self.query_one("#name", Input).value.split())
        error = self.query_one("#login-error", Static)
        if not name:
            error.update(self.t("supervisor.name_missing"))
            self.query_one("#name", Input).focus()
            return
        config = self.app.config
        guard = PinGuard.for_config(self.app.store, config)
        role, (problem, values) = guard.check(pin, config, roles=("supervisor", "admin"))
        if role is None:
            error.update(self.t(problem, **values))
            return
        error.update("")
        self.app.login_supervisor(supervisor_session(name, role, self.app.language))
