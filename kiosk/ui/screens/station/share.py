"""F4 on an entry at the station: share it with every station as a lesson, in the words the
supervisor chooses (kiosk/learning/lessons.py); the author never goes with it. Shared before:
F2 saves the new words, F8 takes the lesson back."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static, TextArea

from kiosk.entries import MAX_TITLE_CHARS, Entry
from kiosk.learning import lessons
from kiosk.learning.record_files import show_day
from kiosk.review.audit import AuditError
from kiosk.store_errors import StoreError


class ShareLessonScreen(ModalScreen[str | None]):
    """Dismissed with what to tell the supervisor (shared, withdrawn), or None."""

    BINDINGS = [
        Binding("escape", "close", show=False, priority=True),
        Binding("f2", "share", show=False, priority=True),
        Binding("f8", "withdraw", show=False, priority=True),
    ]
    DEFAULT_CSS = """
    ShareLessonScreen #lesson-text { height: 6; border: round $secondary; }
    ShareLessonScreen #share-error { color: $error; }
    """

    def __init__(self, entry: Entry):
        super().__init__()
        self.entry = entry
        self.shared: lessons.Lesson | None = None

    def compose(self) -> ComposeResult:
        t, entry = self.app.t, self.entry
        self.shared = lessons.shared_lesson(self.app.store, entry.id)
        title, text = ((self.shared.title, self.shared.text) if self.shared
                       else lessons.suggested_wording(entry))
        with Vertical(id="share-box", classes="dialog"):
            yield Static(t("learning.share.title"), classes="dialog-title", markup=False)
            intro = "learning.share.intro" if entry.visibility == "team" else \
                "learning.share.intro_own_words"
            yield Static(t(intro, station=entry.station, day=show_day(
                lessons.entry_day(entry.created))), markup=False)
            yield Input(value=title, id="lesson-title", max_length=MAX_TITLE_CHARS,
                        placeholder=t("learning.share.title_placeholder"))
            area = TextArea(id="lesson-text", soft_wrap=True, tab_behavior="focus",
                            show_line_numbers=False, highlight_cursor_line=False,
                            placeholder=t("learning.share.text_placeholder"))
            area.load_text(text)
            yield area
            yield Static("", id="share-error", markup=False)
            yield Static(t("learning.share.keys_shared" if self.shared else "learning.share.keys"),
                         classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#lesson-text", TextArea).focus()

    def _by(self) -> str:
        return self.app.session.name if self.app.session else ""

    def action_share(self) -> None:
        app = self.app
        try:
            lesson = lessons.share_lesson(
                app.store, self.entry.id, title=self.query_one("#lesson-title", Input).value,
                text=self.query_one("#lesson-text", TextArea).text, by=self._by(),
                audit=app.audit)
        except (lessons.LessonError, StoreError, AuditError) as exc:
            self.query_one("#share-error", Static).update(app.strings.message(exc))
            return
        self.dismiss(app.t("learning.share.done", title=lesson.headline))

    def action_withdraw(self) -> None:
        if self.shared is None:
            return
        app = self.app
        try:
            lessons.withdraw_lesson(app.store, self.entry.id, by=self._by(), audit=app.audit)
        except (lessons.LessonError, StoreError, AuditError) as exc:
            self.query_one("#share-error", Static).update(app.strings.message(exc))
            return
        self.dismiss(app.t("learning.share.withdrawn"))

    def action_close(self) -> None:
        self.dismiss(None)
