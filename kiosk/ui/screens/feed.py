"""The station feed (what colleagues shared here, and lessons learned elsewhere) and the worker's
own entries with answers (F7 there: My learning, kiosk/ui/screens/my_learning.py).

"My entries" marks the answered entries (a new answer stands out), says of each whether it has
reached the supervisor, and opens an entry with its answer on top. There a worker may delete their
own entry while it has not reached the supervisor: the worker decides what leaves the device.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from kiosk import withdraw
from kiosk.answers import mark_answers_read, unread_answers
from kiosk.entries import Entry, parse_time
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.text import literal, one_line
from kiosk.ui.widgets.keybar import Key, key_bindings

FEED_LIMIT = 100


def when(iso: str) -> str:
    return parse_time(iso).astimezone().strftime("%d-%m-%Y %H:%M")


class EntryListScreen(KioskScreen):
    """A list of entries; Enter or a click opens one."""

    KEYS = [
        Key("f1", "keys.help", "app.help"),
        Key("escape", "keys.back", "back"),
        Key("f3", "keys.feed", "feed"),
        Key("f4", "keys.mine", "mine"),
        Key("f6", "keys.new", "back"),
        Key("f10", "keys.logout", "logout"),
    ]
    BINDINGS = key_bindings(*KEYS)
    title_key = ""
    empty_key = ""
    can_delete = False  # the detail dialog may offer Delete (still only for one's own entries)

    def load(self) -> list[Entry]:
        raise NotImplementedError

    def title_text(self) -> str:
        return self.t(self.title_key, station=self.app.config.station)

    def compose(self) -> ComposeResult:
        yield self.header()
        yield self.idle_banner()
        with Vertical(id="list-body"):
            yield Static(self.title_text(), id="list-title", markup=False)
            self.entries = self.load()
            yield self.entry_list()
        yield self.keybar()

    def entry_list(self) -> OptionList | Static:
        if self.entries:
            return OptionList(*[Option(self.row(e), id=e.id) for e in self.entries],
                              id="entries")
        return Static(self.t(self.empty_key), id="list-empty", markup=False)

    def first_row(self) -> int:
        """The row the cursor starts on."""
        return 0

    def on_mount(self) -> None:
        for option_list in self.query(OptionList):
            option_list.highlighted = self.first_row()
            option_list.focus()

    async def reload(self) -> None:
        """Show the entries as the store has them now, keeping the cursor near where it was."""
        old = self.query(OptionList)
        highlighted = old.first().highlighted if old else None
        self.entries = self.load()
        await self.query("#entries, #list-empty").remove()
        await self.query_one("#list-body", Vertical).mount(self.entry_list())
        for option_list in self.query(OptionList):
            option_list.highlighted = min(highlighted or 0, option_list.option_count - 1)
            option_list.focus()

    def row(self, entry: Entry) -> Text:
        t = self.t
        text = Text()
        text.append(f"{when(entry.created)}  ", style="dim")
        text.append(f"{t('capture.category_values.' + entry.category)}", style="bold")
        text.append(f" · {t('capture.kind_values.' + entry.kind)}  ")
        text.append(one_line(entry.headline, 90))
        if entry.responses:
            text.append(f"  [{t('feed.answered')}]", style="bold green")
        if entry.kind == "idea" and entry.status in ("trying", "adopted", "declined"):
            text.append(f"  [{t('feed.status_values.' + entry.status)}]", style="bold")
        return text

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        entry = next(e for e in self.entries if e.id == event.option.id)
        self.app.push_screen(EntryDetailScreen(entry, can_delete=self.can_delete),
                             self._after_detail)

    async def _after_detail(self, deleted: bool | None) -> None:
        if deleted:
            await self.reload()
            self.notify(self.t("feed.deleted"), timeout=4)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_feed(self) -> None:
        self._switch(FeedScreen)

    def action_mine(self) -> None:
        self._switch(MineScreen)

    def action_my_learning(self) -> None:
        from kiosk.ui.screens.my_learning import open_my_learning

        open_my_learning(self.app)

    def _switch(self, kind: type) -> None:
        if not isinstance(self, kind):
            self.app.switch_screen(kind())

    async def action_logout(self) -> None:
        await self.app.worker_logout()


class FeedScreen(EntryListScreen):
    """This station's shared entries, then the lessons shared from elsewhere."""

    title_key = "feed.title"
    empty_key = "feed.empty"
    lessons: list = []

    def load(self) -> list[Entry]:
        from kiosk.learning.lessons import received_lessons

        self.lessons = received_lessons(self.app.store)
        return self.app.store.feed(self.app.config.station, limit=FEED_LIMIT)

    def entry_list(self) -> OptionList | Static:
        if not self.lessons:
            return super().entry_list()
        from kiosk.ui.screens.lessons import lesson_options

        rows = [Option(self.row(e), id=e.id) for e in self.entries] or [
            Option(literal(self.t(self.empty_key)), disabled=True)]
        return OptionList(*rows, *lesson_options(self.lessons, self.t), id="entries")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        from kiosk.ui.screens.lessons import lesson_selected

        event.prevent_default()  # Textual would run the base class's handler as well
        if not lesson_selected(self, event.option.id):
            super().on_option_list_option_selected(event)


class MineScreen(EntryListScreen):
    """The worker's own entries: answered ones marked, a new answer first under the cursor, and
    for each whether the supervisor has it yet."""

    # F7 My learning instead of F4, which would open this list again
    KEYS = [*(k for k in EntryListScreen.KEYS if k.key not in ("f4", "f10")),
            Key("f7", "learning.keys.mine", "my_learning"), EntryListScreen.KEYS[-1]]
    BINDINGS = key_bindings(*KEYS)
    title_key = "feed.mine_title"
    can_delete = True
    unread: set[str] | None = None  # entries with answers not read before this visit

    @property
    def empty_key(self) -> str:
        session = self.app.session
        return "feed.mine_anonymous" if session and session.anonymous else "feed.mine_empty"

    def load(self) -> list[Entry]:
        session = self.app.session
        if session is None or session.author is None:
            return []
        if self.unread is None:
            self.unread = set(unread_answers(self.app.store, session.author))
        entries = self.app.store.by_author(session.author)
        mark_answers_read(self.app.store, session.author,
                          [e.id for e in entries if e.responses])
        return entries

    def first_row(self) -> int:
        return next((i for i, e in enumerate(self.entries) if e.id in (self.unread or ())), 0)

    def row(self, entry: Entry) -> Text:
        """Two lines: the answer mark and the headline; when, what kind, and how far it was sent."""
        t = self.t
        text = Text()
        if entry.id in (self.unread or ()):
            text.append(f"{t('feed.answer_new')}  ", style="bold reverse")
        elif entry.responses:
            text.append(f"{t('feed.answered_mark')}  ", style="bold green")
        text.append(one_line(entry.headline, 90), style="bold")
        text.append(f"\n{when(entry.created)} · {t('capture.kind_values.' + entry.kind)} · "
                    f"{t('feed.sync_values.' + entry.sync)}", style="dim")
        return text

    def on_mount(self) -> None:
        super().on_mount()
        if self.unread:
            self.app.clear_notifications()  # "answered: F4 to read" is done; it would cover them


class EntryDetailScreen(ModalScreen[bool]):
    """One entry in full. Dismissed with True when the worker deleted it.

    With `can_delete` (from "My entries") the author may delete an entry the supervisor does not
    have yet (kiosk.withdraw.may_delete); an "exported" one with a warning that a scan may
    already have reached the supervisor station.
    """

    BINDINGS = [
        Binding("escape", "close", show=False, priority=True),
        Binding("enter", "enter", show=False, priority=True),
        Binding("d,delete", "delete", show=False, priority=True),
    ]

    def __init__(self, entry: Entry, *, can_delete: bool = False):
        super().__init__()
        self.entry = entry
        self.can_delete = can_delete
        self.confirming = False

    def own_entry(self) -> bool:
        """Offered from "My entries" and written by whoever is logged in now (not anonymous)."""
        return self.can_delete and withdraw.own_entry(self.entry, self.app.session)

    def deletable(self) -> bool:
        return self.can_delete and withdraw.may_delete(self.entry, self.app.session)

    def compose(self) -> ComposeResult:
        t = self.app.t
        e = self.entry
        with Vertical(id="detail-box", classes="dialog"):
            yield Static(literal(one_line(e.headline, 100), style="bold"), classes="dialog-title")
            with VerticalScroll(id="detail-scroll"):
                # What the worker came back for first: the answers and the idea's status.
                for response in e.responses:
                    yield Static(t("feed.answer_by", by=response.by, when=when(response.at)),
                                 classes="field-label", markup=False)
                    yield Static(literal(response.text), classes="detail-text answer")
                if e.kind == "idea" or e.status != "new":
                    yield Static(t("feed.status", status=t(f"feed.status_values.{e.status}")),
                                 classes="field-label", markup=False)
                    if e.status_reason:
                        yield Static(literal(t("feed.reason", reason=e.status_reason)))
                about = [t("capture.category_values." + e.category),
                         t("capture.kind_values." + e.kind), t("feed.created", when=when(e.created))]
                if self.own_entry():
                    about.append(t("feed.sync_values." + e.sync))
                yield Static(" · ".join(about), markup=False, classes="hint", id="detail-about")
                for name in ("what_happened", "noticed", "learned", "next_step"):
                    value = getattr(e, name).strip()
                    if value:
                        yield Static(t(f"capture.{name}"), classes="field-label", markup=False)
                        yield Static(literal(value), classes="detail-text")
            if self.own_entry() and e.sync == "synced":
                yield Static(t("feed.delete_synced"), id="delete-synced", classes="hint",
                             markup=False)
            deletable = self.deletable()
            if deletable:
                note = Static("", id="delete-note", markup=False)
                note.display = False
                yield note
            with Horizontal(classes="buttons"):
                yield Button(t("common.close"), id="close", variant="primary")
                if deletable:
                    yield Button(t("feed.delete"), id="delete", variant="error")
            if deletable:
                yield Static(t("feed.delete_keys"), id="detail-keys", classes="hint",
                             markup=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "delete":
            self.action_delete()
        else:
            self.dismiss(False)

    def action_enter(self) -> None:
        """Enter presses the focused button (Delete asks first); anywhere else it closes."""
        if isinstance(self.focused, Button):
            self.focused.press()
        else:
            self.dismiss(False)

    def action_close(self) -> None:
        if self.confirming:
            self.show_confirm(False)  # Esc backs out of the question first; the entry stays
        else:
            self.dismiss(False)

    def action_delete(self) -> None:
        if not self.deletable():
            return
        if not self.confirming:
            self.show_confirm(True)
            return
        if self.delete_entry():
            self.dismiss(True)
        else:
            self.show_confirm(False)

    def show_confirm(self, asking: bool) -> None:
        t = self.app.t
        self.confirming = asking
        note = self.query_one("#delete-note", Static)
        note.update(t(f"feed.delete_confirm_{self.entry.sync}") if asking else "")
        note.display = asking
        button = self.query_one("#delete", Button)
        button.label = t("feed.delete_really" if asking else "feed.delete")
        button.refresh(layout=True)  # a longer label needs a wider button
        self.query_one("#detail-keys", Static).update(
            t("feed.delete_confirm_keys" if asking else "feed.delete_keys"))

    def delete_entry(self) -> bool:
        """Delete the entry from the store; False (with a message) if it is still there."""
        reason = withdraw.delete_entry(self.app.store, self.entry.id)
        if reason is not None:
            self.notify(self.app.t("feed.delete_failed", reason=reason), severity="error",
                        timeout=15, markup=False)
        return reason is None
