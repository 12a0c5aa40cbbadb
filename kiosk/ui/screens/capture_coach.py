"""The capture screen's coach: suggestions for what the worker wrote, in the language they wrote
it in (kiosk.langdetect), streamed into the coach panel; the worker's verdicts on them."""

from __future__ import annotations

import threading
from typing import Any

from textual import work
from textual.message import Message
from textual.widgets import TextArea
from textual.worker import Worker, WorkerState

from kiosk.coach.classify import Related
from kiosk.coach.suggest import Suggestions
from kiosk.coach.text import coach_languages
from kiosk.entries import REFLECTION_FIELDS
from kiosk.i18n import language_name
from kiosk.langdetect import detect
from kiosk.ui.screens.edit_suggestion import EditSuggestionScreen
from kiosk.ui.widgets.coachpanel import CoachPanel, SuggestionList
from kiosk.ui.widgets.cycler import Cycler

MIN_WORDS_FOR_COACH = 4  # offer suggestions automatically only once there is something to ask about


class CoachToken(Message):
    def __init__(self, token: str):
        super().__init__()
        self.token = token


class CoachDone(Message):
    """The suggestions, with the related earlier entries ("seen before?") the worker thread
    found in the store."""

    def __init__(self, result: Suggestions, related: list[Related]):
        super().__init__()
        self.result, self.related = result, related


class CaptureCoach:
    """Mixed into CaptureScreen: everything the coach panel does there."""

    # -- coach --------------------------------------------------------------------------------
    def refresh_coach_status(self) -> None:
        coach = self.app.coach
        text = coach.status_text(self.app.language) if coach is not None else \
            self.t("coach.status.disabled")
        self.query_one(CoachPanel).set_status(text)

    def writing(self) -> str:
        return "\n".join(self.query_one(f"#{n}", TextArea).text for n in REFLECTION_FIELDS).strip()

    def _schedule_coach(self) -> None:
        if self._coach_timer is not None:
            self._coach_timer.stop()
        self._coach_timer = self.set_timer(self.app.config.pause_seconds, self._coach_on_pause)

    def _coach_on_pause(self) -> None:
        """The worker paused: offer suggestions if there is enough new text."""
        self._coach_timer = None
        text = self.writing()
        if len(text.split()) >= MIN_WORDS_FOR_COACH and text != self._coach_text \
                and self._coach_cancel is None:
            self.action_coach()

    def action_coach(self) -> None:
        coach = self.app.coach
        text = self.writing()
        if coach is None:
            self.notify(self.t("coach.status.disabled"), timeout=4)
            return
        if not text:
            self.notify(self.t("capture.empty"), timeout=4)
            return
        self.stop_coach()
        self.add_class("-coach-open")
        self._coach_text = text
        self._coach_cancel = threading.Event()
        self.query_one(CoachPanel).start_stream()
        session = self.app.session
        self._run_coach(text, self.app.language, self._coach_cancel,
                        session.author if session else None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="coach")
    def _run_coach(self, text: str, language: str, cancel: threading.Event,
                   author: str | None) -> None:
        """In a worker thread: the language of `text` (the screen's `language` when it cannot be
        told, or the coach has no content for it), the suggestions in it, then the earlier entries like `text` among the station's
        shared ones and the worker's own, sent to the UI in one message (the store is read here,
        never on the UI thread)."""
        app = self.app
        written = detect(text, app.languages, language).language  # the text's, not the screen's
        if written in coach_languages():  # else the screen's: the coach has no content for it
            language = written
        result = app.coach.suggest(text, language, cancel=cancel,
                                   on_token=lambda token: self.post_message(CoachToken(token)))
        candidates = app.store.feed(app.config.station, limit=300)
        if author:
            candidates += app.store.by_author(author, limit=100)
        related = app.coach.related(text, candidates, k=3, lang=language, author=author)
        self.post_message(CoachDone(result, related))

    def written_language(self) -> str:
        """The language the worker wrote in, to store with the entry: the screen's when the text
        is too short or too mixed to tell (kiosk.langdetect)."""
        return detect(self.writing(), self.app.languages, self.app.language).language

    def on_coach_token(self, message: CoachToken) -> None:
        if self._coach_cancel is not None and not self._coach_cancel.is_set():
            self.query_one(CoachPanel).add_token(message.token)

    def on_coach_done(self, message: CoachDone) -> None:
        self._coach_cancel = None
        panel = self.query_one(CoachPanel)
        panel.end_stream()
        result = message.result
        # Earlier undecided suggestions are replaced; decided ones stay on record.
        self.offered = [o for o in self.offered if o["verdict"] is not None]
        self.offered += [{"s": s, "verdict": None, "final": None} for s in result.items]
        guess = result.category
        if guess.confident and not self._category_touched:
            self._loading = True
            self.query_one("#category", Cycler).value = guess.category
            self.call_after_refresh(self._loaded)
        category = self.t(f"capture.category_values.{guess.category}")
        shown = self.t("coach.panel.category", category=category)
        if result.language != self.app.language:  # the coach followed the worker's text
            shown += "\n" + self.t("coach.written_in.note", language=language_name(result.language))
        panel.show_category(shown)
        self.offered.append({"s": result.category_suggestion, "verdict": None, "final": None})
        panel.show_suggestions(self.offered)
        headlines = [r.entry.headline for r in message.related] or [self.t("coach.related.none")]
        panel.show_related(self.t("coach.related.heading"), headlines)

    def stop_coach(self) -> None:
        if self._coach_timer is not None:
            self._coach_timer.stop()
            self._coach_timer = None
        if self._coach_cancel is not None:
            self._coach_cancel.set()
            self._coach_cancel = None
            self.query_one(CoachPanel).end_stream()

    def action_stop_coach(self) -> None:
        if self._coach_cancel is not None:
            self.stop_coach()
            self.notify(self.t("coach.panel.stopped"), timeout=2)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "coach" and event.state == WorkerState.ERROR:
            self._coach_cancel = None
            self.query_one(CoachPanel).end_stream()
            self.notify(str(event.worker.error), severity="error", markup=False)

    def on_suggestion_list_verdict(self, message: SuggestionList.Verdict) -> None:
        item = self.offered[message.index]
        if message.action == "dismiss":
            item["verdict"] = "dismissed"
            self.query_one(CoachPanel).show_suggestions(self.offered)
            self._changed()  # the draft keeps the verdict
        elif message.action == "accept":
            self._use(item, item["s"].text, "accepted")
        else:
            def edited(text: str | None) -> None:
                if text and text.strip():
                    self._use(item, text.strip(), "edited")

            self.app.push_screen(EditSuggestionScreen(item["s"].text), edited)

    def _use(self, item: dict[str, Any], text: str, verdict: str) -> None:
        """Copy a suggestion into the entry, marked as AI text when the model wrote it."""
        s = item["s"]
        item["verdict"] = verdict
        item["final"] = text if verdict == "edited" else None
        marked = f"({self.t('coach.panel.ai_mark')}) {text}" if s.is_ai else text
        if s.kind == "title":
            self.initial["title"] = text[:120]
            self.notify(self.t("coach.panel.title_set", title=text[:120]), timeout=3,
                        markup=False)
        else:
            # ideas go to "what I will try"; questions to the reflection part the worker is in
            # (after the bare description, that is "what I noticed")
            target = "next_step" if s.kind == "idea" else (
                self._last_field if self._last_field != "what_happened" else "noticed")
            area = self.query_one(f"#{target}", TextArea)
            area.load_text((area.text.rstrip() + "\n" if area.text.strip() else "") + marked + "\n")
            area.focus()
            area.move_cursor(area.document.end)
        self.query_one(CoachPanel).show_suggestions(self.offered)
        # Only the worker's own new words ask the coach again, not the suggestion just copied in:
        # the list must not change while they read the question or pick the next suggestion.
        self._coach_text = self.writing()
        self._changed()

    def suggestion_records(self) -> list:
        """What the coach offered and the worker's verdicts, to store with the entry."""
        records = []
        category = self.query_one("#category", Cycler).value
        for item in self.offered:
            s, verdict = item["s"], item["verdict"]
            if s.kind == "category":
                verdict = "accepted" if s.text == category else "dismissed"
            records.append(s.to_entry(verdict, item["final"]))
        return records

