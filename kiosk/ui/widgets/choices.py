"""The entry's one-line choices (Type, Category, Visible to) in as many columns as fit whole:
all three in a row, two columns (Type and Visible to under each other, Category beside them), or
one under the other. Each choice counts at its longest option, so nothing moves when a value
changes and no label is ever cut (beside the coach panel the form is narrower). It fits itself
when it is resized; the screen also calls `fit()` after a change of its own layout (in a real
terminal a Resize did not always reach it when the coach panel opened)."""

from __future__ import annotations

from textual import events
from textual.containers import Container

from kiosk.ui.widgets.cycler import Cycler


class Choices(Container):
    def on_resize(self, event: events.Resize) -> None:
        self.fit(event.size.width)

    def fit(self, width: int | None = None) -> None:
        width = self.size.width if width is None else width
        cyclers = list(self.query(Cycler))
        if not width or not cyclers:
            return
        inner = [c.widest() + c.styles.padding.left + c.styles.padding.right for c in cyclers]
        gaps = [c.styles.margin.right for c in cyclers]
        styles = self.styles
        if sum(inner) + sum(gaps[:-1]) <= width:
            styles.layout = "horizontal"
        elif len(cyclers) == 3 and max(inner[0], inner[2]) + gaps[0] + inner[1] <= width:
            styles.layout = "grid"
            styles.grid_size_columns = 2
            styles.grid_columns = f"{max(inner[0], inner[2]) + gaps[0]} 1fr"
            styles.grid_rows = "1"
        else:
            styles.layout = "vertical"
