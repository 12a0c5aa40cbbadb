"""Moving entries without a network: QR codes on screen, a scanner at the other side, receipts.

ExportScreen shows a sealed batch as QR codes that keep coming (protocol 3: the batch's own
frames, then repair frames; kiosk: entries; station: answers back).
ScanScreen (scan.py) takes the scanner's lines (station: entries; kiosk: answers) and shows the
receipt code large. ReceiptScreen (receipt.py) takes the receipt code that the importing side
shows, which marks exactly that batch as delivered; typed on the QR screen, the QR screen then
says it is done. Slow work (sealing, rendering the codes, importing) runs in thread workers.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from kiosk.store_errors import StoreError
from kiosk.sync import exchange, pace, qr, resume
from kiosk.sync.codec import FountainFrames
from kiosk.sync.outgoing import OutgoingBatch
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.receipt import ReceiptScreen
from kiosk.ui.screens.scan import ScanScreen
from kiosk.ui.text import literal
from kiosk.ui.widgets.keybar import Key, key_bindings
from kiosk.ui.widgets.qrview import FrameWindow, QRView

__all__ = ["ExportScreen", "KioskPickScreen", "ReceiptScreen", "ScanScreen", "open_export",
           "open_return_export"]

MAX_QR_ENTRIES = 50  # one QR batch; the rest goes in the next one (or use a USB stick)
INFO_WIDTH = 32


class ExportScreen(KioskScreen):
    """QR codes of one sealed batch in protocol 3: the K source frames ("part k of K"), then
    repair frames without end ("extra part j"), any K or so of which complete the batch at the
    other side. Frames are drawn a block ahead in a worker; a receipt key ends the screen."""

    KEYS = [
        Key("escape", "keys.back", "back"),
        Key("space", "keys.pause", "pause"),
        Key("f5", "keys.receipt", "receipt"),
    ]
    BINDINGS = key_bindings(*KEYS) + [
        Binding("right,down,pagedown", "page(1)", show=False, priority=True),
        Binding("left,up,pageup", "page(-1)", show=False, priority=True),
        Binding("plus,equals_sign", "period(1.5)", show=False, priority=True),
        Binding("minus", "period(0.667)", show=False, priority=True),
    ]

    class Ready(Message):
        """Frames `start` .. drawn for cut `cut` (a resize makes a new cut); with a stream: the
        first frames of a new cut (of `chars` characters; `start` after 0: a showing goes on
        where the last one stopped)."""

        def __init__(self, cut: int, start: int, frames: list[str], strips: list[list[Strip]],
                     stream: FountainFrames | None = None, version: int = 0, chars: int = 0):
            super().__init__()
            self.cut, self.start, self.frames, self.strips = cut, start, frames, strips
            self.stream, self.version, self.chars = stream, version, chars

    def __init__(self, make_batch: Callable[[], OutgoingBatch | None], *,
                 kiosk: str | None = None):
        super().__init__()
        self.make_batch, self.kiosk = make_batch, kiosk
        self.batch: OutgoingBatch | None = None
        self.window = FrameWindow()
        self.frame_index = 0  # the number of the frame shown (0 .. K-1: source frames)
        self.paused, self.period, self._timer = False, 0.0, None
        self._qr_area: tuple[int, int] | None = None
        self._cut = 0  # which cut of the batch the frames drawn belong to
        self._chars = 0  # the frame size of that cut
        self._shown_to = self._noted = 0  # frames before this number shown; noted in the store
        self.sent_key = exchange.RETURN_SENT if kiosk else exchange.SENT
        self.target = kiosk or pace.STATION  # whom the frame period is kept for

    @property
    def frames(self) -> list[str]:
        """The texts of the frames drawn so far (and still kept)."""
        return self.window.texts

    @property
    def strips(self) -> list[list[Strip]]:
        return self.window.strips

    def compose(self) -> ComposeResult:
        t = self.t
        title = (t("transfer.export_return_title", kiosk=self.kiosk) if self.kiosk
                 else t("transfer.export_title"))
        with Horizontal(id="export-body"):
            yield QRView(id="qr")
            with Vertical(id="export-info"):
                yield Static(title, classes="dialog-title", markup=False)
                yield Static(t("transfer.preparing"), id="frame-of", markup=False)
                yield Static("", id="batch-line", markup=False)
                yield Static("", id="cycle-hint", classes="hint", markup=False)
                yield Static("", id="steps", markup=False)
        yield self.keybar()

    def on_mount(self) -> None:
        self.period = pace.shown_period(self.app.store, self.app.config, self.target)
        self.prepare()

    def on_unmount(self) -> None:
        """Left (or the app stops): the next showing of this batch goes on after this frame."""
        if self.batch is not None and self._shown_to > self._noted:
            try:
                resume.note_shown(self.app.store, self.sent_key, self.batch.label, self._chars,
                                  self._shown_to)
            except StoreError:
                pass  # the frames shown since the last note are shown again next time

    def on_resize(self) -> None:
        if self.batch is not None:
            self.call_after_refresh(self._render_for_size)

    def _area(self) -> tuple[int, int]:
        view = self.query_one("#qr", QRView)
        return view.size.width, view.size.height

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def prepare(self) -> None:
        self.batch = self.make_batch()
        if self.batch is None:
            self.app.call_from_thread(self._nothing_to_send)
            return
        self.app.call_from_thread(self._render_for_size)

    def _nothing_to_send(self) -> None:
        key = "sync.export.nothing_return" if self.kiosk else "sync.export.nothing"
        self.notify(self.t(key, kiosk=self.kiosk or ""), timeout=8)
        self.dismiss()

    def _render_for_size(self) -> None:
        size = self._area()
        if size == self._qr_area or size[0] <= 0:
            return
        self._qr_area = size
        self._cut += 1
        self.render_frames(size, self._cut)

    @work(thread=True, exclusive=True, exit_on_error=False, group="render")
    def render_frames(self, size: tuple[int, int], cut: int) -> None:
        try:
            fit = qr.frame_size_for(*size)
        except qr.QRError:
            w, h = qr.cells_for(2)
            message = self.t("transfer.too_small", width=w + INFO_WIDTH, height=h + 1)
            self.app.call_from_thread(self._show_problem, message)
            return
        batch = self.batch
        if batch is None:  # done meanwhile
            return
        stream = batch.stream(fit.max_chars)
        start = 0  # one frame: nothing to cycle, no repair frames
        if stream.count > 1:
            start = resume.shown_from(self.app.store, self.sent_key, batch.label, fit.max_chars)
        window = FrameWindow()
        window.reset(stream, fit.version, first=start)
        ahead = window.AHEAD if stream.count > 1 else 0
        frames, strips = window.draw(start, max(0, stream.count - start) + ahead)
        self.post_message(self.Ready(cut, start, frames, strips, stream, fit.version,
                                     fit.max_chars))

    @work(thread=True, exclusive=False, exit_on_error=False, group="note")
    def note_shown(self, label: str, chars: int, number: int) -> None:
        resume.note_shown(self.app.store, self.sent_key, label, chars, number)

    @work(thread=True, exclusive=True, exit_on_error=False, group="ahead")
    def render_ahead(self, cut: int, start: int) -> None:
        frames, strips = self.window.draw(start, FrameWindow.AHEAD)
        self.post_message(self.Ready(cut, start, frames, strips))

    def _show_problem(self, message: str) -> None:
        self.query_one("#frame-of", Static).update(message)
        self.query_one(QRView).show([])

    def on_export_screen_ready(self, message: Ready) -> None:
        if self.batch is None or message.cut != self._cut:  # done, or drawn for another size
            return
        if message.stream is None:
            self.window.extend(message.start, message.frames, message.strips, self.frame_index)
            return
        if self._shown_to > self._noted and self._chars:  # the cut before this one (resized)
            self.note_shown(self.batch.label, self._chars, self._shown_to)
        self.window.reset(message.stream, message.version, message.frames, message.strips,
                          message.start)
        self.frame_index = self._shown_to = self._noted = message.start
        self._chars = message.chars
        batch, total = self.batch, message.stream.count
        self.query_one("#batch-line", Static).update(batch.summary(self.t))
        steps = (self.t("transfer.export_return_steps_fountain", kiosk=self.kiosk, total=total)
                 if self.kiosk else self.t("transfer.export_steps_fountain", total=total))
        if message.start:
            steps = f"{self.t('transfer.resume.continuing')} {steps}"
        self.query_one("#steps", Static).update(steps)
        self._show()
        self._restart_timer()

    def _show(self) -> None:
        if not self.window.has(self.frame_index):
            return
        self.query_one(QRView).show(self.window.strips_of(self.frame_index))
        self._shown_to = max(self._shown_to, self.frame_index + 1)
        if self._shown_to - self._noted >= FrameWindow.AHEAD and self.batch is not None:
            self._noted = self._shown_to  # a power cut repeats at most this many frames
            self.note_shown(self.batch.label, self._chars, self._shown_to)
        key, values = self.window.part(self.frame_index)
        self.query_one("#frame-of", Static).update(self.t(key, **values))
        hint = (self.t("transfer.paused") if self.paused else
                self.t("transfer.cycling", seconds=f"{self.period:g}"))
        self.query_one("#cycle-hint", Static).update(hint)

    def _restart_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = None
        if not self.paused and len(self.strips) > 1:
            self._timer = self.set_interval(self.period, self._advance)

    def _go(self, number: int) -> None:
        """Show frame `number` if it is drawn (else stay: it is being drawn); draw ahead."""
        if self.window.has(number):
            self.frame_index = number
            self._show()
        if self.window.wants_ahead(self.frame_index):
            self.render_ahead(self._cut, self.window.end)

    def _advance(self) -> None:
        self._go(self.frame_index + 1)

    def action_page(self, delta: int) -> None:
        if self.strips:
            self._go(self.frame_index + delta)
            self._restart_timer()

    def action_pause(self) -> None:
        self.paused = not self.paused
        self._restart_timer()
        self._show()

    def action_period(self, factor: float) -> None:
        self.period = pace.step_period(self.period, factor)
        self._restart_timer()
        self._show()
        self.keep_period()

    @work(thread=True, exclusive=True, exit_on_error=False, group="period")
    def keep_period(self) -> None:
        with self.app.store.lock:  # read under the lock: the last write keeps the last choice
            pace.keep_period(self.app.store, self.target, self.period)

    def action_receipt(self) -> None:
        self.app.push_screen(ReceiptScreen(close_when_done=True), self._receipt_entered)

    def _receipt_entered(self, report: exchange.ReceiptReport | None) -> None:
        if report is None:
            return
        if self.batch is not None and report.label == self.batch.label:
            self._done(report)
            return
        # Another batch's receipt: it may have synced some of these entries, so the codes
        # shown are made again from what is still to send (or the screen closes: nothing left).
        self.notify(report.message().text(self.app.language), timeout=8)
        if report.marked:
            self._clear()
            self.query_one("#frame-of", Static).update(self.t("transfer.preparing"))
            self.prepare()

    def _clear(self) -> None:
        self.window.reset()
        self.frame_index, self._qr_area = 0, None
        self._restart_timer()
        self.query_one(QRView).show([])

    def _done(self, report: exchange.ReceiptReport) -> None:
        """The other side has this batch: no codes to show any more, say so."""
        self.batch = None  # a resize or a late render shows no codes again
        self._clear()
        self.query_one(QRView).display = False  # the text takes the screen
        self.query_one("#export-info").styles.width = "1fr"
        self.query_one("#frame-of", Static).update(
            self.t("transfer.done_return" if self.kiosk else "transfer.done", label=report.label))
        self.query_one("#batch-line", Static).update(report.message().text(self.app.language))
        self.query_one("#cycle-hint", Static).update("")
        self.query_one("#steps", Static).update(self.t("transfer.done_back"))
        if not self.kiosk:
            self.count_left()

    @work(thread=True, exclusive=True, exit_on_error=False, group="left")
    def count_left(self) -> None:
        """After the receipt: entries that were not in this batch (newer ones) still wait."""
        left = len(exchange.entries_to_send(self.app.store))
        if left:
            self.app.call_from_thread(self.query_one("#steps", Static).update,
                                      self.t("transfer.resume.more", count=left))

    def action_back(self) -> None:
        self.dismiss()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            text = self.app.strings.message(error)
            self._show_problem(self.t("transfer.failed", problem=text))


class KioskPickScreen(ModalScreen[str | None]):
    """The station picks which kiosk to send answers to."""

    BINDINGS = [Binding("escape", "close", show=False, priority=True)]

    def __init__(self, kiosks: list[str]):
        super().__init__()
        self.kiosks = kiosks

    def compose(self) -> ComposeResult:
        with Vertical(id="pick-box", classes="dialog"):
            yield Static(self.app.t("transfer.kiosk_pick"), classes="dialog-title", markup=False)
            yield OptionList(*[Option(literal(k), id=k) for k in self.kiosks], id="kiosks")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)


def open_export(app) -> None:
    """Kiosk: seal the entries without a receipt and show them as QR codes."""
    app.push_screen(ExportScreen(
        lambda: exchange.export_entries(app.store, app.config, max_entries=MAX_QR_ENTRIES,
                                        go_on=True)))


def open_return_export(app) -> None:
    """Station: choose a kiosk, then show its answers batch as QR codes."""
    kiosks = exchange.known_kiosks(app.store)
    if not kiosks:
        app.notify(app.t("sync.batch.no_kiosks"), timeout=8)
        return

    def chosen(kiosk: str | None) -> None:
        if kiosk:
            app.push_screen(ExportScreen(
                lambda: exchange.export_replies(app.store, app.config, kiosk, go_on=True,
                                                max_entries=MAX_QR_ENTRIES), kiosk=kiosk))

    app.push_screen(KioskPickScreen(kiosks), chosen)
