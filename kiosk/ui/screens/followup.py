"""At login, before the new entry: "On Tue 24 Nov you planned: '...'. Did you try it?" with
one-key answers, then one optional line "what happened". Esc skips; the rules of when to ask
are in kiosk/learning/followup.py."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from kiosk.learning.followup import ANSWERS, MAX_ASKS, MAX_NOTE_CHARS, DueFollowUp, record_answer
from kiosk.store_errors import StoreError
from kiosk.ui.text import one_line
from kiosk.ui.widgets.idle import IdleBanner
from kiosk.ui.widgets.keybar import Key, KeyButton

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
ANSWER_KEYS = {str(number): answer for number, answer in enumerate(ANSWERS, 1)}


def day_text(day: date, t) -> str:
    """"Tue 24 Nov" / "di 24 nov" in the session's language."""
    return t("learning.followup.date_format", weekday=t(f"learning.followup.weekdays."
                                                         f"{WEEKDAYS[day.weekday()]}"),
             day=day.day, month=t(f"learning.followup.months.{MONTHS[day.month - 1]}"))


class FollowUpScreen(ModalScreen[None]):
    """One planned try: 1-5 answer it, Esc skips (asked again later, at most MAX_ASKS times)."""

    BINDINGS = [Binding("escape,f6", "skip", show=False),
                *(Binding(key, f"answer('{answer}')", show=False) for key, answer in
                  ANSWER_KEYS.items())]
    AUTO_FOCUS = ""  # nothing: the line "what happened" takes focus only after an answer key
    DEFAULT_CSS = """
    FollowUpScreen #followup-answers, FollowUpScreen #followup-note { height: auto; margin: 1 0; }
    FollowUpScreen #followup-note Input { margin: 1 0 0 0; }
    FollowUpScreen #followup-skip { margin: 1 0 0 0; }
    """

    def __init__(self, due: DueFollowUp, asks: int, delay_days: int):
        super().__init__()
        self.due = due
        self.asks = asks  # the showings so far, this one included
        self.delay_days = delay_days
        self.chosen: str | None = None

    def compose(self) -> ComposeResult:
        t = self.app.t
        entry = self.due.entry
        yield IdleBanner()
        with Vertical(id="followup-box", classes="dialog"):
            yield Static(t("learning.followup.title"), classes="dialog-title", markup=False)
            yield Static(t("learning.followup.question", date=day_text(self.due.planned_on, t),
                           plan=one_line(entry.next_step, 160)), id="followup-question",
                         markup=False)
            with Vertical(id="followup-answers"):
                for key, answer in ANSWER_KEYS.items():
                    yield KeyButton(Key(key, f"learning.followup.{answer}", f"answer('{answer}')"),
                                    t(f"learning.followup.{answer}"))
            with Vertical(id="followup-note"):
                yield Static("", id="followup-note-title", markup=False)
                yield Input(placeholder=t("learning.followup.note_placeholder"), id="note",
                            max_length=MAX_NOTE_CHARS)
                yield Static(t("learning.followup.note_prompt"), classes="hint", markup=False)
            where = "private" if entry.visibility == "private" else "shared"
            yield Static(t(f"learning.followup.{where}"), classes="hint", markup=False)
            skip = KeyButton(Key("escape", "learning.followup.skip", "skip"),
                             t("learning.followup.skip"))
            skip.id = "followup-skip"
            yield skip

    def on_mount(self) -> None:
        self.query_one("#followup-note").display = False
        self.set_focus(None)

    def action_answer(self, answer: str) -> None:
        if self.chosen is not None:
            return
        if answer == "not_yet":
            self._save(answer, "")
            return
        self.chosen = answer
        self.query_one("#followup-answers").display = False
        self.query_one("#followup-skip").display = False  # Esc now keeps the answer
        self.query_one("#followup-note").display = True
        self.query_one("#followup-note-title", Static).update(
            self.app.t("learning.followup.note_title",
                       answer=self.app.t(f"learning.followup.{answer}")))
        self.query_one("#note", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.chosen is not None:
            self._save(self.chosen, event.value)

    def action_skip(self) -> None:
        if self.chosen is not None:  # Esc at the line "what happened": the answer without it
            self._save(self.chosen, "")
        else:
            self.dismiss(None)

    def _save(self, answer: str, note: str) -> None:
        t = self.app.t
        try:
            record_answer(self.app.store, self.due.entry.id, answer, note)
        except StoreError as exc:
            self.app.notify(t("learning.followup.failed", reason=self.app.strings.message(exc)),
                            severity="error", timeout=10, markup=False)
            self.dismiss(None)
            return
        if answer != "not_yet":
            said = t("learning.followup.saved")
        elif self.asks < MAX_ASKS:
            said = t("learning.followup.later", days=self.delay_days)
        else:
            said = t("learning.followup.last")
        self.app.notify(said, timeout=4, markup=False)
        self.dismiss(None)
