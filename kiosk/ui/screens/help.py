"""F1 help, in the session's language: paragraphs that wrap to any width, scrolled with the arrow
keys and PgUp/PgDn, never covered by notifications."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from kiosk.ui.widgets.idle import IdleBanner

# Border, padding, title and the Close button: the rows of the dialog that are not the text.
DIALOG_ROWS = 11


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter,f1", "close", show=False, priority=True)]
    # Nothing shows through from the screen below, not even its notifications; new ones wait
    # behind the help (shown when it closes, if not timed out). The idle countdown does show.
    SCOPED_CSS = False
    DEFAULT_CSS = """
    HelpScreen { background: $background; }
    HelpScreen ToastHolder { display: none; }
    #help-scroll { height: auto; }
    .help-paragraph { margin-bottom: 1; }
    """

    def compose(self) -> ComposeResult:
        t = self.app.t
        yield IdleBanner()
        with Vertical(id="help-box", classes="dialog"):
            yield Static(t("help.title"), classes="dialog-title", markup=False)
            station = self.app.config.mode == "supervisor"
            bodies = ("help.supervisor_body", "help.learning.supervisor_body",
                      "help.learning.supervisor") if station else \
                ("help.body", "help.learning.body", "help.learning.worker")
            with VerticalScroll(id="help-scroll"):
                for paragraph in [p for body in bodies for p in paragraphs(t(body))]:
                    yield Static(paragraph, classes="help-paragraph", markup=False)
            yield Button(t("common.close"), id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """The text takes what the screen leaves over beside the title and the button."""
        self.query_one("#help-scroll").styles.max_height = max(3, self.size.height - DIALOG_ROWS)

    def on_button_pressed(self) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, each as one line, so the box wraps it to its width."""
    return [" ".join(block.split()) for block in text.strip().split("\n\n") if block.strip()]
