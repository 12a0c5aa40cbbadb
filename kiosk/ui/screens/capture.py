"""Capture: the two-minute structured reflection, saved with one key; drafts kept as you type.

The coach's side of the screen (asking, the list, the verdicts, F5/F7/Esc) is in capture_coach.
With the coach open on a short screen the box being written (or the one a suggestion goes into)
stays tall and the others show one line each; F6 marks the entry urgent."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Static, TextArea

from kiosk.entries import CATEGORIES, KINDS, REFLECTION_FIELDS, VISIBILITIES, Entry, EntryError
from kiosk.store_errors import StoreError
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.capture_coach import CoachMixin
from kiosk.ui.widgets.choices import Choices
from kiosk.ui.widgets.coachpanel import CoachPanel
from kiosk.ui.widgets.cycler import Cycler
from kiosk.ui.widgets.fitbar import FittingKeyBar
from kiosk.ui.widgets.keybar import Key, key_bindings

DRAFT_DELAY = 1.0  # seconds after the last change before the draft is written
SHORT = 30  # rows: below this, with the coach open, only the current box stays tall


class CaptureScreen(CoachMixin, KioskScreen):
    KEYS = [
        Key("f1", "keys.help", "app.help"),
        Key("f2", "keys.save", "save"),
        Key("f3", "keys.feed", "feed"),
        Key("f4", "keys.mine", "mine"),
        Key("f5", "keys.coach", "coach"),
        Key("f6", "capture_coach.keys.urgent", "urgent"),
        Key("f7", "capture_coach.keys.category", "take_category", show=False),  # when suggested
        Key("f10", "keys.logout", "logout"),
        Key("f12", "keys.admin", "app.admin", show=False),  # listed where it fits
    ]
    BINDINGS = key_bindings(*KEYS) + [Binding("escape", "escape", show=False)]

    def __init__(self, draft: dict[str, Any] | None = None):
        super().__init__()
        self.initial = draft or {}
        self._draft_timer: Timer | None = None
        self._dirty = False
        self._loading = False
        self._last_field = "noticed"
        self.urgent = self.initial.get("urgent") is True
        self.init_coach(self.initial.get("decided"))

    # -- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        t = self.t
        ascii_only = self.app.ascii_only
        yield self.header()
        yield self.idle_banner()
        form = VerticalScroll(id="form")
        form.can_focus = False  # not a Tab stop of its own: typed keys would go nowhere
        with Horizontal(id="capture-body"):
            with form:
                if self.app.session and self.app.session.anonymous:
                    yield Static(t("capture.anonymous_note"), id="anonymous-note", markup=False)
                with Choices(id="choices"):
                    yield Cycler(t("capture.kind"), [(k, t(f"capture.kind_values.{k}"))
                                                     for k in KINDS],
                                 ascii_only=ascii_only, id="kind")
                    yield Cycler(t("capture.category"),
                                 [(c, t(f"capture.category_values.{c}")) for c in CATEGORIES],
                                 value="other", ascii_only=ascii_only, id="category")
                    yield Cycler(t("capture.visibility"),
                                 [(v, t(f"capture.visibility_values.{v}")) for v in VISIBILITIES],
                                 ascii_only=ascii_only, id="visibility")
                yield Static(t("capture_coach.urgent_note"), id="urgent-note", markup=False)
                for name in REFLECTION_FIELDS:
                    with Vertical(classes="field", id=f"field-{name}"):
                        yield Static(t(f"capture.{name}"), classes="field-label", markup=False)
                        yield TextArea(id=name, soft_wrap=True, tab_behavior="focus",
                                       show_line_numbers=False, compact=True,
                                       highlight_cursor_line=False,
                                       placeholder=t(f"capture.placeholder_{name}"))
            yield CoachPanel(t)
        yield self.keybar()

    def keybar(self) -> FittingKeyBar:
        return FittingKeyBar(self.KEYS, self.t, spare=("f12",), optional=("f3", "f4"))

    def on_mount(self) -> None:
        self.load_fields(self.initial)
        self.query_one("#what_happened", TextArea).focus()
        self.refresh_coach_status()
        self.set_interval(2.0, self.refresh_coach_status)
        self._show_offers()

    async def recompose(self) -> None:
        """New labels (a language switch): the coach's list and lines are drawn again."""
        await super().recompose()
        self.refresh_coach_status()
        self._show_offers()

    def on_resize(self) -> None:
        self.set_class(self.size.height < SHORT, "-short")
        self._sync_keys()
        self.call_after_refresh(self.fit_choices)

    def fit_choices(self) -> None:
        if self._laid_out():
            self.query_one(Choices).fit()

    def _laid_out(self) -> bool:
        """False once the screen is being taken down (a logout) before a callback ran."""
        return self.is_attached and bool(self.query("#form"))

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
        values["urgent"] = self.urgent
        return values

    def draft_fields(self) -> dict[str, Any]:
        """The fields, and the suggestions already used or dismissed (kept with the draft)."""
        return {**self.fields(), "decided": self.offers.decided()}

    def load_fields(self, values: dict[str, Any]) -> None:
        self._loading = True
        try:
            for name in REFLECTION_FIELDS:
                self.query_one(f"#{name}", TextArea).load_text(str(values.get(name, "")))
            for name in ("kind", "category", "visibility"):
                if values.get(name):
                    self.query_one(f"#{name}", Cycler).value = values[name]
            self.urgent = values.get("urgent") is True
            self.query_one("#urgent-note").display = self.urgent
        finally:
            self.call_after_refresh(self._loaded)

    def _loaded(self) -> None:
        self._loading = False

    def has_text(self) -> bool:
        return any(self.query_one(f"#{n}", TextArea).text.strip() for n in REFLECTION_FIELDS)

    # -- drafts -------------------------------------------------------------------------------
    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._changed()
        area = event.text_area
        if area.has_focus and area.id in REFLECTION_FIELDS:
            self._last_field = area.id  # the part the worker writes in (Tab past one is not)
        if not self._loading:
            self._schedule_coach()

    def on_cycler_changed(self, event: Cycler.Changed) -> None:
        if event.cycler.id == "category":
            self._show_category()
            self._sync_keys()
        self._changed()

    def on_descendant_focus(self, event) -> None:
        self.start_answer_line(event.widget)
        self.mark_current()

    def mark_current(self) -> None:
        """Mark the current box (with the coach open on a short screen it stays tall) and keep
        it in view."""
        current = self.current_field()
        for name in REFLECTION_FIELDS:
            self.query_one(f"#field-{name}").set_class(name == current, "-current")
        self.call_after_refresh(self._show_current, current)

    def _show_current(self, current: str) -> None:
        """Once laid out: the form scrolled to the current box, which shows its end (where a
        suggestion goes); a box not being written in shows its start."""
        if not self._laid_out():
            return
        for name in REFLECTION_FIELDS:
            area = self.query_one(f"#{name}", TextArea)
            if not area.has_focus:
                area.scroll_end(animate=False) if name == current else \
                    area.scroll_home(animate=False)
        self.query_one("#form", VerticalScroll).scroll_to_widget(
            self.query_one(f"#field-{current}"), animate=False)

    def action_urgent(self) -> None:
        """F6: the entry is urgent (the supervisor sees it first), or no longer."""
        self.urgent = not self.urgent
        self.query_one("#urgent-note").display = self.urgent
        self._changed()

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

    def writing(self) -> str:
        return "\n".join(self.query_one(f"#{n}", TextArea).text for n in REFLECTION_FIELDS).strip()

    def suggestion_records(self) -> list:
        """What the coach offered and the worker's verdicts, to store with the entry."""
        return self.offers.records(self.query_one("#category", Cycler).value)

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
        self.stop_coach()
        self.init_coach(None)
        self.remove_class("-coach-open", "-coach-closed")
        self.query_one(CoachPanel).clear()
        self.load_fields({name: "" for name in REFLECTION_FIELDS} | {
            "kind": "observation", "category": "other", "visibility": "team"})
        self._show_offers()
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
            await self.app.worker_logout()
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
        await self.app.worker_logout()

