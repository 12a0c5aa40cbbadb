"""The supervisor station: PIN login, the review queue, one entry (seen, answer, idea status),
insights and the team-meeting report. The queue index loads in a thread worker after first paint;
every store action runs through kiosk.review.actions, which also writes the audit log."""

from __future__ import annotations

from datetime import datetime, timezone

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Markdown, Static, TextArea
from textual.worker import Worker, WorkerState

from kiosk.entries import CATEGORIES, KINDS, STATUSES, Entry, parse_time
from kiosk.identity import supervisor_session
from kiosk.lockout import PinGuard
from kiosk.review import actions
from kiosk.review.actions import ReviewError
from kiosk.review.queue import ReviewIndex
from kiosk.store import StoreError
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.feed import when
from kiosk.ui.text import literal, one_line
from kiosk.ui.widgets.cycler import Cycler
from kiosk.ui.widgets.keybar import Key, key_bindings

PAGE = 200
# The queue's columns in order. The headline takes the room the others leave (at most 60 cells);
# the optional ones join in this order while it keeps at least OPTIONAL_ROOM cells.
QUEUE_COLUMNS = ("col_date", "col_headline", "col_station", "col_category", "col_kind",
                 "col_status", "col_answer")
OPTIONAL_COLUMNS = ("col_status", "col_station", "col_kind")
OPTIONAL_ROOM, MIN_HEADLINE, MAX_HEADLINE = 36, 16, 60
STATION_CELLS = 20  # station names are cut to this in the queue
SEARCH_DELAY = 0.3


class SupervisorLoginScreen(KioskScreen):
    KEYS = [Key("f1", "keys.help", "app.help"), Key("f8", "keys.language", "language"),
            Key("f12", "keys.admin", "app.admin")]
    BINDINGS = key_bindings(*KEYS)

    def compose(self) -> ComposeResult:
        t = self.t
        yield self.header()
        with Vertical(id="login-center"):
            with Vertical(id="login-box"):
                yield Static(t("supervisor.login_title"), id="login-title", markup=False)
                yield Static(t("supervisor.login_intro"), markup=False)
                yield Input(placeholder=t("supervisor.name_label"), id="name", max_length=60)
                yield Input(placeholder=t("supervisor.pin_label"), id="pin", password=True,
                            max_length=32)
                yield Static("", id="login-error", markup=False)
        yield self.keybar()

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def reset(self) -> None:
        self.refresh(recompose=True)
        self.call_after_refresh(self.on_mount)

    def action_language(self) -> None:
        self.app.set_language(self.app.next_language())
        self.reset()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "name":
            self.query_one("#pin", Input).focus()
            return
        pin, event.input.value = event.value, ""
        name = " ".join(self.query_one("#name", Input).value.split())
        error = self.query_one("#login-error", Static)
        if not name:
            error.update(self.t("supervisor.name_missing"))
            self.query_one("#name", Input).focus()
            return
        config = self.app.config
        guard = PinGuard.for_config(self.app.store, config)
        role, (problem, values) = guard.check(pin, config, roles=("supervisor", "admin"))
        if role is None:
            error.update(self.t(problem, **values))
            return
        error.update("")
        self.app.login_supervisor(supervisor_session(name, role, self.app.language))


class ReviewScreen(KioskScreen):
    """Not-seen entries first, then newest; filters and search narrow the queue."""

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
            yield Input(placeholder=t("supervisor.search"), id="search", max_length=200)
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
        }[key]
        return max(len(t(f"supervisor.{key}")), *map(len, values))

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
                table.add_column(self.t(f"supervisor.{key}"), key=key)
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
                "col_headline": literal(one_line(item.headline, self._headline_width)),
                "col_station": literal(one_line(item.station, STATION_CELLS)),
                "col_category": t(f"capture.category_values.{item.category}"),
                "col_kind": t(f"capture.kind_values.{item.kind}"),
                "col_status": t(f"feed.status_values.{item.status}")
                if item.kind == "idea" else "",
                "col_answer": t("supervisor.answered_yes") if item.answers
                else t("supervisor.answered_no"),
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


class EntryReviewScreen(KioskScreen):
    """One entry in full; opening it marks it seen. F2 sends the answer, F3 saves the status."""

    KEYS = [
        Key("escape", "keys.back", "back"),
        Key("f2", "keys.send", "answer"),
        Key("f3", "keys.status", "status"),
        Key("f10", "keys.logout", "logout"),
    ]
    BINDINGS = key_bindings(*KEYS)

    def __init__(self, entry_id: str):
        super().__init__()
        self.entry_id = entry_id
        self.entry: Entry | None = None

    def compose(self) -> ComposeResult:
        t = self.t
        yield self.header()
        yield self.idle_banner()
        with VerticalScroll(id="review-entry"):
            yield Static("", id="entry-text")
            yield Static(t("supervisor.answer_label"), classes="field-label", markup=False)
            yield TextArea(id="answer", soft_wrap=True, tab_behavior="focus", compact=True,
                           show_line_numbers=False, highlight_cursor_line=False)
            with Vertical(id="status-box"):
                yield Cycler(t("supervisor.status_label"),
                             [(s, t(f"feed.status_values.{s}")) for s in STATUSES],
                             ascii_only=self.app.ascii_only, id="status")
                yield Input(placeholder=t("supervisor.reason_label"), id="reason",
                            max_length=400)
        yield self.keybar()

    def on_mount(self) -> None:
        self.open_entry()

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-entry")
    def open_entry(self) -> None:
        app = self.app
        entry = app.review_index.entry(self.entry_id)
        if entry is not None and not entry.seen:
            entry = actions.mark_seen(app.store, self.entry_id, by=app.session.name,
                                      index=app.review_index, audit=app.audit)
        self.app.call_from_thread(self.show_entry, entry)

    def show_entry(self, entry: Entry | None) -> None:
        if entry is None:
            self.dismiss()
            return
        self.entry = entry
        t = self.t
        text = Text()
        text.append_text(literal(entry.headline, style="bold"))
        text.append(f"\n{entry.station} · {t('capture.category_values.' + entry.category)} · "
                    f"{t('capture.kind_values.' + entry.kind)} · "
                    f"{t('feed.created', when=when(entry.created))}\n")
        for name in ("what_happened", "noticed", "learned", "next_step"):
            value = getattr(entry, name).strip()
            if value:
                text.append(f"\n{t('capture.' + name)}\n", style="bold")
                text.append_text(literal(value))
                text.append("\n")
        for response in entry.responses:
            text.append("\n" + t("feed.answer_by", by=response.by, when=when(response.at)) + "\n",
                        style="bold")
            text.append_text(literal(response.text, style="green"))
            text.append("\n")
        self.query_one("#entry-text", Static).update(text)
        box = self.query_one("#status-box")
        box.display = entry.kind == "idea"
        self.query_one("#status", Cycler).value = entry.status
        self.query_one("#reason", Input).value = entry.status_reason
        self.query_one("#answer", TextArea).focus()

    def _act(self, do, done_key: str) -> None:
        try:
            self.entry = do()
        except (ReviewError, StoreError) as exc:
            self.notify(str(exc), severity="error", timeout=10, markup=False)
            return
        self.notify(self.t(done_key), timeout=4)
        self.show_entry(self.entry)

    def action_answer(self) -> None:
        app = self.app
        area = self.query_one("#answer", TextArea)

        def do():
            return actions.answer(app.store, self.entry_id, area.text, by=app.session.name,
                                  index=app.review_index, audit=app.audit)

        self._act(do, "supervisor.answer_sent")
        if self.entry is not None and self.entry.responses and \
                self.entry.responses[-1].text == area.text.strip():
            area.load_text("")

    def action_status(self) -> None:
        app = self.app
        status = self.query_one("#status", Cycler).value
        reason = self.query_one("#reason", Input).value

        def do():
            return actions.set_status(app.store, self.entry_id, status, by=app.session.name,
                                      reason=reason, index=app.review_index, audit=app.audit)

        self._act(do, "supervisor.status_saved")

    def action_back(self) -> None:
        self.dismiss()

    async def action_logout(self) -> None:
        await self.app.logout()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.notify(str(event.worker.error), severity="error", markup=False)


class InsightsScreen(KioskScreen):
    KEYS = [Key("escape", "keys.back", "back")]
    BINDINGS = key_bindings(*KEYS)

    def compose(self) -> ComposeResult:
        yield self.header()
        yield self.idle_banner()
        with VerticalScroll(id="insights"):
            yield Static(self.t("supervisor.computing"), id="insights-text", markup=False)
        yield self.keybar()

    def on_mount(self) -> None:
        self.compute()

    @work(thread=True, exclusive=True, exit_on_error=False, group="insights")
    def compute(self) -> None:
        from kiosk.review.commands import format_insights
        from kiosk.review.insights import insights_for
        from kiosk.review.labels import Labels

        app = self.app
        app.review_index.complete.wait()
        found = insights_for(app.review_index, min_group_size=app.config.min_group_size,
                             weeks=12)
        text = format_insights(found, Labels(app.language))
        self.app.call_from_thread(self.query_one("#insights-text", Static).update, text)
        digest = format_digest(app)
        self.app.call_from_thread(self.query_one("#insights-text", Static).update,
                                  digest + "\n\n" + text)

    def action_back(self) -> None:
        self.dismiss()


def format_digest(app) -> str:
    """The weekly digest of themes per station, as plain text (AI sentences marked)."""
    from kiosk.review.digest import weekly_digest

    t = app.t
    week, digests = weekly_digest(app.review_index, language=app.language,
                                  min_group_size=app.config.min_group_size, coach=app.coach)
    lines = [t("digest.title", week=week)]
    for digest in digests:
        lines.append("")
        count = t("digest.entries", count=digest.entries) if digest.entries else ""
        lines.append(f"{one_line(digest.station, 40)}  {count}".rstrip())
        themes = [f"{th.text} ({th.entries})" for th in (digest.phrases + digest.words)[:6]]
        if themes:
            lines.append("  " + ", ".join(themes))
        lines.append("  " + digest.summary)
        if digest.ai_summary:
            lines.append("  " + t("digest.ai_label", model=digest.ai_source) + ":")
            lines.append("  " + one_line(digest.ai_summary, 200))
    return "\n".join(lines)


class ReportScreen(KioskScreen):
    """This week's report: shown here and saved (Markdown and HTML) in the data folder."""

    KEYS = [Key("escape", "keys.back", "back")]
    BINDINGS = key_bindings(*KEYS)

    def compose(self) -> ComposeResult:
        yield self.header()
        yield Static(self.t("supervisor.computing"), id="report-saved", markup=False)
        yield Markdown("", id="report")
        yield self.keybar()

    def on_mount(self) -> None:
        self.build()

    @work(thread=True, exclusive=True, exit_on_error=False, group="report")
    def build(self) -> None:
        from kiosk.review.report import build_report
        from kiosk.review.report_files import save_report

        app = self.app
        app.review_index.complete.wait()
        report = build_report(app.store, "this", index=app.review_index,
                              min_group_size=app.config.min_group_size)
        saved = save_report(report, app.config.data_dir, app.language)
        self.app.call_from_thread(self.show, saved.markdown, str(saved.md_path),
                                  str(saved.html_path))

    def show(self, markdown: str, md_path: str, html_path: str) -> None:
        self.query_one("#report-saved", Static).update(
            self.t("supervisor.report_saved", md=md_path, html=html_path))
        self.query_one("#report", Markdown).update(markdown)

    def action_back(self) -> None:
        self.dismiss()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.query_one("#report-saved", Static).update(str(event.worker.error))
