"""Insights at the supervisor station: the weekly digest of themes per station, then the
counts of kiosk.review.insights (small groups hidden), computed in a thread worker."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.text import one_line
from kiosk.ui.widgets.keybar import Key, key_bindings


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
        from kiosk.i18n import Strings
        from kiosk.review.insights import format_insights, insights_for
        from kiosk.review.learning_view import format_learning, insights_learning

        app = self.app
        app.review_index.complete.wait()
        found = insights_for(app.review_index, min_group_size=app.config.min_group_size,
                             weeks=12)
        labels = Strings.report(app.language)
        text = format_insights(found, labels) + format_learning(
            insights_learning(app.store, min_size=app.config.min_group_size, weeks=12), labels, 12)
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
