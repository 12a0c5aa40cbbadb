"""The scan screen: a focused input for a keyboard-wedge scanner (one frame per line, any order),
and the camera of `[sync] camera` if there is one (widgets/camerafeed.py); the station imports
entries with it, a kiosk receives answers. The importing side then shows the receipt code large.

The frames read of a batch not complete yet are kept (kiosk/sync/partials.py, saved in a worker
after each new one): leaving the screen or restarting the app loses none. The share of frames
read is measured from their symbol ids (kiosk/sync/pace.py) and, when it is far off, the screen
says which key to press on the screen with the codes.
"""

from __future__ import annotations

import time

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, RichLog, Static
from textual.worker import Worker, WorkerState

from kiosk.sync import exchange
from kiosk.sync.codec import TYPE_ENTRIES, TYPE_RETURN
from kiosk.sync.collect import FrameCollector, ScanResult, kept_frames
from kiosk.sync.pace import ReadPace
from kiosk.sync.partials import ScanKeeper, restore
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.receipt import ReceiptScreen
from kiosk.ui.text import literal
from kiosk.ui.widgets.bigcode import BigCode
from kiosk.ui.widgets.camerafeed import CameraFeed
from kiosk.ui.widgets.keybar import Key, key_bindings


class ScanScreen(KioskScreen):
    """A focused input for a keyboard-wedge scanner (one frame per line, any order), and the
    camera's codes as if scanned."""

    KEYS = [Key("escape", "keys.back", "back"), Key("f5", "keys.receipt", "receipt")]
    BINDINGS = key_bindings(*KEYS)

    class Imported(Message):
        def __init__(self, report: exchange.ImportReport):
            super().__init__()
            self.report = report

    def __init__(self, *, returning: bool = False, first_line: str = ""):
        super().__init__()
        self.returning = returning  # kiosk: answers coming back from the station
        self.first_line = first_line  # a frame scanned on the screen before this one
        self.collector: FrameCollector | None = None
        self.kind = TYPE_RETURN if returning else TYPE_ENTRIES
        self.keeper: ScanKeeper | None = None
        self.pace = ReadPace()
        self.clock = time.monotonic
        self._state = 0  # the number of the collector's state, for the keeper

    def compose(self) -> ComposeResult:
        t = self.t
        yield self.header()
        yield self.idle_banner()
        with Vertical(id="scan-body"):
            yield Static(t("transfer.scan_return_title" if self.returning else
                           "transfer.scan_title"), classes="dialog-title", markup=False)
            yield Static(t("transfer.scan_prompt"), markup=False)
            yield Input(id="scan", placeholder=t("transfer.scan_label"), max_length=8192)
            yield CameraFeed(self.app.config.camera, id="camera-line")
            yield Static(t("transfer.scan_waiting"), id="scan-progress", markup=False)
            yield Static("", id="scan-pace", classes="hint", markup=False)
            yield Static("", id="receipt-code", markup=False)
            yield BigCode(id="receipt-big")
            yield Static("", id="receipt-where", classes="hint", markup=False)
            # min_width=1: wrap at the log's own width (the default 78 cuts lines at 80 columns)
            yield RichLog(id="scan-log", wrap=True, markup=False, max_lines=200, min_width=1)
        yield self.keybar()

    def on_mount(self) -> None:
        # The kiosk receives answers, the station imports entries: the other kind of code is
        # refused on its first frame, saying where it belongs.
        self.collector = FrameCollector(self.app.config.site_key, expect=self.kind)
        self.query_one("#scan-pace", Static).display = False
        self.keeper = ScanKeeper(self.app.store, self.kind)
        log = self.query_one("#scan-log", RichLog)
        for kept in restore(self.collector, self.keeper.load()):
            log.write(literal(kept.text(self.app.language)))
        self._show_progress()
        self.query_one("#scan", Input).focus()
        if self.first_line:
            self.take(self.first_line)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        line, event.input.value = event.value, ""
        if line.strip():
            self.take(line)

    def on_camera_feed_code(self, message: CameraFeed.Code) -> None:
        if message.text.strip().upper().startswith("KS"):  # else another QR code in view
            self.take(message.text, camera=True)

    def take(self, line: str, *, camera: bool = False) -> None:
        """One scanned line: add it to the batch, show progress, import a complete batch.
        From the camera, a part read before is not logged (it films every code many times)."""
        result = self.collector.add(line)
        if not (camera and result.status == "duplicate"):
            self.query_one("#scan-log", RichLog).write(
                literal(result.text(self.app.language), style="" if result.ok else "bold red"))
        self._show_progress()
        if result.status in ("added", "complete", "failed"):
            self._state += 1
            self.keep(self.collector.kept(), self._state)
            self._note_pace(result)
        if result.batch is not None:
            self.import_batch(result.batch)

    def _show_progress(self) -> None:
        collector = self.collector
        if collector.total:
            self.query_one("#scan-progress", Static).update(
                self.t("transfer.scan_progress_fountain", received=collector.received,
                       total=collector.total) if collector.fountain else
                self.t("transfer.scan_progress", received=collector.received,
                       total=collector.total, missing=collector.missing_text() or "-"))

    def _note_pace(self, result: ScanResult) -> None:
        frame = result.frame
        if frame is None or not frame.fountain:
            return
        self.pace.note((frame.batch_id, frame.length, len(frame.chunk)), frame.index,
                       self.clock())
        advice = self.pace.advice()
        line = self.query_one("#scan-pace", Static)
        line.display = advice is not None
        line.update(advice.text(self.app.language) if advice is not None else "")

    @work(thread=True, exclusive=False, exit_on_error=False, group="keep")
    def keep(self, kept: list, number: int) -> None:
        self.keeper.save(kept_frames(kept), number)

    @work(thread=True, exclusive=True, exit_on_error=False, group="import")
    def import_batch(self, batch) -> None:
        app = self.app
        with app.store.lock:
            report = exchange.import_batch(app.store, app.config, batch)
        self.post_message(self.Imported(report))

    def on_scan_screen_imported(self, message: Imported) -> None:
        report = message.report
        language = self.app.language
        log = self.query_one("#scan-log", RichLog)
        log.write(literal(report.message().text(language)))
        if report.again:
            log.write(literal(self.t("sync.import.again")))
        self.query_one("#receipt-code", Static).update(
            self.t("transfer.receipt_big", code=report.receipt))
        self.query_one("#receipt-big", BigCode).show(report.receipt)
        self.query_one("#receipt-where", Static).update(self.t(
            "transfer.receipt_where_kiosk" if self.returning else "transfer.receipt_where_station"))
        self.query_one("#scan-progress", Static).update(self.t("transfer.scan_waiting"))
        if hasattr(self.app, "entries_changed"):
            self.app.entries_changed(report.changed_ids)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            text = self.app.strings.message(error)
            self.query_one("#scan-log", RichLog).write(literal(text, style="bold red"))

    def action_receipt(self) -> None:
        self.app.push_screen(ReceiptScreen())

    def action_back(self) -> None:
        self.dismiss()
