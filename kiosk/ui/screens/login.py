"""Login: a badge scan (keyboard-wedge scanner types the code + Enter) or a typed code, or no badge;
F4 (or a code like R7KQ-M2XA typed as a badge) shows the answers to an anonymous entry."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import Input, Static

from kiosk.i18n import language_name
from kiosk.identity import BadgeError, Session
from kiosk.learning.reply_codes import looks_like_code
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.keybar import Key, key_bindings


class LoginScreen(KioskScreen):
    KEYS = [
        Key("enter", "keys.login", "submit_badge", show=False),
        Key("f1", "keys.help", "app.help"),
        Key("f2", "keys.anonymous", "anonymous"),
        Key("f4", "learning.keys.reply_code", "reply_code"),
        Key("f8", "keys.language", "language"),
        Key("f12", "keys.admin", "app.admin"),
    ]
    BINDINGS = key_bindings(*KEYS[1:])
    chosen: str | None = None  # the language picked here with F8, for the badge scanned next

    def compose(self) -> ComposeResult:
        yield self.header()
        with Center(id="login-center"):
            with Vertical(id="login-box"):
                yield Static(self.t("login.title"), id="login-title", markup=False)
                yield Static(self.t("login.intro"), id="login-intro", markup=False)
                yield Input(placeholder=self.t("login.badge_placeholder"), password=True,
                            id="badge", max_length=128)
                yield Static("", id="login-error", markup=False)
                yield Static(self.t("login.anonymous_hint"), classes="hint", markup=False)
                yield Static(self.t("learning.reply.login_hint"), classes="hint", markup=False)
                yield Static(self.t("login.language_hint", languages=" · ".join(
                    language_name(code) for code in self.app.languages)), classes="hint",
                    markup=False)
        yield self.keybar()

    def on_mount(self) -> None:
        self.query_one("#badge", Input).focus()

    def on_screen_resume(self) -> None:
        self.query_one("#badge", Input).focus()

    def reset(self) -> None:
        """Back to a clean login after a logout, in the kiosk's default language."""
        self.chosen = None
        self.refresh(recompose=True)
        self.call_after_refresh(self.on_mount)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        code = event.value
        event.input.value = ""
        self.submit_code(code)

    def submit_code(self, code: str) -> None:
        """A badge code typed or scanned (+ Enter): log its owner in."""
        if not code.strip():
            return
        from kiosk.sync.codec import is_frame  # not at start-up: it loads the sync dictionary

        if is_frame(code):  # a sync QR code, scanned at the login screen
            self.query_one("#login-error", Static).update(self.t("login.sync_code"))
            return
        if looks_like_code(code):  # a reply code typed where the badge goes
            self.query_one("#login-error", Static).update("")
            self.action_reply_code(code)
            return
        try:
            session = self.app.badge_session(code, self.chosen)
        except BadgeError as exc:
            self.query_one("#login-error", Static).update(self.t(str(exc)))
            return
        self.query_one("#login-error", Static).update("")
        if self.chosen:
            self.app.remember_language(session)
        self.app.login(session)

    def action_anonymous(self) -> None:
        self.query_one("#badge", Input).value = ""
        self.app.login(Session.anonymous_session(self.app.language))

    def action_reply_code(self, first: str = "") -> None:
        from kiosk.ui.screens.reply_code import ReplyCodeEntryScreen

        self.app.push_screen(ReplyCodeEntryScreen(first))

    def action_language(self) -> None:
        """F8: the list of languages; the one picked is for the badge scanned next."""
        self.app.pick_language(self.language_picked, on_scan=self.submit_code)

    def language_picked(self, language: str) -> None:
        self.chosen = language
        self.app.set_language(language)
        self.refresh(recompose=True)
        self.call_after_refresh(self.on_mount)
