"""My learning: the logged-in badge's own record (kiosk/learning/my_learning.py), and taking it
along: F2 saves it as Markdown and HTML to a folder (the USB stick), F5 shows it as QR codes a
phone reads as text. Only a badge session opens it; the station never sees it."""

from __future__ import annotations

from datetime import date

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from kiosk.learning import record_qr
from kiosk.learning.my_learning import LearningRecord, build_record, try_outcomes
from kiosk.learning.record_files import RecordError, render_text, save_record
from kiosk.sync.qr import QRError
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.text import literal
from kiosk.ui.widgets.keybar import Key, key_bindings
from kiosk.ui.widgets.qrview import QRView, cells_to_strips

INFO_WIDTH = 32


def open_my_learning(app) -> None:
    """F7: My learning, for a badge session only."""
    session = app.session
    if session is None or session.author is None:
        app.notify(app.t("learning.mine.badge_only"), timeout=6)
        return
    app.push_screen(MyLearningScreen())


class MyLearningScreen(KioskScreen):
    KEYS = [
        Key("f1", "keys.help", "app.help"),
        Key("escape", "keys.back", "back"),
        Key("f2", "learning.keys.save", "save"),
        Key("f5", "learning.keys.qr", "qr"),
        Key("f10", "keys.logout", "logout"),
    ]
    BINDINGS = key_bindings(*KEYS)

    def __init__(self) -> None:
        super().__init__()
        self.record: LearningRecord | None = None
        self.text = ""

    def compose(self) -> ComposeResult:
        yield self.header()
        yield self.idle_banner()
        with Vertical(id="list-body"):
            yield Static(self.t("learning.mine.title"), id="list-title", markup=False)
            with VerticalScroll(id="mine-scroll"):
                yield Static(self.t("learning.mine.loading"), id="mine-text", markup=False)
        yield self.keybar()

    def on_mount(self) -> None:
        self.query_one("#mine-scroll").focus()
        self.load(self.app.session.author)

    @work(thread=True, exclusive=True, exit_on_error=False, group="my-learning")
    def load(self, author: str) -> None:
        store = self.app.store
        record = build_record(store, author, try_outcomes(store, author, self.t))
        self.app.call_from_thread(self.show, record)

    def show(self, record: LearningRecord) -> None:
        self.record = record
        if record.empty:
            self.text = ""
            self.query_one("#mine-text", Static).update(self.t("learning.mine.empty"))
            return
        self.text = render_text(record, self.t, self.app.config.station)
        self.query_one("#mine-text", Static).update(literal(self.text))

    def on_worker_state_changed(self, event) -> None:
        if event.worker.error is not None:
            self.notify(self.app.strings.message(event.worker.error), severity="error",
                        timeout=10, markup=False)

    def ready(self) -> bool:
        if self.record is None or self.record.empty:
            self.notify(self.t("learning.mine.nothing_to_take"), timeout=5)
            return False
        return True

    def action_save(self) -> None:
        if self.ready():
            self.app.push_screen(SaveRecordScreen(self.record))

    def action_qr(self) -> None:
        if self.ready():
            self.app.push_screen(RecordQRScreen(self.text))

    def action_back(self) -> None:
        self.app.pop_screen()

    async def action_logout(self) -> None:
        await self.app.logout()


class SaveRecordScreen(ModalScreen[None]):
    """The folder to save in (the configured USB stick, or typed), then Enter."""

    BINDINGS = [Binding("escape", "close", show=False, priority=True)]

    def __init__(self, record: LearningRecord):
        super().__init__()
        self.record = record

    def compose(self) -> ComposeResult:
        t = self.app.t
        usb = self.app.config.usb_dir
        with Vertical(id="save-record-box", classes="dialog"):
            yield Static(t("learning.mine.save_title"), classes="dialog-title", markup=False)
            yield Static(t("learning.mine.save_prompt"), markup=False)
            yield Input(value=str(usb) if usb else "", id="folder", max_length=400,
                        placeholder=t("learning.mine.folder_placeholder"))
            yield Static("", id="save-result", markup=False)
            yield Static(t("learning.mine.save_keys"), classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.query_one("#save-result", Static).update(self.app.t("learning.mine.saving"))
            self.save(event.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="save-record")
    def save(self, folder: str) -> None:
        app = self.app
        try:
            paths = save_record(self.record, folder, app.t, station=app.config.station,
                                today=date.today(), language=app.language)
        except RecordError as exc:
            message = exc.text(app.language)
        else:
            message = app.t("learning.mine.saved", files=", ".join(p.name for p in paths),
                            folder=str(paths[0].parent))
        app.call_from_thread(self.query_one("#save-result", Static).update, literal(message))

    def action_close(self) -> None:
        self.dismiss(None)


class RecordQRScreen(KioskScreen):
    """The record as QR codes, one part at a time: arrows page, Esc back."""

    KEYS = [Key("escape", "keys.back", "back")]
    BINDINGS = key_bindings(*KEYS) + [
        Binding("right,down,pagedown,space", "page(1)", show=False, priority=True),
        Binding("left,up,pageup", "page(-1)", show=False, priority=True),
    ]

    def __init__(self, text: str):
        super().__init__()
        self.text = text
        self.parts: list[str] = []
        self.version = 0
        self.number = 0
        self._area: tuple[int, int] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="export-body"):
            yield QRView(id="qr")
            with Vertical(id="export-info"):
                yield Static(self.t("learning.mine.qr_title"), classes="dialog-title",
                             markup=False)
                yield Static("", id="frame-of", markup=False)
                yield Static(self.t("learning.mine.qr_hint"), id="steps", markup=False)
        yield self.keybar()

    def on_mount(self) -> None:
        self.call_after_refresh(self.cut)

    def on_resize(self) -> None:
        self.call_after_refresh(self.cut)

    def cut(self) -> None:
        """Parts for the QR size that fits now (again after a resize)."""
        view = self.query_one(QRView)
        area = (view.size.width, view.size.height)
        if area == self._area or area[0] <= 0:
            return
        self._area = area
        try:
            self.version = record_qr.version_for_area(*area)
            self.parts = record_qr.parts(self.text, record_qr.byte_capacity(self.version))
        except QRError:
            self.parts = []
            view.show([])
            self.query_one("#frame-of", Static).update(self.t("learning.mine.qr_too_small"))
            return
        self.number = min(self.number, len(self.parts) - 1)
        self.show_part()

    def show_part(self) -> None:
        cells = record_qr.render(self.parts[self.number], self.version)
        self.query_one(QRView).show(cells_to_strips(cells))
        self.query_one("#frame-of", Static).update(
            self.t("transfer.frame_of", number=self.number + 1, total=len(self.parts)))

    def action_page(self, delta: int) -> None:
        if self.parts:
            self.number = (self.number + delta) % len(self.parts)
            self.show_part()

    def action_back(self) -> None:
        self.app.pop_screen()
