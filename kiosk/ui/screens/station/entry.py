"""One entry in full at the supervisor station: opening it marks it seen; the supervisor answers
it and sets an idea's status (kiosk.review.actions, which also writes the audit log).

The entry's text scrolls in its own region; the answer box, the status and its reason stay below
it, always on screen. Leaving with an answer not sent or a status not saved asks first."""

from __future__ import annotations

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Static, TextArea
from textual.worker import Worker, WorkerState

from kiosk.entries import STATUSES, Entry
from kiosk.i18n import language_name
from kiosk.learning.records import learning_records
from kiosk.review import actions
from kiosk.review.actions import ReviewError
from kiosk.store_errors import StoreError
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.feed import when
from kiosk.ui.screens.station.unsaved import LeaveUnsavedScreen
from kiosk.ui.text import literal
from kiosk.ui.widgets.cycler import Cycler
from kiosk.ui.widgets.keybar import Key, key_bindings

DRAFT_DELAY = 1.0  # seconds after the last key before the answer being typed is written


class StatusCycler(Cycler, inherit_bindings=False):
    """The idea status: only ← and → change it (Space and Enter do not: typing there must not
    move it unnoticed); a click on ◀ or ▶ steps it, elsewhere only focuses it."""

    BINDINGS = [Binding("right", "step(1)", show=False), Binding("left", "step(-1)", show=False)]
    STEP_ON_ARROWS = True


class EntryReviewScreen(KioskScreen):
    """One entry in full; opening it marks it seen. F2 sends the answer, F3 saves the status."""

    KEYS = [
        Key("escape", "keys.back", "back"),
        Key("f2", "keys.send", "answer"),
        Key("f3", "keys.status", "status"),
        Key("f4", "learning.keys.share", "share"),
        Key("f10", "keys.logout", "logout"),
    ]
    BINDINGS = key_bindings(*KEYS)
    AUTO_FOCUS = "#answer"
    CSS = """
    EntryReviewScreen #review-entry { height: 1fr; padding: 0 1; }
    EntryReviewScreen #answer-pane { height: auto; padding: 0 1; border-top: solid $primary; }
    EntryReviewScreen #answer-label { height: auto; text-style: bold; }
    EntryReviewScreen #answer { height: 6; border: round $secondary; background: $boost; }
    EntryReviewScreen #answer:focus { border: round $accent; }
    App.-ascii EntryReviewScreen #answer-pane { border-top: ascii $primary; }
    App.-ascii EntryReviewScreen #answer { border: ascii $secondary; }
    App.-ascii EntryReviewScreen #answer:focus { border: ascii $accent; }
    EntryReviewScreen #status-box { height: auto; margin-top: 0; }
    EntryReviewScreen #status-row { height: 1; }
    EntryReviewScreen #status:focus { text-style: bold reverse; }
    EntryReviewScreen #status-hint { width: 1fr; color: $text-muted; }
    EntryReviewScreen #status-hint.-unsaved { color: $warning; text-style: bold; }
    """

    def __init__(self, entry_id: str):
        super().__init__()
        self.entry_id = entry_id
        self.entry: Entry | None = None
        self.follow_up = None  # what became of the planned try (kiosk.learning), if answered
        self._draft_timer = None
        self._answer_text = ""  # as typed, kept even when the screen goes (an idle log-out)
        self._draft_key = ""

    def compose(self) -> ComposeResult:
        t = self.t
        yield self.header()
        yield self.idle_banner()
        with VerticalScroll(id="review-entry"):
            yield Static("", id="entry-text")
        with Vertical(id="answer-pane"):
            yield Static(t("supervisor.answer_label"), id="answer-label", markup=False)
            yield TextArea(id="answer", soft_wrap=True, tab_behavior="focus", compact=True,
                           show_line_numbers=False, highlight_cursor_line=False,
                           placeholder=t("station.answer_placeholder"))
            with Vertical(id="status-box"):
                with Horizontal(id="status-row"):
                    yield StatusCycler(t("supervisor.status_label"),
                                       [(s, t(f"feed.status_values.{s}")) for s in STATUSES],
                                       ascii_only=self.app.ascii_only, id="status")
                    yield Static("", id="status-hint", markup=False)
                yield Input(placeholder=t("supervisor.reason_label"), id="reason",
                            max_length=400)
        yield self.keybar()

    def on_mount(self) -> None:
        self._draft_key = f"station-answer:{self.app.session.name}:{self.entry_id}"
        self.query_one("#status-box").display = False  # until the entry says it is an idea
        self.query_one("#answer", TextArea).focus()
        self.open_entry()

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-entry")
    def open_entry(self) -> None:
        app = self.app
        entry = app.review_index.entry(self.entry_id)
        if entry is not None and not entry.seen:
            entry = actions.mark_seen(app.store, self.entry_id, by=app.session.name,
                                      index=app.review_index, audit=app.audit)
        self.follow_up = learning_records(app.store).followup(self.entry_id)
        kept = app.store.load_draft(self._draft_key) or {}
        self.app.call_from_thread(self.show_entry, entry, kept.get("answer", ""))

    def show_entry(self, entry: Entry | None, kept_answer: str = "") -> None:
        """Show `entry` and set the status and reason to its stored values; an answer typed
        earlier and not sent (an idle log-out, a crash) is back in the box."""
        if entry is None:
            self.dismiss()
            return
        area = self.query_one("#answer", TextArea)
        if kept_answer.strip() and not area.text.strip():
            area.load_text(kept_answer)
            area.move_cursor(area.document.end)
            self.notify(self.t("station.answer_kept"), timeout=6)
        self.show_text(entry)
        self.query_one("#status-box").display = entry.kind == "idea"
        self.query_one("#status", Cycler).value = entry.status
        self.query_one("#reason", Input).value = entry.status_reason
        self.update_status_hint()

    def show_text(self, entry: Entry) -> None:
        """The entry's text, its marks and its answers; the controls below keep their values."""
        self.entry = entry
        t = self.t
        text = Text()
        if entry.urgent:
            text.append(f"{t('station.urgent_mark')} ", style="bold reverse red")
        text.append_text(literal(entry.headline, style="bold"))
        text.append(f"\n{entry.station} · {t('capture.category_values.' + entry.category)} · "
                    f"{t('capture.kind_values.' + entry.kind)} · "
                    f"{t('feed.created', when=when(entry.created))} · "
                    f"{t('station.language.written_in', language=language_name(entry.language))}")
        if entry.author is None:
            text.append(f" · {t('station.anonymous_mark')}", style="bold")
        text.append("\n")
        for name in ("what_happened", "noticed", "learned", "next_step"):
            value = getattr(entry, name).strip()
            if value:
                text.append(f"\n{t('capture.' + name)}\n", style="bold")
                text.append_text(literal(value))
                text.append("\n")
            if name == "next_step" and value and self.follow_up and self.follow_up.answer:
                text.append_text(follow_up_text(self.follow_up, t))
        for response in entry.responses:
            text.append("\n" + t("feed.answer_by", by=response.by, when=when(response.at)) + "\n",
                        style="bold")
            text.append_text(literal(response.text, style="green"))
            text.append("\n")
        self.query_one("#entry-text", Static).update(text)
        label = "supervisor.answer_label"
        if entry.author is None:
            label = "station.answer_label_anonymous" if entry.shared else \
                "station.answer_label_anonymous_only_you"
        self.query_one("#answer-label", Static).update(t(label))

    # -- unsaved changes ----------------------------------------------------------------------
    def unsaved(self) -> list[str]:
        """i18n keys of what leaving now would lose: an answer not sent, a status not saved."""
        lost = []
        if self.query_one("#answer", TextArea).text.strip():
            lost.append("station.leave_answer")
        if self.entry is not None and self.entry.kind == "idea" and (
                self.query_one("#status", Cycler).value != self.entry.status or
                self.query_one("#reason", Input).value.strip() != self.entry.status_reason):
            lost.append("station.leave_status")
        return lost

    def update_status_hint(self) -> None:
        changed = "station.leave_status" in self.unsaved()
        hint = self.query_one("#status-hint", Static)
        hint.update(self.t("station.status_unsaved" if changed else "station.status_hint"))
        hint.set_class(changed, "-unsaved")

    def on_cycler_changed(self, event: Cycler.Changed) -> None:
        self.update_status_hint()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.update_status_hint()

    # -- the answer being typed is kept as a draft, as a worker's entry is ------------------------
    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.id != "answer":
            return
        self._answer_text = event.text_area.text
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(DRAFT_DELAY, self.keep_answer)

    def keep_answer(self) -> None:
        """Write the answer being typed to the drafts file (none left when the box is empty)."""
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        text = self._answer_text
        try:
            if text.strip():
                self.app.store.save_draft(self._draft_key, {"answer": text})
            else:
                self.app.store.delete_draft(self._draft_key)
        except StoreError as exc:
            self.notify(self.app.strings.message(exc), severity="error", timeout=10, markup=False)

    def on_unmount(self) -> None:
        if self._draft_timer is not None:  # typed less than a second before the log-out
            self.keep_answer()

    def on_key(self, event: events.Key) -> None:
        """Typing on the status or the entry's text goes into the answer box."""
        if event.is_printable and event.character and \
                isinstance(self.focused, (StatusCycler, VerticalScroll)):
            event.stop()
            event.prevent_default()
            area = self.query_one("#answer", TextArea)
            area.focus()
            area.insert(event.character)

    def leave(self, then) -> None:
        """Run `then` now, or after the supervisor agreed to discard what is not saved."""
        lost = self.unsaved()
        if not lost:
            then()
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self._answer_text = ""
                self.keep_answer()  # discarded: not offered again
                then()

        self.app.push_screen(LeaveUnsavedScreen(lost), answered)

    # -- actions ------------------------------------------------------------------------------
    def _act(self, do, done_key: str) -> bool:
        try:
            self.entry = do()
        except (ReviewError, StoreError) as exc:
            self.notify(self.app.strings.message(exc), severity="error", timeout=10, markup=False)
            return False
        self.notify(self.t(done_key), timeout=4)
        return True

    def action_answer(self) -> None:
        app = self.app
        area = self.query_one("#answer", TextArea)

        def do():
            return actions.answer(app.store, self.entry_id, area.text, by=app.session.name,
                                  index=app.review_index, audit=app.audit)

        if self._act(do, "supervisor.answer_sent"):
            area.load_text("")
            self._answer_text = ""
            self.keep_answer()  # sent: no draft left
            self.show_text(self.entry)  # a status chosen but not saved yet stays as it is
            self.update_status_hint()

    def action_status(self) -> None:
        app = self.app
        status = self.query_one("#status", Cycler).value
        reason = self.query_one("#reason", Input).value

        def do():
            return actions.set_status(app.store, self.entry_id, status, by=app.session.name,
                                      reason=reason, index=app.review_index, audit=app.audit)

        if self._act(do, "supervisor.status_saved"):
            self.show_entry(self.entry)

    def action_share(self) -> None:
        """F4: share this entry with every station as a lesson (kiosk/learning/lessons.py)."""
        from kiosk.ui.screens.station.share import ShareLessonScreen

        if self.entry is not None:
            self.app.push_screen(ShareLessonScreen(self.entry),
                                 lambda said: said and self.notify(said, timeout=6, markup=False))

    def action_back(self) -> None:
        self.leave(self.dismiss)

    async def action_logout(self) -> None:
        self.leave(lambda: self.app.call_later(self.app.logout))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.notify(str(event.worker.error), severity="error", markup=False)


def follow_up_text(follow_up, t) -> Text:
    """"Tried it? Worked: the new jig held." under the planned try (the worker's own line is
    shown literally)."""
    text = Text(t("learning.station.followup",
                  answer=t(f"learning.followup.{follow_up.answer}")), style="bold")
    if follow_up.note:
        text.append(": ")
        text.append_text(literal(follow_up.note))
    text.append("\n")
    return text
