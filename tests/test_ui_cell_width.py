"""Text is cut by terminal cells, not by characters (issue 16 item 20): an emoji or a CJK
character takes two cells, so a cut by len() made lines wider than the room they were cut for.
Real stores, the real screens at 80x24."""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import DataTable

from tests.test_ui_coach import coach_for, wait_until
from tests.ui_helpers import make_test_app

WIDE = "Pomp 🔧 lekt ⚠️ bij de lijm 👩‍🔧 keek 組立 👍🏽 weer"


def test_one_line_cuts_by_cells_and_never_inside_an_emoji():
    from kiosk.ui.text import one_line

    for limit in range(4, 60):
        cut = one_line(WIDE * 3, limit)
        assert cell_len(cut) <= limit and cut.endswith("...")
        kept = cut.removesuffix("...")
        assert (WIDE * 3).startswith(kept)
        for cluster in ("👩‍🔧", "⚠️", "👍🏽"):  # whole or not there, never a piece of one
            head = cluster[:1]
            assert kept.count(head) == kept.count(cluster)
    assert one_line(WIDE, 200) == WIDE


async def test_a_headline_full_of_emoji_keeps_the_station_queue_within_80_columns(tmp_path):
    from kiosk.entries import Entry

    app, store, _ = make_test_app(tmp_path, mode="supervisor")
    store.save(Entry.new(kiosk_id="kiosk-b2", station="Assembly 1", line="Line A",
                         author=None, language="nl", kind="observation",
                         what_happened="🔧" * 60 + " de pomp lekt"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"Anna", "enter", *"4321", "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("#queue", DataTable)
        assert table.row_count == 1
        assert table.virtual_size.width <= table.size.width  # no column pushed off screen


async def test_emoji_in_the_coach_panel_keep_every_row_80_cells(tmp_path):
    app, store, _ = make_test_app(tmp_path / "k", coach=coach_for(tmp_path / "c"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"BADGE-0042", "enter")
        await pilot.pause()
        app.screen.query_one("#what_happened").load_text(WIDE + " " + "🔧" * 50)
        await pilot.pause()
        await pilot.press("f5")
        screen = app.screen
        await wait_until(pilot, lambda: screen._coach_cancel is None and screen.offers.items)
        await pilot.pause()
        rows = ["".join(s.text for s in strip) for strip in screen._compositor.render_strips()]
        assert all(cell_len(row) == 80 for row in rows)
        listed = [row for row in rows if "▎" in row and "▊" in row]
        assert listed and len({cell_len(row[:row.rindex("▎")]) for row in listed}) == 1
