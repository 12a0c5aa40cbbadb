"""The confirmation after a save: what happened to the entry, and what to do next. After an
anonymous save, F4 takes a reply code (shown once) to read the answer later."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from kiosk.entries import Entry
from kiosk.learning.reply_codes import may_take_code
from kiosk.ui.text import literal, one_line


class SavedScreen(ModalScreen[str]):
    BINDINGS = [
        Binding("enter,escape,f6", "choose('new')", show=False, priority=True),
        Binding("f3", "choose('feed')", show=False, priority=True),
        Binding("f10", "choose('logout')", show=False, priority=True),
        Binding("f4", "reply_code", show=False, priority=True),
    ]

    def __init__(self, entry: Entry):
        super().__init__()
        self.entry = entry
        self.code_taken = False

    def compose(self) -> ComposeResult:
        t = self.app.t
        message = {"private": "capture.saved_private",
                   "supervisor": "capture.saved_supervisor"}.get(self.entry.visibility,
                                                                "capture.saved")
        with Vertical(id="saved-box", classes="dialog"):
            yield Static(t("saved.title"), classes="dialog-title", markup=False)
            yield Static(t(message), markup=False)
            yield Static(literal(one_line(self.entry.headline, 70)),
                         classes="quote")
            if self.offers_code():
                yield Static(t("learning.reply.offer"), id="reply-offer", markup=False)
                yield Button(t("learning.reply.take"), id="reply-code")
            with Horizontal(classes="buttons"):
                yield Button(t("saved.new"), id="new", variant="primary")
                yield Button(t("saved.feed"), id="feed")
                yield Button(t("saved.logout"), id="logout")
            yield Static(t("saved.next_hint"), classes="hint", markup=False)

    def offers_code(self) -> bool:
        return may_take_code(self.entry) and not self.code_taken

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "reply-code":
            self.action_reply_code()
        else:
            self.dismiss(event.button.id)

    def action_reply_code(self) -> None:
        """Show the entry's reply code, once; then the offer goes."""
        if not self.offers_code():
            return
        from kiosk.ui.screens.reply_code import ReplyCodeShownScreen

        def shown(taken: bool | None) -> None:
            self.code_taken = True
            for widget in self.query("#reply-offer, #reply-code"):
                widget.remove()

        self.app.push_screen(ReplyCodeShownScreen(self.entry), shown)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
