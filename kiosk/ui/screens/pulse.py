"""At log-out, at most once a week per badge: three one-key questions on a 1-5 scale about the
week (learned something new, ideas heard, work pressure). Esc skips; the answers are stored
without author or time (kiosk/learning/pulse.py), then the worker is logged out."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from kiosk.learning.pulse import QUESTIONS, SCALE, record_pulse
from kiosk.store_errors import StoreError
from kiosk.ui.widgets.idle import IdleBanner
from kiosk.ui.widgets.keybar import Key, KeyButton

SCALE_KEYS = {"learned": "scale_agree", "heard": "scale_agree", "pressure": "scale_pressure"}


class PulseScreen(ModalScreen[str | None]):
    """The three questions one after the other; 1-5 answers, Esc skips them all. Dismissed
    with what to tell the worker after the log-out (a text), or None."""

    BINDINGS = [Binding("escape", "skip", show=False),
                *(Binding(str(n), f"answer({n})", show=False) for n in SCALE)]
    DEFAULT_CSS = """
    PulseScreen .pulse-question { height: auto; margin: 1 0 0 0; }
    PulseScreen #pulse-scale-keys { height: 1; margin: 1 0 0 0; }
    PulseScreen #pulse-scale { margin: 0 0 1 0; }
    PulseScreen .keybutton { margin: 0 1 0 0; }
    """

    def __init__(self, now):
        super().__init__()
        self.now = now  # the week of the answers; never stored as a time
        self.answers: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        t = self.app.t
        yield IdleBanner()
        with Vertical(id="pulse-box", classes="dialog"):
            yield Static(t("learning.pulse.title"), classes="dialog-title", markup=False)
            yield Static(t("learning.pulse.intro", min=self.app.config.min_group_size),
                         classes="hint", markup=False)
            yield Static("", id="pulse-questions", classes="pulse-question", markup=False)
            yield Static("", id="pulse-step", markup=False)
            with Horizontal(id="pulse-scale-keys"):
                for n in SCALE:
                    yield KeyButton(Key(str(n), "", f"answer({n})"), "")
            yield Static("", id="pulse-scale", classes="hint", markup=False)
            yield KeyButton(Key("escape", "learning.pulse.skip", "skip"),
                            t("learning.pulse.skip"))

    def on_mount(self) -> None:
        self._show()

    @property
    def current(self) -> str | None:
        return next((q for q in QUESTIONS if q not in self.answers), None)

    def _show(self) -> None:
        t = self.app.t
        lines = []
        for question in QUESTIONS:
            answer = self.answers.get(question)
            mark = "▶" if question == self.current else " "
            lines.append(f"{mark} {t(f'learning.pulse.{question}')}"
                         + (f": {answer}" if answer else ""))
        self.query_one("#pulse-questions", Static).update("\n".join(lines))
        if self.current is not None:
            self.query_one("#pulse-step", Static).update(
                t("learning.pulse.step", number=QUESTIONS.index(self.current) + 1))
            self.query_one("#pulse-scale", Static).update(
                t(f"learning.pulse.{SCALE_KEYS[self.current]}"))

    def action_answer(self, value: int) -> None:
        question = self.current
        if question is None:
            return
        self.answers[question] = value
        if self.current is not None:
            self._show()
            return
        app = self.app
        try:
            record_pulse(app.store, app.config, self.now, self.answers)
        except StoreError as exc:
            self.dismiss(app.t("learning.pulse.failed", reason=app.strings.message(exc)))
            return
        self.dismiss(app.t("learning.pulse.thanks"))

    def action_skip(self) -> None:
        self.dismiss(None)
