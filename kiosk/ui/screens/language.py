"""F8: the short list of the kiosk's languages ([ui] languages), each written in its own words
("Nederlands", "English", "Polski"), so a worker finds theirs whatever the screen says now.
Arrow keys (or F8 again) and Enter, or a click; Esc keeps the language."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kiosk.i18n import language_name


class LanguagePicker(ModalScreen[str | None]):
    """Dismisses with the chosen language code (also the one it had: at the login that still
    says "this language for my badge"), or None for Esc."""

    BINDINGS = [
        Binding("escape", "close", show=False, priority=True),
        Binding("f8", "next", show=False, priority=True),
    ]

    def __init__(self, languages: tuple[str, ...] | list[str], current: str,
                 on_scan: Callable[[str], object] | None = None):
        super().__init__()
        self.languages = tuple(languages)
        self.current = current
        self.on_scan = on_scan  # what a badge scanned while the list is open does (the login's)

    def compose(self) -> ComposeResult:
        t = self.app.t
        with Vertical(id="language-box", classes="dialog"):
            yield Static(t("language.picker.title"), classes="dialog-title", markup=False)
            yield OptionList(*(Option(language_name(code), id=code) for code in self.languages),
                             id="languages")
            yield Static(t("language.picker.hint"), classes="hint", markup=False)

    def on_mount(self) -> None:
        options = self.query_one("#languages", OptionList)
        if self.current in self.languages:
            options.highlighted = self.languages.index(self.current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_next(self) -> None:
        options = self.query_one("#languages", OptionList)
        options.highlighted = ((options.highlighted or 0) + 1) % len(self.languages)

    def action_close(self) -> None:
        self.dismiss(None)

    def scanned(self, code: str) -> None:
        """A badge scanned while the list is open: the list closes (the language stays) and the
        badge goes where it would have gone without the list."""
        self.dismiss(None)
        if self.on_scan is not None:
            self.app.call_later(self.on_scan, code)
