"""A key bar whose keys follow the screen's state and that never cuts a label.

The screen says which keys to show and their labels now (`show`). Where they do not fit, the
`spare` keys are left out first (rather than squeezing every label), then the rest go compact
(F1Help F2Save), and while even that does not fit, the `optional` keys are left out in the order
given. A key left out still works; it is only not listed."""

from __future__ import annotations

from kiosk.ui.widgets.keybar import Key, KeyBar, KeyButton, key_label


class FittingKeyBar(KeyBar):
    def __init__(self, keys: list[Key], translate, *, spare: tuple[str, ...] = (),
                 optional: tuple[str, ...] = ()):
        super().__init__(keys, translate)
        self.keys = list(keys)  # every key gets a button; `show` picks the ones listed
        self.spare, self.optional = spare, optional
        self.wanted = {k.key for k in keys if k.show}

    def show(self, wanted: set[str], labels: dict[str, str] | None = None) -> None:
        """List the keys named in `wanted`, with new labels for those in `labels`."""
        self.wanted = set(wanted)
        for button in self.query(KeyButton):
            if labels and button.key_def.key in labels:
                button.text = labels[button.key_def.key]
        self._fit()

    def on_mount(self) -> None:
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        buttons = [b for b in self.query(KeyButton) if b.key_def.key in self.wanted]
        room = self.size.width
        if room:
            for name in self.spare:
                if _width(buttons) > room:
                    buttons = [b for b in buttons if b.key_def.key != name]
            for name in self.optional:
                if _width(buttons, compact=True) > room:
                    buttons = [b for b in buttons if b.key_def.key != name]
        self.set_class(bool(room) and _width(buttons) > room, "-compact")
        for button in self.query(KeyButton):
            button.display = button in buttons
            button.refresh(layout=True)

    def width(self, *, compact: bool = False) -> int:
        return _width([b for b in self.query(KeyButton) if b.display], compact=compact)


def _width(buttons: list[KeyButton], *, compact: bool = False) -> int:
    return sum(key_label(b.key_def, b.text, compact=compact, name=b.name_text).cell_len
               for b in buttons)
