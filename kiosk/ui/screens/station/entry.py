"""One entry in full at the supervisor station: opening it marks it seen; the supervisor answers
it and sets an idea's status (kiosk.review.actions, which also writes the audit log)."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Static, TextArea
from textual.worker import Worker, WorkerState

from kiosk.entries import STATUSES, Entry
from kiosk.review import actions
from kiosk.review.actions import ReviewError
from kiosk.store_errors import StoreError
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.feed import when
from kiosk.ui.text import literal
from kiosk.ui.widgets.cycler import Cycler
from kiosk.ui.widgets.keybar import Key, key_bindings


class EntryReviewScreen(KioskScreen):
    """One entry in full; opening it marks it seen. F2 sends the answer, F3 saves the status."""

    KEYS = [
        Key("escape", "keys.back", "back"),
        Key("f2", "keys.send", "answer"),
        Key("f3", "keys.status", "status"),
        Key("f10", "keys.logout", "logout"),
    ]
    BINDINGS = key_bindings(*KEYS)

    def __init__(self, entry_id: str):
        super().__init__()
        self.entry_id = entry_id
        self.entry: Entry | None = None

    def compose(self) -> ComposeResult:
        t = self.t
        yield self.header()
        yield self.idle_banner()
        with VerticalScroll(id="review-entry"):
            yield Static("", id="entry-text")
            yield Static(t("supervisor.answer_label"), classes="field-label", markup=False)
            yield TextArea(id="answer", soft_wrap=True, tab_behavior="focus", compact=True,
                           show_line_numbers=False, highlight_cursor_line=False)
            with Vertical(id="status-box"):
                yield Cycler(t("supervisor.status_label"),
                             [(s, t(f"feed.status_values.{s}")) for s in STATUSES],
                             ascii_only=self.app.ascii_only, id="status")
                yield Input(placeholder=t("supervisor.reason_label"), id="reason",
                            max_length=400)
        yield self.keybar()

    def on_mount(self) -> None:
        self.open_entry()

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-entry")
    def open_entry(self) -> None:
        app = self.app
        entry = app.review_index.entry(self.entry_id)
        if entry is not None and not entry.seen:
            entry = actions.mark_seen(app.store, self.entry_id, by=app.session.name,
                                      index=app.review_index, audit=app.audit)
        self.app.call_from_thread(self.show_entry, entry)

    def show_entry(self, entry: Entry | None) -> None:
        if entry is None:
            self.dismiss()
            return
        self.entry = entry
        t = self.t
        text = Text()
        text.append_text(literal(entry.headline, style="bold"))
        text.append(f"\n{entry.station} · {t('capture.category_values.' + entry.category)} · "
                    f"{t('capture.kind_values.' + entry.kind)} · "
                    f"{t('feed.created', when=when(entry.created))}\n")
        for name in ("what_happened", "noticed", "learned", "next_step"):
            value = getattr(entry, name).strip()
            if value:
                text.append(f"\n{t('capture.' + name)}\n", style="bold")
                text.append_text(literal(value))
                text.append("\n")
        for response in entry.responses:
            text.append("\n" + t("feed.answer_by", by=response.by, when=when(response.at)) + "\n",
                        style="bold")
            text.append_text(literal(response.text, style="green"))
            text.append("\n")
        self.query_one("#entry-text", Static).update(text)
        box = self.query_one("#status-box")
        box.display = entry.kind == "idea"
        self.query_one("#status", Cycler).value = entry.status
        self.query_one("#reason", Input).value = entry.status_reason
        self.query_one("#answer", TextArea).focus()

    def _act(self, do, done_key: str) -> None:
        try:
            self.entry = do()
        except (ReviewError, StoreError) as exc:
            self.notify(self.app.strings.message(exc), severity="error", timeout=10, markup=False)
            return
        self.notify(self.t(done_key), timeout=4)
        self.show_entry(self.entry)

    def action_answer(self) -> None:
        app = self.app
        area = self.query_one("#answer", TextArea)

        def do():
            return actions.answer(app.store, self.entry_id, area.text, by=app.session.name,
                                  index=app.review_index, audit=app.audit)

        self._act(do, "supervisor.answer_sent")
        if self.entry is not None and self.entry.responses and \
                self.entry.responses[-1].text == area.text.strip():
            area.load_text("")

    def action_status(self) -> None:
        app = self.app
        status = self.query_one("#status", Cycler).value
        reason = self.query_one("#reason", Input).value

        def do():
            return actions.set_status(app.store, self.entry_id, status, by=app.session.name,
                                      reason=reason, index=app.review_index, audit=app.audit)

        self._act(do, "supervisor.status_saved")

    def action_back(self) -> None:
        self.dismiss()

    async def action_logout(self) -> None:
        await self.app.logout()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.notify(str(event.worker.error), severity="error", markup=False)
