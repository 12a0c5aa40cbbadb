"""A badge scanned during a session: a keyboard-wedge scanner types the code as a fast burst of keys
and Enter. The burst is told apart from typing by when the keys arrived (BurstTracker), and what
it typed into a text box can be taken out again (BoxMark). ScanWatch is the app's watch: on a
worker's screen a badge switches to its owner and a sync code is explained; with the language list
open at the login, the list closes and the badge logs in."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from textual import events
from textual.widget import Widget
from textual.widgets import Input, TextArea

from kiosk.identity import BadgeError

# Seconds between two keys of a burst. A scanner types a key every few milliseconds; a person's
# fastest runs are 50 to 100 ms a key, and a held-down key repeats at 30 to 40 ms.
BURST_GAP = 0.03


@dataclass
class BoxMark:
    """A text box as it was before a burst's first key reached it."""

    widget: TextArea | Input
    before: tuple

    @classmethod
    def of(cls, widget: Widget | None) -> BoxMark | None:
        if isinstance(widget, TextArea) and not widget.read_only:
            return cls(widget, (widget.selection, widget.selected_text))
        if isinstance(widget, Input):
            return cls(widget, (widget.value, widget.cursor_position))
        return None

    def restore(self) -> None:
        """Take out what the burst typed; call it once the box has handled the burst's keys."""
        box = self.widget
        if not box.is_attached:
            return
        if isinstance(box, TextArea):
            selection, replaced = self.before
            box.replace(replaced, min(selection.start, selection.end), box.cursor_location)
            box.selection = selection
        else:
            box.value, box.cursor_position = self.before


@dataclass(frozen=True)
class Burst:
    code: str  # the characters, as the scanner typed them
    mark: BoxMark | None  # the text box they went into, as it was before


class BurstTracker:
    """Follows the keys in the order they arrived. `key` returns the burst an Enter ends: three or
    more characters, each within BURST_GAP of the one before, Enter too; not one character
    repeated (a key held down)."""

    def __init__(self, gap: float = BURST_GAP) -> None:
        self.gap = gap
        self.chars: list[str] = []
        self.mark: BoxMark | None = None
        self.last: float | None = None

    def key(self, at: float, event: events.Key, focused: Widget | None) -> Burst | None:
        """Note one key that arrived at `at` (seconds); `focused` is the widget it goes to."""
        fast = self.last is not None and 0 <= at - self.last <= self.gap
        self.last = at
        if event.key == "enter":
            burst = None
            if fast and len(self.chars) >= 3 and len(set(self.chars)) > 1:
                burst = Burst("".join(self.chars), self.mark)
            self._reset()
            return burst
        if event.is_printable:
            if not fast:  # a pause before it: a new burst may start here
                self._reset()
                self.mark = BoxMark.of(focused)
            self.chars.append(event.character)
        else:
            self._reset()
        return None

    def _reset(self) -> None:
        self.chars = []
        self.mark = None


class ScanWatch:
    """The app's watch for a badge scanned during a worker's session."""

    def __init__(self, app) -> None:
        self.app = app
        self.bursts = BurstTracker()

    def key(self, event: events.Key) -> bool:
        """Note a key as it reaches the app, before anything handles it. True for the Enter that
        ended a scan on a worker's screen: then the app drops it."""
        burst = self.bursts.key(self.arrival(event), event, self.app.focused)
        return burst is not None and self._scanned(burst)

    def arrival(self, event: events.Key) -> float:
        """When the key came from the terminal, on the app's clock. Textual stamps each event with
        time.monotonic in its input thread, before it waits for a busy UI thread, so keys typed
        by hand during a slow save do not bunch up into a burst. With another clock (a test's):
        the moment the app handles the key."""
        return event.time if self.app.clock is time.monotonic else self.app.clock()

    def _on_worker_screen(self) -> bool:
        from kiosk.ui.screens.capture import CaptureScreen
        from kiosk.ui.screens.edit_suggestion import EditSuggestionScreen
        from kiosk.ui.screens.feed import EntryDetailScreen, EntryListScreen
        from kiosk.ui.screens.help import HelpScreen
        from kiosk.ui.screens.language import LanguagePicker
        from kiosk.ui.screens.saved import SavedScreen

        session = self.app.session
        return session is not None and session.role == "worker" and isinstance(
            self.app.screen, (CaptureScreen, EditSuggestionScreen, EntryListScreen,
                              EntryDetailScreen, HelpScreen, SavedScreen, LanguagePicker))

    def _on_login_language_list(self) -> bool:
        from kiosk.ui.screens.language import LanguagePicker

        return self.app.session is None and isinstance(self.app.screen, LanguagePicker)

    def _scanned(self, burst: Burst) -> bool:
        """A badge switches to its owner (the app keeps the first worker's draft), a sync code
        is explained; either way the code is taken out of the text box it went into. False
        (the Enter goes on as usual) off the worker's screens and for anything else."""
        from kiosk.sync.codec import is_frame  # not at start-up: it loads the sync dictionary

        app = self.app
        if self._on_login_language_list():  # F8 at the login, then a badge: log it in
            picker = app.screen
            app.call_later(picker.scanned, burst.code)
            return True
        if not self._on_worker_screen():
            return False
        if is_frame(burst.code):
            self._take_out(burst, lambda: app.notify(app.t("login.sync_code"), timeout=8))
            return True
        if any(ch.isspace() for ch in burst.code.strip()):
            return False  # words and spaces at scanner speed (a paste, a macro): text, no badge
        try:
            scanned = app.badge_session(burst.code)
        except BadgeError:
            return False
        if scanned.author == app.session.author:
            self._take_out(burst, lambda: None)  # their own badge again: nothing changes
        else:
            self._take_out(burst, lambda: app.call_later(app.switch_badge, scanned))
        return True

    def _take_out(self, burst: Burst, then: Callable[[], object]) -> None:
        """Remove the burst's characters once their text box has handled them (they may still be
        waiting in its queue, ahead of this callback), then go on with `then`."""
        mark = burst.mark
        if mark is None:
            self.app.call_later(then)
            return

        def restore() -> None:
            mark.restore()
            then()

        mark.widget.call_later(restore)
