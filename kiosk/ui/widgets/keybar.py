"""The function-key bar: translated labels for the screen's keys, clickable for mouse and touch."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Static


@dataclass(frozen=True)
class Key:
    key: str  # Textual key name, e.g. "f2"
    label: str  # i18n key of the label, e.g. "keys.save"
    action: str  # action on the screen, e.g. "save"
    show: bool = True


def key_bindings(*keys: Key) -> list[Binding]:
    """Priority bindings for the keys, so they work whichever widget has focus."""
    return [Binding(k.key, k.action, k.label, show=False, priority=True) for k in keys]


class KeyButton(Static):
    """One `F2 Save` item; a click runs the same action as the key."""

    def __init__(self, key: Key, text: str, name: str | None = None):
        super().__init__(classes="keybutton")
        self.key_def = key
        self.text = text
        self.name_text = name

    def render(self):
        compact = self.parent is not None and self.parent.has_class("-compact")
        return key_label(self.key_def, self.text, compact=compact, name=self.name_text)

    async def on_click(self) -> None:
        await self.app.run_action(self.key_def.action, self.screen)


class KeyBar(Horizontal):
    """Shows the keys of a screen, in the session's language."""

    def __init__(self, keys: list[Key], translate):
        super().__init__(id="keybar")
        self.keys = [k for k in keys if k.show]
        self.translate = translate

    def compose(self) -> ComposeResult:
        for key in self.keys:
            yield KeyButton(key, self.translate(key.label), key_name(key, self.translate))

    def on_resize(self) -> None:
        # Too long for the screen (Dutch labels at 80 columns): without the spaces around the
        # key names, which stay marked by their reverse colours.
        self.set_class(self.width() > self.size.width, "-compact")
        for button in self.query(KeyButton):
            button.refresh(layout=True)

    def width(self, *, compact: bool = False) -> int:
        """Cells all the keys take, with or without the spaces around the key names."""
        return sum(key_label(key, self.translate(key.label), compact=compact,
                             name=key_name(key, self.translate)).cell_len for key in self.keys)


def key_name(key: Key, translate=None) -> str:
    """The key's name in the bar: `keys.names.<key>` in the language (Esc, Spatie), else the
    key in capitals (F2)."""
    lookup = f"keys.names.{key.key}"
    named = translate(lookup) if translate is not None else lookup
    if named != lookup:
        return named
    return "Esc" if key.key == "escape" else key.key.upper()


def key_label(key: Key, text: str, *, compact: bool = False, name: str | None = None):
    """` F2 Save ` (compact, like htop: `F2Save `), the key name in reverse."""
    from rich.text import Text

    name = name or key_name(key)
    label = Text()
    label.append(name if compact else f" {name} ", style="reverse bold")
    label.append(f"{text} ")
    return label
