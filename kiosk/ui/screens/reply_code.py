"""Reply codes on screen (kiosk/learning/reply_codes.py): the code shown once after an anonymous
save, the code typed at the login, and the answers to that one entry (nothing else, no session).
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from kiosk.entries import Entry
from kiosk.learning import reply_codes
from kiosk.store_errors import StoreError
from kiosk.ui.screens.feed import when
from kiosk.ui.text import literal, one_line
from kiosk.ui.widgets.bigcode import BigCode


class ReplyCodeShownScreen(ModalScreen[bool]):
    """Makes the entry's reply code and shows it, this once. Dismissed with True if one was
    made (the saved screen then stops offering it)."""

    BINDINGS = [Binding("escape,enter", "close", show=False, priority=True)]

    def __init__(self, entry: Entry):
        super().__init__()
        self.entry = entry
        self.code = ""

    def compose(self) -> ComposeResult:
        t = self.app.t
        with Vertical(id="reply-code-box", classes="dialog"):
            yield Static(t("learning.reply.shown_title"), classes="dialog-title", markup=False)
            yield Static("", id="reply-code", markup=False)
            yield BigCode(id="reply-code-big")
            yield Static(t("learning.reply.shown_hint"), id="reply-code-hint", markup=False)
            yield Button(t("learning.reply.shown_done"), id="close", variant="primary")

    def on_mount(self) -> None:
        try:
            self.code = reply_codes.issue(self.app.store, self.entry)
        except reply_codes.ReplyCodeError as exc:
            self.query_one("#reply-code", Static).update(exc.text(self.app.language))
            self.query_one("#reply-code-hint", Static).display = False
            return
        except StoreError as exc:
            self.query_one("#reply-code", Static).update(self.app.t(
                "learning.reply.not_kept", reason=self.app.strings.message(exc.why)))
            self.query_one("#reply-code-hint", Static).display = False
            return
        self.query_one("#reply-code", Static).update(self.app.t("learning.reply.shown_code",
                                                                code=self.code))
        self.query_one("#reply-code-big", BigCode).show(self.code)

    def on_button_pressed(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        self.code = ""  # not kept on screen objects longer than needed
        self.dismiss(True)


class ReplyCodeEntryScreen(ModalScreen[None]):
    """The login's F4: type a reply code (visible, unlike a badge code). A right one opens the
    answers; a wrong one says so and counts towards the lock-out."""

    BINDINGS = [Binding("escape", "close", show=False, priority=True)]

    def __init__(self, first: str = ""):
        super().__init__()
        self.first = first

    def compose(self) -> ComposeResult:
        t = self.app.t
        with Vertical(id="reply-entry-box", classes="dialog"):
            yield Static(t("learning.reply.entry_title"), classes="dialog-title", markup=False)
            yield Static(t("learning.reply.entry_prompt"), markup=False)
            yield Input(id="reply-code-input", max_length=32,
                        placeholder=t("learning.reply.entry_placeholder"))
            yield Static("", id="reply-error", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        if self.first:
            self.check(self.first)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text, event.input.value = event.value, ""
        if text.strip():
            self.query_one("#reply-error", Static).update(self.app.t("learning.reply.checking"))
            self.check(text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="reply-code")
    def check(self, text: str) -> None:
        """The hash costs a moment: in a thread; the result comes back to the screen."""
        found = reply_codes.check_code(self.app.store, self.app.config, text)
        self.app.call_from_thread(self.checked, found)

    def checked(self, found: reply_codes.CodeCheck) -> None:
        if found.entry is None:
            self.query_one("#reply-error", Static).update(
                self.app.t(found.key, **(found.values or {})))
            return
        self.dismiss(None)
        self.app.push_screen(ReplyAnswersScreen(found.entry))

    def on_worker_state_changed(self, event) -> None:
        if event.worker.error is not None:
            self.query_one("#reply-error", Static).update(self.app.strings.message(
                event.worker.error))

    def action_close(self) -> None:
        self.dismiss(None)


class ReplyAnswersScreen(ModalScreen[None]):
    """The answers to one anonymous entry, and an idea's status. Closes by itself after the
    idle time, so the next person at the kiosk does not find it."""

    BINDINGS = [Binding("escape,enter", "close", show=False, priority=True)]

    def __init__(self, entry: Entry):
        super().__init__()
        self.entry = entry

    def compose(self) -> ComposeResult:
        t, e = self.app.t, self.entry
        with Vertical(id="reply-answers-box", classes="dialog"):
            yield Static(t("learning.reply.answers_title"), classes="dialog-title", markup=False)
            yield Static(literal(one_line(e.headline, 100), style="bold"))
            yield Static(t("feed.created", when=when(e.created)), classes="hint", markup=False)
            with VerticalScroll(id="detail-scroll"):
                for response in e.responses:
                    yield Static(t("feed.answer_by", by=response.by, when=when(response.at)),
                                 classes="field-label", markup=False)
                    yield Static(literal(response.text), classes="detail-text answer")
                if not e.responses:
                    yield Static(t("learning.reply.no_answer_yet"), markup=False)
                if e.kind == "idea" or e.status != "new":
                    status = Text(t("feed.status", status=t(f"feed.status_values.{e.status}")))
                    if e.status_reason:
                        status.append("\n").append_text(
                            literal(t("feed.reason", reason=e.status_reason)))
                    yield Static(status)
            yield Button(t("common.close"), id="close", variant="primary")

    def on_mount(self) -> None:
        self.set_timer(self.app.config.idle_timeout, self.action_close)

    def on_button_pressed(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        if self.is_attached and self.app.screen is self:
            self.dismiss(None)
