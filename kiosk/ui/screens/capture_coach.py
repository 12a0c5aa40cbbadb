"""The coach side of the capture screen: asking (F5, or by itself after a pause in the typing),
a thinking line while the model works, the suggestion list that only grows at its end, the
worker's verdicts (recorded once each, in kiosk.coach.offers), the box a used suggestion goes
into (←/→ in the list), the suggested category (F7 takes it), and closing the panel (F5, or Esc
once the model is stopped). Focus stays in the list while the worker decides, so no key meant
for the coach is typed into their text."""

from __future__ import annotations

import threading

from textual import work
from textual.message import Message
from textual.widgets import OptionList, TextArea
from textual.worker import Worker, WorkerState

from kiosk.coach.classify import Related
from kiosk.coach.offers import Offers, step_field, target_field
from kiosk.coach.suggest import Suggestions
from kiosk.coach.text import coach_languages
from kiosk.entries import REFLECTION_FIELDS
from kiosk.i18n import language_name
from kiosk.langdetect import detect
from kiosk.learning.lessons import seen_before_candidates
from kiosk.ui.screens.edit_suggestion import EditSuggestionScreen
from kiosk.ui.widgets.coachpanel import CoachPanel, SuggestionList
from kiosk.ui.widgets.cycler import Cycler
from kiosk.ui.widgets.fitbar import FittingKeyBar

MIN_WORDS_FOR_COACH = 4  # offer suggestions automatically only once there is something to ask about


class CoachToken(Message):
    def __init__(self, token: str):
        super().__init__()
        self.token = token


class CoachDone(Message):
    """The suggestions, with the related earlier entries ("seen before?") the worker thread
    found in the store, for the round started with `cancel`."""

    def __init__(self, result: Suggestions, related: list[Related], cancel: threading.Event):
        super().__init__()
        self.result, self.related, self.cancel = result, related, cancel


class CoachMixin:
    """Mixed into CaptureScreen, which owns the form (`writing()`, `_changed()`, `_last_field`)."""

    def init_coach(self, decided) -> None:
        self.offers = Offers.from_draft(decided)
        self._coach_timer = None
        self._coach_cancel: threading.Event | None = None
        self._coach_text = ""  # the text the last suggestions were asked for
        self._coach_closed = False  # the worker closed the panel: no asking by itself
        self._picked: str | None = None  # the box picked with ←/→ for the next suggestion
        self.coach_tokens = 0  # tokens of the running round (counted, never shown)
        self._fresh_boxes: set[str] = set()  # boxes that end with a suggestion just used

    @property
    def coach_open(self) -> bool:
        return self.has_class("-coach-open")

    def refresh_coach_status(self) -> None:
        coach = self.app.coach
        text = coach.status_text(self.app.language) if coach is not None else \
            self.t("coach.status.disabled")
        self.query_one(CoachPanel).set_status(text)

    # -- asking ---------------------------------------------------------------------------------
    def _schedule_coach(self) -> None:
        if self._coach_timer is not None:
            self._coach_timer.stop()
        self._coach_timer = self.set_timer(self.app.config.pause_seconds, self._coach_on_pause)

    def _coach_on_pause(self) -> None:
        """The worker paused: ask again if there are enough new words (unless they closed it)."""
        self._coach_timer = None
        text = self.writing()
        if len(text.split()) >= MIN_WORDS_FOR_COACH and text != self._coach_text \
                and self._coach_cancel is None and not self._coach_closed \
                and self.app.coach is not None:
            self._open_panel()
            self._ask(text)

    def action_coach(self) -> None:
        """F5: close the coach when it is open; else open it, asking when the text is new."""
        if self.coach_open:
            self.close_coach()
            return
        text = self.writing()
        if self.app.coach is None:
            self.notify(self.t("coach.status.disabled"), timeout=4)
            return
        if not text:
            self.notify(self.t("capture.empty"), timeout=4)
            return
        self._open_panel()
        if text != self._coach_text:
            self._ask(text)

    def _ask(self, text: str) -> None:
        self.stop_coach()
        self._coach_text = text
        self._coach_cancel = threading.Event()
        self.coach_tokens = 0
        self.query_one(CoachPanel).set_thinking(True)
        session = self.app.session
        self._run_coach(text, self.app.language, self._coach_cancel,
                        session.author if session else None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="coach")
    def _run_coach(self, text: str, language: str, cancel: threading.Event,
                   author: str | None) -> None:
        """In a worker thread: the language of `text` (the screen's `language` when it cannot be
        told, or the coach has no content for it), the suggestions in it, then the earlier
        entries like `text` among the station's shared ones and the worker's own, sent to the UI
        in one message (the store is read here, never on the UI thread)."""
        app = self.app
        written = detect(text, app.languages, language).language  # the text's, not the screen's
        if written in coach_languages():  # else the screen's: the coach has no content for it
            language = written
        result = app.coach.suggest(text, language, cancel=cancel,
                                   on_token=lambda token: self.post_message(CoachToken(token)))
        candidates = app.store.feed(app.config.station, limit=300)
        if author:
            candidates += app.store.by_author(author, limit=100)
        candidates += seen_before_candidates(app.store)  # lessons shared from elsewhere
        related = app.coach.related(text, candidates, k=3, lang=language, author=author)
        self.post_message(CoachDone(result, related, cancel))

    def written_language(self) -> str:
        """The language the worker wrote in, to store with the entry: the screen's when the text
        is too short or too mixed to tell (kiosk.langdetect)."""
        return detect(self.writing(), self.app.languages, self.app.language).language

    def on_coach_token(self, message: CoachToken) -> None:
        self.coach_tokens += 1

    def on_coach_done(self, message: CoachDone) -> None:
        if message.cancel is self._coach_cancel:
            self._coach_cancel = None
            self.query_one(CoachPanel).set_thinking(False)
        result = message.result
        self._coach_language = result.language  # the panel says so when it is not the screen's
        self.offers.add([*result.items, result.category_suggestion])  # only what is new
        self._show_offers()
        headlines = [r.entry.headline for r in message.related] or [self.t("coach.related.none")]
        self.query_one(CoachPanel).show_related(self.t("coach.related.heading"), headlines)

    def stop_coach(self) -> None:
        if self._coach_timer is not None:
            self._coach_timer.stop()
            self._coach_timer = None
        if self._coach_cancel is not None:
            self._coach_cancel.set()
            self._coach_cancel = None
            self.query_one(CoachPanel).set_thinking(False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "coach" and event.state == WorkerState.ERROR:
            self._coach_cancel = None
            self.query_one(CoachPanel).set_thinking(False)
            self.notify(str(event.worker.error), severity="error", markup=False)

    # -- opening and closing ----------------------------------------------------------------------
    def action_escape(self) -> None:
        """Esc stops the model; once it is stopped, Esc closes the coach."""
        if self._coach_cancel is not None:
            self.stop_coach()
            self.notify(self.t("coach.panel.stopped"), timeout=2)
        elif self.coach_open:
            self.close_coach()

    def _open_panel(self) -> None:
        self._coach_closed = False
        self.remove_class("-coach-closed")
        self.add_class("-coach-open")
        self._show_offers()
        self.call_after_refresh(self.fit_choices)

    def close_coach(self) -> None:
        self.stop_coach()
        self._coach_closed = True
        self.remove_class("-coach-open")
        self.add_class("-coach-closed")
        self.call_after_refresh(self.fit_choices)
        panel = self.query_one(CoachPanel)
        if self.focused is None or panel in self.focused.ancestors_with_self:
            self.query_one(f"#{self._last_field}", TextArea).focus()
        self._show_offers()

    # -- the list ---------------------------------------------------------------------------------
    def _show_offers(self) -> None:
        """The list, the category line, the target line, the current box and the key bar, as the
        offers and the panel stand now."""
        panel = self.query_one(CoachPanel)
        panel.show_suggestions(self.offers.open(), visible=len(self.offers) > 0)
        self._show_category()
        self._show_target()
        self._sync_keys()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if isinstance(event.option_list, SuggestionList):
            self._show_target()

    def on_suggestion_list_target(self, message: SuggestionList.Target) -> None:
        target = self._target()
        if target is not None:
            self._picked = step_field(target, message.delta)
            self._show_target()

    def _target(self) -> str | None:
        """The box the highlighted suggestion would go into (None: the title, or nothing)."""
        index = self.query_one(CoachPanel).suggestions.highlighted_index()
        if index is None:
            return None
        kind = self.offers[index].s.kind
        return None if kind == "title" else self._picked or target_field(kind, self._last_field)

    def _show_target(self) -> None:
        panel = self.query_one(CoachPanel)
        index = panel.suggestions.highlighted_index()
        target = self._target()
        if index is None or not panel.suggestions.display:
            text = ""
        elif target is None:
            text = self.t("capture_coach.panel.into_title")
        else:
            left, right = ("<", ">") if self.app.ascii_only else ("◀", "▶")
            text = self.t("capture_coach.panel.into", box=f"{left} "
                          f"{self.t('capture.' + target)} {right}")
        panel.show_target(text)
        self.mark_current()

    def current_field(self) -> str:
        """The box shown tall: the one being written in, or the one the suggestion goes into."""
        focused = self.focused
        if isinstance(focused, TextArea) and focused.id in REFLECTION_FIELDS:
            return focused.id
        if isinstance(focused, SuggestionList):
            return self._target() or self._last_field
        return self._last_field

    def on_suggestion_list_verdict(self, message: SuggestionList.Verdict) -> None:
        offer = self.offers[message.index]
        if offer.verdict is not None:
            return
        target = self._target()
        if message.action == "dismiss":
            self.offers.decide(message.index, "dismissed")
            self._show_offers()
            self._changed()  # the draft keeps the verdict
        elif message.action == "accept":
            self._use(message.index, offer.s.text, "accepted", target)
        else:
            def edited(text: str | None) -> None:
                if text and text.strip():
                    self._use(message.index, text.strip(), "edited", target)

            self.app.push_screen(EditSuggestionScreen(offer.s.text), edited)

    def _use(self, index: int, text: str, verdict: str, target: str | None) -> None:
        """Copy a suggestion into box `target` (the title when None), marked as AI text when the
        model wrote it. The focus stays in the list."""
        if not self.offers.decide(index, verdict, text):
            return
        s = self.offers[index].s
        if target is None:
            self.initial["title"] = text[:120]
            self.notify(self.t("coach.panel.title_set", title=text[:120]), timeout=3,
                        markup=False)
        else:
            marked = f"({self.t('coach.panel.ai_mark')}) {text}" if s.is_ai else text
            area = self.query_one(f"#{target}", TextArea)
            # no new line after it: a box shown one line high shows the line just added
            area.load_text((area.text.rstrip() + "\n" if area.text.strip() else "") + marked)
            self._fresh_boxes.add(target)
            area.move_cursor(area.document.end)
            area.scroll_cursor_visible()
        self._picked = None
        self._show_offers()
        # Only the worker's own new words ask the coach again, not the suggestion just copied in.
        self._coach_text = self.writing()
        self._changed()

    # -- the suggested category -------------------------------------------------------------------
    def _category_pending(self) -> str | None:
        suggested = self.offers.category()
        current = self.query_one("#category", Cycler).value
        return suggested if suggested is not None and suggested != current else None

    def _show_category(self) -> None:
        suggested = self.offers.category()
        text = ""
        if suggested is not None:
            name = self.t(f"capture.category_values.{suggested}")
            key = "category_offer" if self._category_pending() else "category_taken"
            text = self.t(f"capture_coach.panel.{key}", category=name)
        followed = getattr(self, "_coach_language", None)
        if followed and followed != self.app.language and len(self.offers) > 0:
            note = self.t("coach.written_in.note", language=language_name(followed))
            text = f"{text}\n{note}" if text else note
        self.query_one(CoachPanel).show_category(text)

    def start_answer_line(self, widget) -> None:
        """Back in a box that ends with a suggestion just used: a new line to answer on (else
        the worker's words were glued to the question: "...gestaan?Iemand had")."""
        if not isinstance(widget, TextArea) or widget.id not in self._fresh_boxes:
            return
        self._fresh_boxes.discard(widget.id)
        if widget.text.strip() and not widget.text.endswith("\n"):
            widget.insert("\n", widget.document.end)
            widget.move_cursor(widget.document.end)
            self._coach_text = self.writing()  # a new line is no new text for the coach

    def action_take_category(self) -> None:
        """F7: the suggested category goes into the entry's category choice."""
        suggested = self._category_pending()
        if suggested is not None:
            self.query_one("#category", Cycler).value = suggested  # Changed updates the lines

    # -- the key bar ------------------------------------------------------------------------------
    def _sync_keys(self) -> None:
        bar = self.query_one(FittingKeyBar)
        wanted = {"f1", "f2", "f3", "f4", "f5", "f6", "f10", "f12"}
        shown = not self._coach_closed and (self.coach_open or self.has_class("-wide"))
        if shown and self._category_pending():
            wanted.add("f7")
        label = "capture_coach.keys.close" if self.coach_open else "keys.coach"
        bar.show(wanted, {"f5": self.t(label)})
