"""The station feed (what colleagues shared here) and the worker's own entries with answers."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

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
            if self.entries:
                yield OptionList(*[Option(self.row(e), id=e.id) for e in self.entries],
                                 id="entries")
            else:
                yield Static(self.t(self.empty_key), id="list-empty", markup=False)
        yield self.keybar()

    def on_mount(self) -> None:
        for option_list in self.query(OptionList):
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
        return text

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        entry = next(e for e in self.entries if e.id == event.option.id)
        self.app.push_screen(EntryDetailScreen(entry))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_feed(self) -> None:
        self._switch(FeedScreen)

    def action_mine(self) -> None:
        self._switch(MineScreen)

    def _switch(self, kind: type) -> None:
        if not isinstance(self, kind):
            self.app.switch_screen(kind())

    async def action_logout(self) -> None:
        await self.app.logout()


class FeedScreen(EntryListScreen):
    title_key = "feed.title"
    empty_key = "feed.empty"

    def load(self) -> list[Entry]:
        return self.app.store.feed(self.app.config.station, limit=FEED_LIMIT)


class MineScreen(EntryListScreen):
    title_key = "feed.mine_title"

    @property
    def empty_key(self) -> str:
        session = self.app.session
        return "feed.mine_anonymous" if session and session.anonymous else "feed.mine_empty"

    def load(self) -> list[Entry]:
        session = self.app.session
        if session is None or session.author is None:
            return []
        entries = self.app.store.by_author(session.author)
        self.app.mark_answers_read(session.author, [e.id for e in entries if e.responses])
        return entries


class EntryDetailScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter", "close", show=False, priority=True)]

    def __init__(self, entry: Entry):
        super().__init__()
        self.entry = entry

    def compose(self) -> ComposeResult:
        t = self.app.t
        e = self.entry
        with Vertical(id="detail-box", classes="dialog"):
            yield Static(literal(one_line(e.headline, 100), style="bold"), classes="dialog-title")
            with VerticalScroll(id="detail-scroll"):
                yield Static(f"{t('capture.category_values.' + e.category)} · "
                             f"{t('capture.kind_values.' + e.kind)} · "
                             f"{t('feed.created', when=when(e.created))}", markup=False,
                             classes="hint")
                for name in ("what_happened", "noticed", "learned", "next_step"):
                    value = getattr(e, name).strip()
                    if value:
                        yield Static(t(f"capture.{name}"), classes="field-label", markup=False)
                        yield Static(literal(value), classes="detail-text")
                if e.kind == "idea" or e.status != "new":
                    yield Static(t("feed.status", status=t(f"feed.status_values.{e.status}")),
                                 classes="field-label", markup=False)
                    if e.status_reason:
                        yield Static(literal(t("feed.reason", reason=e.status_reason)))
                for response in e.responses:
                    yield Static(t("feed.answer_by", by=response.by, when=when(response.at)),
                                 classes="field-label", markup=False)
                    yield Static(literal(response.text), classes="detail-text answer")
            yield Button(t("common.close"), id="close", variant="primary")

    def on_button_pressed(self) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
