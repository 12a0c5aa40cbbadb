"""Capture: the two-minute structured reflection, saved with one key; drafts kept as you type."""

from __future__ import annotations

import threading
from dataclasses import asdict
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Static, TextArea

from kiosk.coach.suggest import Suggested
from kiosk.entries import (CATEGORIES, KINDS, REFLECTION_FIELDS, VISIBILITIES, Entry, EntryError,
                           Suggestion)
from kiosk.store_errors import StoreError
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.capture_coach import CaptureCoach
from kiosk.ui.widgets.coachpanel import CoachPanel
from kiosk.ui.widgets.cycler import Cycler
from kiosk.ui.widgets.keybar import Key, key_bindings

DRAFT_DELAY = 1.0  # seconds after the last change before the draft is written


class CaptureScreen(CaptureCoach, KioskScreen):
    KEYS = [
        Key("f1", "keys.help", "app.help"),
        Key("f2", "keys.save", "save"),
        Key("f3", "keys.feed", "feed"),
        Key("f4", "keys.mine", "mine"),
        Key("f5", "keys.coach", "coach"),
        Key("f10", "keys.logout", "logout"),
        Key("f12", "keys.admin", "app.admin"),
    ]
    BINDINGS = key_bindings(*KEYS) + [Binding("escape", "stop_coach", show=False)]

    def __init__(self, draft: dict[str, Any] | None = None):
        super().__init__()
        self.initial = draft or {}
        self._draft_timer: Timer | None = None
        self._dirty = False
        self._loading = False
        self._coach_timer: Timer | None = None
        self._coach_cancel: threading.Event | None = None
        self._coach_text = ""  # the text the last suggestions were made for
        self._category_touched = bool(self.initial.get("category"))
        self._last_field = "noticed"
        self.offered: list[dict[str, Any]] = _decided_from_draft(self.initial.get("decided"))

    # -- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        t = self.t
        ascii_only = self.app.ascii_only
        yield self.header()
        yield self.idle_banner()
        with Horizontal(id="capture-body"):
            with VerticalScroll(id="form"):
                if self.app.session and self.app.session.anonymous:
                    yield Static(t("capture.anonymous_note"), id="anonymous-note", markup=False)
                with Horizontal(id="choices"):
                    yield Cycler(t("capture.kind"), [(k, t(f"capture.kind_values.{k}"))
                                                     for k in KINDS],
                                 ascii_only=ascii_only, id="kind")
                    yield Cycler(t("capture.category"),
                                 [(c, t(f"capture.category_values.{c}")) for c in CATEGORIES],
                                 value="other", ascii_only=ascii_only, id="category")
                    yield Cycler(t("capture.visibility"),
                                 [(v, t(f"capture.visibility_values.{v}")) for v in VISIBILITIES],
                                 ascii_only=ascii_only, id="visibility")
                for name in REFLECTION_FIELDS:
                    with Vertical(classes="field"):
                        yield Static(t(f"capture.{name}"), classes="field-label", markup=False)
                        yield TextArea(id=name, soft_wrap=True, tab_behavior="focus",
                                       show_line_numbers=False, compact=True,
                                       highlight_cursor_line=False,
                                       placeholder=t(f"capture.placeholder_{name}"))
            yield CoachPanel(t)
        yield self.keybar()

    def on_mount(self) -> None:
        self.load_fields(self.initial)
        self.query_one("#what_happened", TextArea).focus()
        self.refresh_coach_status()
        self.set_interval(2.0, self.refresh_coach_status)

    def on_screen_resume(self) -> None:
        if not self.has_text():
            self.query_one("#what_happened", TextArea).focus()

    # -- form state ---------------------------------------------------------------------------
    def fields(self) -> dict[str, Any]:
        values: dict[str, Any] = {name: self.query_one(f"#{name}", TextArea).text
                                  for name in REFLECTION_FIELDS}
        for name in ("kind", "category", "visibility"):
            values[name] = self.query_one(f"#{name}", Cycler).value
        values["title"] = self.initial.get("title", "")
        return values

    def draft_fields(self) -> dict[str, Any]:
        """The fields, and the suggestions already used or dismissed (kept with the draft)."""
        decided = [asdict(o["s"].to_entry(o["verdict"], o["final"]))
                   for o in self.offered if o["verdict"] is not None]
        return {**self.fields(), "decided": decided}

    def load_fields(self, values: dict[str, Any]) -> None:
        self._loading = True
        try:
            for name in REFLECTION_FIELDS:
                self.query_one(f"#{name}", TextArea).load_text(str(values.get(name, "")))
            for name in ("kind", "category", "visibility"):
                if values.get(name):
                    self.query_one(f"#{name}", Cycler).value = values[name]
        finally:
            self.call_after_refresh(self._loaded)

    def _loaded(self) -> None:
        self._loading = False

    def has_text(self) -> bool:
        return any(self.query_one(f"#{n}", TextArea).text.strip() for n in REFLECTION_FIELDS)

    # -- drafts -------------------------------------------------------------------------------
    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._changed()
        if not self._loading:
            self._schedule_coach()

    def on_cycler_changed(self, event: Cycler.Changed) -> None:
        if event.cycler.id == "category" and not self._loading:
            self._category_touched = True
        self._changed()

    def on_descendant_focus(self, event) -> None:
        widget = event.widget
        if isinstance(widget, TextArea) and widget.id in REFLECTION_FIELDS:
            self._last_field = widget.id

    def _changed(self) -> None:
        if self._loading:
            return
        self._dirty = True
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(DRAFT_DELAY, self.save_draft)

    def _draft_key(self) -> str | None:
        session = self.app.session
        return session.draft_key(self.app.config.station) if session else None

    def save_draft(self) -> bool:
        """Write the unfinished entry now (also called on logout). True when it is on disk."""
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        key = self._draft_key()
        if key is None or not self._dirty:
            return True
        try:
            if self.has_text():
                self.app.store.save_draft(key, self.draft_fields())
            else:
                self.app.store.delete_draft(key)
        except StoreError as exc:
            reason = self.app.strings.message(exc.why)
            self.notify(self.t("capture.draft_failed", reason=reason), severity="error",
                        timeout=10, markup=False)
            return False
        self._dirty = False
        return True

    def end_session(self) -> None:
        """The worker leaves (logout, idle, shutdown): stop the coach, keep what they typed."""
        self.stop_coach()
        self.save_draft()

    # -- save ---------------------------------------------------------------------------------
    def action_save(self) -> None:
        if not self.has_text():
            self.notify(self.t("capture.empty"), severity="warning", timeout=5)
            return
        session = self.app.session
        config = self.app.config
        values = self.fields()
        self.stop_coach()
        try:
            entry = Entry.new(kiosk_id=config.kiosk_id, station=config.station, line=config.line,
                              author=session.author if session else None,
                              language=self.written_language(),
                              suggestions=self.suggestion_records(),
                              **values)
            self.app.store.save(entry)
        except EntryError as exc:
            self.notify(self.t("capture.invalid", problem=self.app.strings.message(exc)),
                        severity="error", timeout=10, markup=False)
            return
        except StoreError as exc:
            reason = self.app.strings.message(exc.why)
            self.notify(self.t("capture.save_failed", reason=reason), severity="error",
                        timeout=15, markup=False)
            self._dirty = True
            self.save_draft()
            return
        self._clear_after_save()
        from kiosk.ui.screens.saved import SavedScreen

        self.app.push_screen(SavedScreen(entry), self._after_saved)

    def _clear_after_save(self) -> None:
        key = self._draft_key()
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        self.initial = {}
        self.offered = []
        self._coach_text = ""
        self._category_touched = False
        self.remove_class("-coach-open")
        panel = self.query_one(CoachPanel)
        panel.show_suggestions([])
        panel.show_category("")
        panel.show_related("", [])
        self.load_fields({name: "" for name in REFLECTION_FIELDS} | {
            "kind": "observation", "category": "other", "visibility": "team"})
        self._dirty = False
        if key is not None:
            try:
                self.app.store.delete_draft(key)
            except StoreError:
                pass  # the entry itself is saved; a stale draft is only a nuisance

    async def _after_saved(self, choice: str | None) -> None:
        if choice == "feed":
            await self.run_action("feed")
        elif choice == "logout":
            await self.app.logout()
        else:
            self.query_one("#what_happened", TextArea).focus()

    # -- navigation ---------------------------------------------------------------------------
    def action_feed(self) -> None:
        from kiosk.ui.screens.feed import FeedScreen

        self.stop_coach()
        self.save_draft()
        self.app.push_screen(FeedScreen())

    def action_mine(self) -> None:
        from kiosk.ui.screens.feed import MineScreen

        self.stop_coach()
        self.save_draft()
        self.app.push_screen(MineScreen())

    async def action_logout(self) -> None:
        await self.app.logout()


def _decided_from_draft(records: Any) -> list[dict[str, Any]]:
    """Suggestions used or dismissed before a logout or restart, back from the draft (stored as
    the entry's `Suggestion` records; one that does not validate is left out)."""
    decided = []
    for record in records if isinstance(records, list) else []:
        try:
            suggestion = Suggestion(**record)
            suggestion.validate("decided")
        except (TypeError, EntryError):
            continue
        if suggestion.verdict is not None:
            decided.append({"s": Suggested(suggestion.kind, suggestion.text, suggestion.source),
                            "verdict": suggestion.verdict, "final": suggestion.final_text})
    return decided
