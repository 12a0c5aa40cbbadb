"""The one-line choice (Cycler): what it shows and where a click on ◀ or ▶ lands come from the
same layout, whatever its label, glyphs or padding (the station's status once worked the arrows'
places out again by itself, assuming one cell of padding)."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.app import App

from kiosk.ui.screens.station.entry import StatusCycler

OPTIONS = [("new", "new"), ("trying", "being tried"), ("adopted", "adopted")]


class OneChoice(App):
    CSS = "StatusCycler { width: auto; padding: 0 3; }"  # more padding than the kiosk's

    def __init__(self, label: str, ascii_only: bool):
        super().__init__()
        self.label, self.ascii_only = label, ascii_only

    def compose(self):
        yield StatusCycler(self.label, OPTIONS, value="trying", ascii_only=self.ascii_only,
                           id="status")


def column_of(app, glyph: str) -> int:
    row = "".join(s.text for s in app.screen._compositor.render_strips()[0])
    return cell_len(row[:row.index(glyph)])


@pytest.mark.parametrize("label, ascii_only", [("Idea status", False), ("状態 組立", True)])
async def test_a_click_steps_on_the_arrows_only_wherever_they_are_drawn(label, ascii_only):
    left, right = ("<", ">") if ascii_only else ("◀", "▶")
    app = OneChoice(label, ascii_only)
    async with app.run_test(size=(60, 3)) as pilot:
        status = app.query_one(StatusCycler)
        await pilot.click("#status", offset=(column_of(app, left), 0))
        assert status.value == "new" and app.focused is status
        await pilot.click("#status", offset=(column_of(app, right), 0))
        assert status.value == "trying"
        await pilot.click("#status", offset=(4, 0))  # on the label: only the focus
        assert status.value == "trying"
        assert status.widest() == cell_len(f"{label}: {left} being tried {right}")
