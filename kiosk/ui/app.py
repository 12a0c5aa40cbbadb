"""The Textual app: one factory (`make_app`) used by the CLI and the tests.

The app owns the session (who is logged in, in which language; another badge scanned during a
session switches to its owner), idle logout, and kiosk lock-down: no quit keys, no command
palette, no suspend; only the admin PIN closes it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from textual import events
from textual.app import App
from textual.binding import Binding

from kiosk.answers import answer_wait, unread_answers
from kiosk.config import Config
from kiosk.i18n import Strings
from kiosk.identity import Session, remember_language, remembered_language
from kiosk.store import Store
from kiosk.store_errors import StoreError
from kiosk.ui.badge_scan import ScanWatch


RETENTION_CHECK_SECONDS = 3600
TERMINAL_CHECK_SECONDS = 2.0  # how often the app checks that its terminal is still there
LANGDETECT_LOAD_DELAY = 1.0  # seconds after start: the login screen is up before the load begins


class KioskApp(App, inherit_bindings=False):
    CSS_PATH = "kiosk.tcss"
    TITLE = "kiosk"
    ENABLE_COMMAND_PALETTE = False
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("ctrl+q,ctrl+c,ctrl+backslash,ctrl+z", "refuse_quit", show=False, priority=True),
        # Priority: focus moves before the keys after a Tab are handed out, so text that arrives
        # in one burst (a paste, a scanner) goes on in the next field, not the one it left.
        Binding("tab", "focus_next", show=False, priority=True),
        Binding("shift+tab", "focus_previous", show=False, priority=True),
        Binding("f8", "language", show=False),  # in a worker's session (the login has its own)
    ]

    def __init__(self, config: Config, store: Store, *, coach=None,
                 clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], datetime] = datetime.now):
        super().__init__()
        self.wall_clock = wall_clock
        self.config = config
        self.store = store
        self.coach = coach
        self.clock = clock
        self.session: Session | None = None
        self._review_index = None
        self._audit = None
        self.strings = Strings(config.language)
        self.last_activity = clock()
        self.scans = ScanWatch(self)
        self._restore_glyphs: Callable[[], None] = lambda: None
        # The Linux console: 16 colours and a font without rounded corners or eighth blocks.
        self.ascii_only = config.ascii or os.environ.get("TERM") == "linux"
        if not config.animations:
            self.animation_level = "none"

    # -- language -----------------------------------------------------------------------------
    def t(self, key: str, **values) -> str:
        return self.strings(key, **values)

    @property
    def language(self) -> str:
        return self.strings.language

    def set_language(self, language: str) -> None:
        self.strings = Strings(language)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages this kiosk offers at F8 ([ui] languages), in the config's order."""
        return self.config.languages

    def pick_language(self, then: Callable[[str], object],
                      on_scan: Callable[[str], object] | None = None) -> None:
        """F8: the list of languages; `then(code)` runs with the one picked (not after Esc)."""
        from kiosk.ui.screens.language import LanguagePicker

        def picked(code: str | None) -> None:
            if code:
                then(code)

        self.push_screen(LanguagePicker(self.languages, self.language, on_scan), picked)

    def badge_session(self, code: str, language: str | None = None) -> Session:
        """The session for a badge code (BadgeError if it is none): in `language` when the worker
        chose one at the login (F8), else the one this badge chose before, else the kiosk's."""
        session = Session.for_badge(self.config.site_key, code, self.config.language)
        if language is None:
            try:
                language = remembered_language(self.store, session.author)
            except StoreError:
                language = None  # a damaged meta file: the kiosk's language will do
            if language not in self.languages:
                language = self.config.language
        return replace(session, language=language)

    def remember_language(self, session: Session) -> None:
        """Keep the session's language for this badge's next logins (a nicety: a failed write
        is logged, not shown)."""
        try:
            remember_language(self.store, session.author, session.language)
        except StoreError as exc:
            logging.getLogger("kiosk").warning("could not keep the badge's language: %s", exc)

    def action_language(self) -> None:
        """F8 in a worker's session: the list of languages; the one picked holds now and at this
        badge's next logins."""
        if self.session is None or self.session.role != "worker":
            return
        self.pick_language(lambda code: self.call_later(self.change_session_language, code))

    async def change_session_language(self, language: str) -> None:
        """The session goes on in `language`: every screen of it gets new labels, the same text."""
        from kiosk.ui.screens.capture import CaptureScreen

        if self.session is None:
            return
        self.session = replace(self.session, language=language)
        self.set_language(language)
        self.remember_language(self.session)
        if self.coach is not None:
            self.coach.warm(language)
        for screen in self.screen_stack[2:]:  # above the login screen, which a logout resets
            if isinstance(screen, CaptureScreen):  # new labels, the same text
                screen.stop_coach()
                values = screen.draft_fields()
                focused = screen.focused.id if screen.focused else None
                await screen.recompose()
                screen.load_fields(values)
                if focused:
                    screen.query_one(f"#{focused}").focus()
            else:
                await screen.recompose()

    # -- start --------------------------------------------------------------------------------
    def on_mount(self) -> None:
        from kiosk.ui.screens.login import LoginScreen

        if self.ascii_only:
            from kiosk.ui.widgets.console import use_console_glyphs

            self.theme = "ansi-dark"
            self.add_class("-ascii")
            self._restore_glyphs = use_console_glyphs()
        if self.config.mode == "supervisor":
            from kiosk.ui.screens.station.login import SupervisorLoginScreen

            self.push_screen(SupervisorLoginScreen())
        else:
            self.push_screen(LoginScreen())
        self.set_interval(1.0, self.tick_idle)
        self.set_interval(RETENTION_CHECK_SECONDS, self.daily_retention)
        if not self.is_headless:
            self._watch_terminal()
        if self.coach is not None:
            self.coach.start_loading()
        if self.config.mode != "supervisor":  # the language of what workers write: its model
            self.set_timer(LANGDETECT_LOAD_DELAY, self._load_langdetect)  # after first paint

    def _load_langdetect(self) -> None:
        from kiosk.langdetect import start_loading

        start_loading(self.config.languages)

    def on_unmount(self) -> None:
        self._restore_glyphs()  # the scroll bar glyphs are the process's, not this app's

    # -- the terminal going away ----------------------------------------------------------------
    def _watch_terminal(self) -> None:
        """Stop cleanly, keeping the draft, when the terminal goes away or systemd stops us.

        SIGHUP does not always come (started under `make`, or after the session leader was gone)
        and Textual then reads end-of-file forever at full CPU, keeping the data folder locked.
        So the terminal is also checked every TERMINAL_CHECK_SECONDS. An ignored SIGHUP
        (`nohup`) stays ignored.
        """
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            if signal.getsignal(sig) is not signal.SIG_IGN:
                loop.add_signal_handler(sig, self._terminal_gone, sig.name)
        self.set_interval(TERMINAL_CHECK_SECONDS, self._check_terminal)

    def _check_terminal(self) -> None:
        try:
            alive = os.isatty(sys.__stdin__.fileno())
        except (AttributeError, ValueError, OSError):
            alive = False
        if not alive:
            self._terminal_gone("terminal closed")

    def _terminal_gone(self, why: str) -> None:
        logging.getLogger("kiosk").info("stopping: %s", why)
        self.shutdown()

    # -- session ------------------------------------------------------------------------------
    def _start_session(self, session: Session) -> None:
        """Someone logged in: their language, and the idle clock starts now."""
        self.session = session
        self.set_language(session.language)
        self.last_activity = self.clock()

    def login(self, session: Session, *, greeting: str | None = None) -> None:
        from kiosk.ui.screens.capture import CaptureScreen

        self._start_session(session)
        if self.coach is not None:
            self.coach.warm(session.language)
        draft = self.store.load_draft(session.draft_key(self.config.station))
        self.push_screen(CaptureScreen(draft=draft))
        if greeting is None:
            greeting = self.t("login.welcome_anonymous" if session.anonymous else "login.welcome")
        self.notify(greeting, timeout=5 if session.anonymous else 3, markup=False)
        if draft:
            self.notify(self.t("login.draft_restored"), timeout=6)
        if session.author:
            answered = unread_answers(self.store, session.author)
            if answered:
                self.notify(self.answers_message(answered), timeout=12, markup=False)
            self.offer_follow_up(session)

    # -- the learning loop: a planned try followed up at login, the weekly pulse at log-out ---
    def offer_follow_up(self, session: Session) -> None:
        """Above the new entry: the planned try due for its follow-up, if any (Esc skips it)."""
        from kiosk.learning.followup import due_follow_up, mark_asked
        from kiosk.ui.screens.followup import FollowUpScreen

        now = self.wall_clock()
        try:
            due = due_follow_up(self.store, session.author, now, self.config.follow_up_days)
            record = mark_asked(self.store, due, now) if due is not None else None
        except StoreError as exc:  # the worker came to write: the follow-up can wait
            logging.getLogger("kiosk").warning("no follow-up at this login: %s", exc)
            return
        if record is not None:
            self.push_screen(FollowUpScreen(due, record.asks, self.config.follow_up_days))

    async def worker_logout(self) -> None:
        """F10 in a worker's session: the weekly pulse first, when this badge has not had it this
        week (Esc skips it), then the log-out."""
        from kiosk.learning.pulse import mark_offered, pulse_due

        session, now = self.session, self.wall_clock()
        try:
            due = session is not None and pulse_due(self.store, self.config, session.author, now)
            if due:
                mark_offered(self.store, session.author, now)
        except StoreError as exc:
            logging.getLogger("kiosk").warning("no pulse at this log-out: %s", exc)
            due = False
        if not due:
            await self.logout()
            return
        from kiosk.ui.screens.pulse import PulseScreen

        async def done(said: str | None) -> None:
            await self.logout()
            if said:
                self.notify(said, timeout=5, markup=False)

        self.push_screen(PulseScreen(now), done)

    # -- supervisor station ---------------------------------------------------------------------
    @property
    def review_index(self):
        """The review queue index (supervisor mode); loaded by the review screen's worker."""
        if self._review_index is None:
            from kiosk.review.queue import ReviewIndex

            self._review_index = ReviewIndex(self.store)
        return self._review_index

    @property
    def audit(self):
        if self._audit is None:
            from kiosk.review.audit import AuditLog

            self._audit = AuditLog(self.config.data_dir)
        return self._audit

    def login_supervisor(self, session: Session) -> None:
        from kiosk.ui.screens.station.queue import ReviewScreen

        self._start_session(session)
        self.push_screen(ReviewScreen())

    def entries_changed(self, entry_ids: list[str]) -> None:
        """An import changed entries on disk: bring the review index up to date."""
        if self._review_index is not None and entry_ids:
            self.run_worker(self._review_index.refresh, thread=True, group="review-refresh")

    def answers_message(self, entry_ids: list[str]) -> str:
        """"Your idea ... was answered after 2 days" (closing the loop), or a count for many."""
        if len(entry_ids) > 1:
            return self.t("login.answers_waiting", count=len(entry_ids))
        from kiosk.ui.text import one_line

        entry = self.store.get(entry_ids[0])
        wait_key, wait_values = answer_wait(entry)
        key = "login.idea_answered" if entry.kind == "idea" else "login.entry_answered"
        return self.t(key, headline=one_line(entry.headline, 60),
                      after=self.t(wait_key, **wait_values))

    async def logout(self, *, idle: bool = False) -> None:
        from kiosk.ui.screens.capture import CaptureScreen

        if self.session is None:
            return
        self.clear_notifications()  # what was said to them is not for the next person
        for screen in self.screen_stack:
            if isinstance(screen, CaptureScreen):
                screen.end_session()
        self.session = None
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        self.set_language(self.config.language)
        login = self.screen
        if hasattr(login, "reset"):
            login.reset()
        if idle:
            minutes = max(1, round(self.config.idle_timeout / 60))
            self.notify(self.t("common.logged_out_idle", minutes=minutes), timeout=10)

    # -- a badge scanned during a session --------------------------------------------------------
    async def switch_badge(self, session: Session) -> None:
        """Another badge during a session: log the first worker out (their draft is kept, as at
        F10) and the second one in."""
        await self.logout()
        self.login(session, greeting=self.t("login.switched", hint=session.badge_hint))

    # -- retention (a 24/7 kiosk holds the store lock, so the app applies it itself) -----------
    def daily_retention(self) -> None:
        """Once a day, in a thread: remove entries past the retention limit (never unsent ones)."""
        from kiosk.ops.retention import retention_due, run_scheduled_retention

        if retention_due(self.store):
            self.run_worker(functools.partial(run_scheduled_retention, self.store, self.config),
                            thread=True, exclusive=True, group="retention", exit_on_error=False)

    # -- idle logout --------------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown,
                              events.MouseScrollUp, events.Paste)):
            self.last_activity = self.clock()
            if self.session is not None:
                self._show_idle_warning(None)
        if isinstance(event, events.Key) and not event.is_forwarded and self.scans.key(event):
            return  # the Enter that ended a badge scan goes nowhere
        await super().on_event(event)

    def idle_seconds(self) -> float:
        return self.clock() - self.last_activity

    def tick_idle(self) -> None:
        """Called every second: show the countdown, log out when the time is up."""
        if self.session is None or not self.screen_stack:  # (no screen while the app stops)
            return
        remaining = self.config.idle_timeout - self.idle_seconds()
        if remaining <= 0:
            self._show_idle_warning(None)
            self.call_later(self.logout, idle=True)
        elif remaining <= self.config.idle_warning:
            self._show_idle_warning(int(remaining + 0.999))
        else:
            self._show_idle_warning(None)

    def _show_idle_warning(self, seconds: int | None) -> None:
        from kiosk.ui.widgets.idle import IdleBanner

        for banner in self.screen.query(IdleBanner):
            banner.show(None if seconds is None else self.t("common.idle_warning",
                                                               seconds=seconds))

    # -- lock-down ----------------------------------------------------------------------------
    def action_refuse_quit(self) -> None:
        self.notify(self.t("common.quit_refused"), severity="warning", timeout=5)

    async def action_quit(self) -> None:
        """Anything that asks to quit (a key, a link) gets the PIN screen, not an exit."""
        await self.run_action("admin")

    def action_suspend_process(self) -> None:
        self.action_refuse_quit()

    def action_command_palette(self) -> None:
        return None

    def action_admin(self) -> None:
        from kiosk.ui.screens.admin import AdminScreen, PinScreen, open_admin_choice

        def opened(role: str | None) -> None:
            if role:
                self.push_screen(AdminScreen(role), lambda choice: open_admin_choice(self, choice))

        self.push_screen(PinScreen(), opened)

    def action_help(self) -> None:
        from kiosk.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def shutdown(self) -> None:
        """Really exit (after the admin PIN): keep the draft first."""
        from kiosk.ui.screens.capture import CaptureScreen

        for screen in self.screen_stack:
            if isinstance(screen, CaptureScreen):
                screen.end_session()
        if self.coach is not None:
            self.coach.close()
        if self._review_index is not None:
            self._review_index.stop()
        self.exit()


def make_app(config: Config, store: Store, *, coach=None,
             clock: Callable[[], float] = time.monotonic,
             wall_clock: Callable[[], datetime] = datetime.now) -> KioskApp:
    return KioskApp(config, store, coach=coach, clock=clock, wall_clock=wall_clock)
