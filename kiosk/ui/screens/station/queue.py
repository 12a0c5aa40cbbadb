"""The review queue: urgent entries nobody answered first, then not-seen entries, then newest;
filters and search narrow it (typing anywhere in the queue searches). The index loads in a thread
worker after first paint; the columns fit the screen's width."""

from __future__ import annotations

from datetime import datetime, timezone

from rich.cells import cell_len
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from kiosk.entries import CATEGORIES, KINDS, STATUSES, parse_time
from kiosk.review.queue import ReviewIndex
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.feed import when
from kiosk.ui.screens.station.entry import EntryReviewScreen
from kiosk.ui.screens.station.insights import InsightsScreen
from kiosk.ui.screens.station.report import ReportScreen
from kiosk.ui.text import literal, one_line
from kiosk.ui.widgets.cycler import Cycler
from kiosk.ui.widgets.keybar import Key, key_bindings

PAGE = 200
# The queue's columns in order. The headline takes the room the others leave (at most 60 cells);
# the optional ones join in this order while it keeps at least OPTIONAL_ROOM cells.
QUEUE_COLUMNS = ("col_date", "col_headline", "col_station", "col_category", "col_kind",
                 "col_status", "col_language", "col_answer")
OPTIONAL_COLUMNS = ("col_status", "col_station", "col_kind", "col_language")
HEADINGS = {"col_language": "station.language.column"}  # else supervisor.<column>
OPTIONAL_ROOM, MIN_HEADLINE, MAX_HEADLINE = 36, 16, 60
STATION_CELLS = 20  # station names are cut to this in the queue
SEARCH_DELAY = 0.3


class ReviewScreen(KioskScreen):
    """Urgent and not-seen entries first, then newest; filters and search narrow the queue."""

    KEYS = [
        Key("f1", "keys.help", "app.help", show=False),
        Key("f2", "keys.import", "import_entries"),
        Key("f3", "keys.insights", "insights"),
        Key("f4", "keys.report", "report"),
        Key("f5", "keys.answers_back", "answers_back"),
        Key("f6", "keys.receipt", "receipt"),
        Key("f10", "keys.logout", "logout"),
    ]
    BINDINGS = key_bindings(*KEYS)

    class Loaded(Message):
        def __init__(self, loaded: int, total: int):
            super().__init__()
            self.loaded, self.total = loaded, total

    def __init__(self) -> None:
        super().__init__()
        self._search_timer: Timer | None = None
        self._loading: tuple[int, int] | None = None
        self._waiting: str | None = None  # the "N wait for an answer" line, per index change

    @property
    def index(self) -> ReviewIndex:
        return self.app.review_index

    def compose(self) -> ComposeResult:
        t = self.t
        ascii_only = self.app.ascii_only

        def choice(id: str, label: str, values: list[tuple[str, str]]) -> Cycler:
            return Cycler(t(label), [("", t("supervisor.all")), *values], ascii_only=ascii_only,
                          id=id)

        yield self.header()
        yield self.idle_banner()
        with Vertical(id="review-body"):
            # no select-all on focus: the key that brought the focus here (type to search) and
            # the ones after it would replace each other
            yield Input(placeholder=t("station.search"), id="search", max_length=200,
                        select_on_focus=False)
            with Horizontal(id="filters"):
                yield choice("f-seen", "supervisor.filter_seen",
                             [("no", t("supervisor.not_seen")), ("yes", t("supervisor.seen"))])
                yield choice("f-category", "supervisor.filter_category",
                             [(c, t(f"capture.category_values.{c}")) for c in CATEGORIES])
                yield choice("f-kind", "supervisor.filter_kind",
                             [(k, t(f"capture.kind_values.{k}")) for k in KINDS])
                yield choice("f-status", "supervisor.filter_status",
                             [(s, t(f"feed.status_values.{s}")) for s in STATUSES])
                yield choice("f-station", "supervisor.filter_station", [])
            yield Static("", id="queue-count", markup=False)
            table = DataTable(id="queue", cursor_type="row", zebra_stripes=True)
            yield table
        yield self.keybar()

    def on_mount(self) -> None:
        self._columns: tuple[str, ...] = ()
        self._headline_width = 0
        self._set_columns(self.app.size.width)
        self.query_one("#queue", DataTable).focus()
        if self.index.complete.is_set():
            self.refresh_queue()
        else:
            self.load_index()

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-load")
    def load_index(self) -> None:
        from kiosk.review.queue import keep_index_out_of_gc

        self.index.load(lambda loaded, total: self.post_message(self.Loaded(loaded, total)))
        if self.index.complete.is_set():
            keep_index_out_of_gc()

    def on_review_screen_loaded(self, message: Loaded) -> None:
        self._loading = None if message.loaded >= message.total else (message.loaded,
                                                                       message.total)
        if message.loaded >= message.total:
            self._update_station_facets()
        self.refresh_queue(index_changed=True)

    def _update_station_facets(self) -> None:
        cycler = self.query_one("#f-station", Cycler)
        current = cycler.value
        cycler.options = [("", self.t("supervisor.all")),
                          *[(s, s) for s in self.index.facets().stations]]
        cycler.value = current
        cycler.refresh(layout=True)

    def filters(self) -> dict:
        def value(id: str) -> str | None:
            return self.query_one(f"#{id}", Cycler).value or None

        seen = value("f-seen")
        return {"category": value("f-category"), "kind": value("f-kind"),
                "status": value("f-status"), "station": value("f-station"),
                "seen": None if seen is None else seen == "yes",
                "text": self.query_one("#search", Input).value.strip() or None}

    def _waiting_line(self) -> str:
        """How many entries wait for an answer and for how long (independent of the filters)."""
        waiting_total, waiting = self.index.filter(waiting=True, limit=None)
        if not waiting_total:
            return ""
        oldest = min(item.created for item in waiting)
        days = (datetime.now(timezone.utc) - parse_time(oldest)).days
        return self.t("supervisor.open_waiting", count=f"{waiting_total:,}",
                      waited=self.t("supervisor.waited_days", days=days) if days else
                      self.t("supervisor.waited_today"))

    def on_resize(self, event: events.Resize) -> None:
        if self._set_columns(event.size.width):
            self.refresh_queue()

    def _column_width(self, key: str) -> int:
        """Cells a column needs in this language: its heading or its longest value."""
        t = self.t
        values = {
            "col_date": [f"{t('supervisor.new_mark')} {when('2026-12-31T23:59:00.000Z')}"],
            "col_station": ["x" * STATION_CELLS],
            "col_category": [t(f"capture.category_values.{c}") for c in CATEGORIES],
            "col_kind": [t(f"capture.kind_values.{k}") for k in KINDS],
            "col_status": [t(f"feed.status_values.{s}") for s in STATUSES],
            "col_answer": [t("supervisor.answered_yes"), t("supervisor.answered_no")],
            "col_language": ["xxx"],
        }[key]
        return max(len(self._heading(key)), *map(len, values))

    def _heading(self, key: str) -> str:
        return self.t(HEADINGS.get(key, f"supervisor.{key}"))

    def _set_columns(self, width: int) -> bool:
        """Columns and headline width for a screen `width` cells wide; True when they changed."""
        room = width - 4 - 2  # scrollbar and margin; the headline's own padding
        shown = {"col_date", "col_headline", "col_category", "col_answer"}
        room -= sum(self._column_width(key) + 2 for key in shown - {"col_headline"})
        for key in OPTIONAL_COLUMNS:
            need = self._column_width(key) + 2
            if room - need >= OPTIONAL_ROOM:
                shown.add(key)
                room -= need
        columns = tuple(key for key in QUEUE_COLUMNS if key in shown)
        headline = max(MIN_HEADLINE, min(MAX_HEADLINE, room))
        if (columns, headline) == (self._columns, self._headline_width):
            return False
        if columns != self._columns:
            table = self.query_one("#queue", DataTable)
            table.clear(columns=True)
            for key in columns:
                table.add_column(self._heading(key), key=key)
        self._columns, self._headline_width = columns, headline
        return True

    def refresh_queue(self, *, index_changed: bool = False) -> None:
        """Show the queue for the current filters; `index_changed` when entries changed."""
        t = self.t
        if index_changed or self._waiting is None:
            self._waiting = self._waiting_line()
        filters = self.filters()
        total, page = self.index.filter(**filters, limit=PAGE)
        unseen, _ = self.index.filter(**{**filters, "seen": False}, limit=0) \
            if filters["seen"] is None else ((total if filters["seen"] is False else 0), [])
        table = self.query_one("#queue", DataTable)
        keep = table.cursor_row
        table.clear()
        for item in page:
            date = Text(when(item.created))
            if not item.seen:
                date = Text(f"{t('supervisor.new_mark')} ", style="bold") + date
            cells = {
                "col_date": date,
                "col_headline": self._headline(item),
                "col_station": literal(one_line(item.station, STATION_CELLS)),
                "col_category": t(f"capture.category_values.{item.category}"),
                "col_kind": t(f"capture.kind_values.{item.kind}"),
                "col_status": t(f"feed.status_values.{item.status}")
                if item.kind == "idea" else "",
                "col_answer": t("supervisor.answered_yes") if item.answers
                else t("supervisor.answered_no"),
                "col_language": item.language,
            }
            table.add_row(*(cells[key] for key in self._columns), key=item.id)
        if page:
            table.move_cursor(row=min(keep, len(page) - 1))
        lines = [t("supervisor.count", total=f"{total:,}", unseen=f"{unseen:,}")]
        if total > PAGE:
            lines.append(t("supervisor.showing", shown=PAGE))
        if self._waiting:
            lines.append(self._waiting)
        if self._loading:
            lines.append(t("supervisor.loading", loaded=self._loading[0], total=self._loading[1]))
        self.query_one("#queue-count", Static).update(" ".join(lines))

    def _headline(self, item) -> Text:
        """The headline, after URGENT for an urgent entry and with "anonymous" at its end."""
        t = self.t
        marks = [(f"{t('station.urgent_mark')} ", "bold reverse red")] if item.urgent else []
        tail = [(f" · {t('station.anonymous_mark')}", "italic")] if item.anonymous else []
        room = self._headline_width - sum(cell_len(text) for text, _ in marks + tail)
        cell = Text()
        for text, style in marks:
            cell.append(text, style=style)
        cell.append_text(literal(one_line(item.headline, max(room, 8))))
        for text, style in tail:
            cell.append(text, style=style)
        return cell

    def on_key(self, event: events.Key) -> None:
        """Type to search: a printable key on the queue or a filter goes into the search box
        (Space still steps a filter), and Backspace takes the last character off it."""
        focused = self.focused
        search = self.query_one("#search", Input)
        if isinstance(focused, Input):
            return
        if event.key == "backspace" and search.value:
            search.focus()
            search.action_end()
            search.action_delete_left()
        elif event.is_printable and event.character and \
                not (event.key == "space" and isinstance(focused, Cycler)):
            search.focus()
            search.insert_text_at_cursor(event.character)
        else:
            return
        event.stop()
        event.prevent_default()

    def on_cycler_changed(self, event: Cycler.Changed) -> None:
        self.refresh_queue()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "search":
            return
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self.refresh_queue)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        from kiosk.sync.codec import is_frame

        if event.input.id == "search" and is_frame(event.value):
            # a kiosk's QR code scanned here, not on the import screen: import it there
            line, event.input.value = event.value, ""
            from kiosk.ui.screens.transfer import ScanScreen

            self.app.push_screen(ScanScreen(first_line=line))
            return
        self.refresh_queue()
        self.query_one("#queue", DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(EntryReviewScreen(event.row_key.value))

    def on_screen_resume(self) -> None:
        """Back from an entry, an import or a report: entries may have changed."""
        if self.index.weeks_loaded:
            self.refresh_queue(index_changed=True)

    # -- actions ------------------------------------------------------------------------------
    def action_import_entries(self) -> None:
        from kiosk.ui.screens.transfer import ScanScreen

        self.app.push_screen(ScanScreen())

    def action_answers_back(self) -> None:
        from kiosk.ui.screens.transfer import open_return_export

        open_return_export(self.app)

    def action_receipt(self) -> None:
        from kiosk.ui.screens.transfer import ReceiptScreen

        self.app.push_screen(ReceiptScreen())

    def action_insights(self) -> None:
        self.app.push_screen(InsightsScreen())

    def action_report(self) -> None:
        self.app.push_screen(ReportScreen())

    async def action_logout(self) -> None:
        await self.app.logout()
