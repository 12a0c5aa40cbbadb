"""The coach panel beside (or below) the entry form: a short "thinking" line while the model
works (never its raw text), the suggested category (only a suggestion, taken with a key), the
suggestions the worker can use, edit or dismiss (only the model's text is marked [AI]; one line
says where the others come from), the box a used suggestion goes into, and related entries.

The list only grows at its end and loses the suggestions the worker decided on, so the worker's
place in it never moves under them."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kiosk.ui.text import literal, one_line

EMPTY = "empty"  # the id of the line shown when every suggestion is decided


class SuggestionList(OptionList):
    """Enter uses the highlighted suggestion, e edits it, d (or Delete) dismisses it, ←/→ pick
    the box it goes into. Focus stays here after each of them."""

    BINDINGS = [
        Binding("e", "verdict('edit')", show=False),
        Binding("d,delete", "verdict('dismiss')", show=False),
        Binding("left", "target(-1)", show=False),
        Binding("right", "target(1)", show=False),
    ]

    class Verdict(Message):
        def __init__(self, index: int, action: str):
            super().__init__()
            self.index, self.action = index, action

    class Target(Message):
        """The worker steps the box the highlighted suggestion goes into."""

        def __init__(self, delta: int):
            super().__init__()
            self.delta = delta

    def on_focus(self) -> None:
        # Reached with Tab, the first suggestion is ready for Enter / e / d (no Down needed).
        if self.highlighted is None and self.option_count:
            self.highlighted = 0

    def highlighted_index(self) -> int | None:
        """The offer index of the highlighted suggestion (None on the "nothing left" line)."""
        option = self.highlighted_option
        return int(option.id) if option is not None and option.id != EMPTY else None

    def action_verdict(self, action: str) -> None:
        index = self.highlighted_index()
        if index is not None:
            self.post_message(self.Verdict(index, action))

    def action_target(self, delta: int) -> None:
        self.post_message(self.Target(delta))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id != EMPTY:
            self.post_message(self.Verdict(int(event.option.id), "accept"))


class CoachPanel(Vertical):
    def __init__(self, translate):
        super().__init__(id="coach-panel")
        self.t = translate
        self.border_title = translate("coach.panel.title")
        self.thinking = False
        self._status = ""

    def compose(self) -> ComposeResult:
        yield Static(self.t("coach.panel.title"), classes="panel-title", markup=False)
        yield Static("", id="coach-status", markup=False)
        yield Static("", id="coach-category", markup=False)
        yield Static(self.t("coach.panel.hint"), id="coach-hint", classes="hint", markup=False)
        yield Static("", id="coach-target", markup=False)
        yield SuggestionList(id="suggestions")
        yield Static("", id="coach-marks", classes="hint", markup=False)
        yield Static("", id="related", markup=False)

    def on_mount(self) -> None:
        for name in ("suggestions", "coach-category", "coach-target", "coach-marks"):
            self.query_one(f"#{name}").display = False

    @property
    def suggestions(self) -> SuggestionList:
        return self.query_one("#suggestions", SuggestionList)

    # -- status and the thinking line -----------------------------------------------------------
    def set_status(self, text: str) -> None:
        self._status = text
        if not self.thinking:
            self.query_one("#coach-status", Static).update(text)

    def set_thinking(self, thinking: bool) -> None:
        """While the model works: one short line in the status's place, never the model's text."""
        self.thinking = thinking
        line = self.query_one("#coach-status", Static)
        line.set_class(thinking, "-thinking")
        line.update(self.t("capture_coach.panel.thinking") if thinking else self._status)
        self._show_hint()

    def _show_hint(self) -> None:
        """How to use the list when there is one; how to ask, unless the coach is asked now."""
        hint = self.query_one("#coach-hint", Static)
        listed = any(self.suggestions.get_option_at_index(i).id != EMPTY
                     for i in range(self.suggestions.option_count))
        hint.update(self.t("capture_coach.panel.list_hint") if listed
                    else self.t("coach.panel.hint"))
        hint.display = listed or not self.thinking

    # -- the list -------------------------------------------------------------------------------
    def show_suggestions(self, open_offers: list, *, visible: bool = True) -> None:
        """Make the list show `open_offers` ((index, Offer) pairs, in order): the ones decided on
        leave it, new ones are appended, the highlight stays on the same suggestion."""
        suggestions = self.suggestions
        wanted = [str(index) for index, _ in open_offers]
        shown = [suggestions.get_option_at_index(i).id for i in range(suggestions.option_count)]
        kept = suggestions.highlighted_index()
        for option_id in shown:
            if option_id not in wanted:
                suggestions.remove_option(option_id)
        present = set(shown)
        suggestions.add_options([self._option(index, offer) for index, offer in open_offers
                                 if str(index) not in present])
        if not wanted and visible:
            suggestions.add_option(Option(Text(self.t("capture_coach.panel.none_left"),
                                               style="italic"), id=EMPTY, disabled=True))
        if kept is not None and str(kept) in wanted:
            suggestions.highlighted = wanted.index(str(kept))
        elif wanted and suggestions.highlighted is not None:
            suggestions.highlighted = min(suggestions.highlighted, len(wanted) - 1)
        elif wanted and suggestions.has_focus:
            suggestions.highlighted = 0
        suggestions.display = visible and suggestions.option_count > 0
        ai = any(o.s.is_ai for _, o in open_offers)
        others = any(not o.s.is_ai for _, o in open_offers)
        marks = self.query_one("#coach-marks", Static)
        marks.update(self.t("coach.panel.others_mark"))
        marks.display = ai and others  # said once, not on every line
        self._show_hint()

    def _option(self, index: int, offer) -> Option:
        s = offer.s
        text = Text()
        if s.is_ai:
            text.append(f"[{self.t('coach.panel.ai_mark')}]", style="bold reverse")
            text.append(" ")
        text.append(f"{self.t('coach.kind.' + s.kind)}: ", style="bold")
        text.append_text(literal(one_line(s.text, 300)))
        return Option(text, id=str(index))

    def clear(self) -> None:
        self.suggestions.clear_options()
        self.show_suggestions([], visible=False)
        self.show_category("")
        self.show_target("")
        self.show_related("", [])

    # -- lines around it ------------------------------------------------------------------------
    def show_target(self, text: str) -> None:
        target = self.query_one("#coach-target", Static)
        target.update(text)
        target.display = bool(text)

    def show_category(self, text: str) -> None:
        category = self.query_one("#coach-category", Static)
        category.update(text)
        category.display = bool(text)

    def show_related(self, heading: str, headlines: list[str]) -> None:
        text = Text(heading, style="bold")
        for line in headlines:
            text.append("\n- ")
            text.append_text(literal(one_line(line, 120)))
        self.query_one("#related", Static).update(text)
