"""This week's team-meeting report at the supervisor station: built and saved in a thread
worker (kiosk.review.report_files), then shown."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.widgets import Markdown, Static
from textual.worker import Worker, WorkerState

from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.keybar import Key, key_bindings


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
