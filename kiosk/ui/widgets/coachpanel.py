"""The coach panel beside (or below) the entry form: streamed model text, suggestions the worker
can use, edit or dismiss (only the model's text is marked [AI]; one line says where the others
come from), and related entries."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kiosk.ui.text import literal, one_line


class SuggestionList(OptionList):
    """Enter uses the highlighted suggestion, e edits it, d (or Delete) dismisses it."""

    BINDINGS = [
        Binding("e", "verdict('edit')", show=False),
        Binding("d,delete", "verdict('dismiss')", show=False),
    ]

    class Verdict(Message):
        def __init__(self, index: int, action: str):
            super().__init__()
            self.index, self.action = index, action

    def on_focus(self) -> None:
        # Reached with Tab, the first suggestion is ready for Enter / e / d (no Down needed).
        if self.highlighted is None and self.option_count:
            self.highlighted = 0

    def action_verdict(self, action: str) -> None:
        option = self.highlighted_option
        if option is not None:
            self.post_message(self.Verdict(int(option.id), action))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Verdict(int(event.option.id), "accept"))


class CoachPanel(Vertical):
    def __init__(self, translate):
        super().__init__(id="coach-panel")
        self.t = translate
        self.stream = ""

    def compose(self) -> ComposeResult:
        yield Static(self.t("coach.panel.title"), classes="panel-title", markup=False)
        yield Static("", id="coach-status", markup=False)
        yield Static(self.t("coach.panel.hint"), id="coach-hint", classes="hint", markup=False)
        yield Static("", id="coach-stream", markup=False)
        yield SuggestionList(id="suggestions")
        yield Static("", id="coach-category", classes="hint", markup=False)
        yield Static("", id="related", markup=False)

    def on_mount(self) -> None:
        self.query_one("#suggestions").display = False
        self.query_one("#coach-stream").display = False

    def set_status(self, text: str) -> None:
        self.query_one("#coach-status", Static).update(text)

    def start_stream(self) -> None:
        self.stream = ""
        stream = self.query_one("#coach-stream", Static)
        stream.update(self.t("coach.panel.writing"))
        stream.display = True

    def add_token(self, token: str) -> None:
        self.stream += token
        text = Text(self.t("coach.panel.writing") + "\n", style="italic")
        text.append_text(literal(self.stream[-600:]))
        self.query_one("#coach-stream", Static).update(text)

    def end_stream(self) -> None:
        self.query_one("#coach-stream", Static).display = False

    def show_suggestions(self, offered: list[dict]) -> None:
        """`offered`: dicts with "s" (a coach Suggested) and "verdict"; undecided ones are listed."""
        options, ai, others = [], False, False
        for index, item in enumerate(offered):
            if item["verdict"] is not None or item["s"].kind == "category":
                continue
            s = item["s"]
            text = Text()
            if s.is_ai:
                text.append(f"[{self.t('coach.panel.ai_mark')}]", style="bold reverse")
                text.append(" ")
            ai, others = ai or s.is_ai, others or not s.is_ai
            text.append(f"{self.t('coach.kind.' + s.kind)}: ", style="bold")
            text.append_text(literal(one_line(s.text, 300)))
            options.append(Option(text, id=str(index)))
        suggestions = self.query_one("#suggestions", SuggestionList)
        was = suggestions.highlighted
        suggestions.clear_options()
        suggestions.add_options(options)
        suggestions.display = bool(options)
        if options and (was is not None or suggestions.has_focus):
            # after a verdict the next suggestion (now in the same place) is ready for Enter/e/d
            suggestions.highlighted = min(was or 0, len(options) - 1)
        hint = self.query_one("#coach-hint", Static)
        text = self.t("coach.panel.list_hint") if options else self.t("coach.panel.hint")
        if ai and others:  # said once, not on every line
            text += "\n" + self.t("coach.panel.others_mark")
        hint.update(text)

    def show_category(self, text: str) -> None:
        self.query_one("#coach-category", Static).update(text)

    def show_related(self, heading: str, headlines: list[str]) -> None:
        text = Text(heading, style="bold")
        for line in headlines:
            text.append("\n- ")
            text.append_text(literal(one_line(line, 120)))
        self.query_one("#related", Static).update(text)
