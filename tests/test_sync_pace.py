"""The frame rate: the reading side measures the share of codes it reads (from protocol 3's
symbol ids) and says which key to press; the showing side keeps the period chosen with + and -
per side it shows to, across restarts (real TinyDB file)."""

from __future__ import annotations

import pytest

from kiosk.demo import fill_demo_data
from kiosk.sync import exchange, pace
from kiosk.sync.pace import ReadPace
from tests.test_sync_resume import open_export, read_on
from tests.test_ui_transfer import open_menu_item, scan, wait_workers
from tests.ui_helpers import make_test_app, screen_text


def paced(every: int, period: float, reads: int = 10, start: int = 0) -> ReadPace:
    """A reader that gets every `every`-th frame of a kiosk showing one per `period` s."""
    meter = ReadPace()
    for n in range(reads):
        meter.note("batch", start + n * every, 100 + n * every * period)
    return meter


def test_the_share_read_and_the_period_come_from_the_symbol_ids():
    assert paced(3, 1.5).share() == pytest.approx(1 / 3)
    assert paced(3, 1.5).period() == pytest.approx(1.5)
    assert paced(1, 0.5).share() == 1


@pytest.mark.parametrize("every, period, advice", [
    (3, 1.5, "About 1 code in 3 is read: press + on the screen with the codes"),
    (5, 0.4, "About 1 code in 5 is read: press +"),
    (1, 1.5, "Every code is read (1.5 s each): press - on the screen with the codes"),
    (1, 0.6, None),  # every code read and fast already: nothing to say
    (2, 1.5, None),  # half read: a fountain code does not mind
])
def test_the_advice(every, period, advice):
    said = paced(every, period).advice()
    if advice is None:
        assert said is None
    else:
        assert said.text("en").startswith(advice)
        assert said.text("nl")  # in Dutch too


def test_no_advice_before_six_reads_and_a_new_count_when_ids_go_back():
    assert paced(3, 1.5, reads=5).advice() is None
    meter = paced(3, 1.5)
    meter.note("batch", 2, 500.0)  # the kiosk started the batch again
    assert meter.advice() is None and len(meter.reads) == 1
    meter = paced(3, 1.5)
    meter.note("other batch", 1000, 500.0)
    assert len(meter.reads) == 1


async def test_a_period_chosen_with_plus_is_kept_for_the_next_batch(tmp_path):
    app, store, _ = make_test_app(tmp_path / "kiosk")
    assert app.config.frame_period == 1.5
    fill_demo_data(store, app.config, count=6, seed=2)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_export(app, pilot)
        assert "Changes every 1.5 s" in screen_text(app)
        await pilot.press("plus", "plus")
        await wait_workers(app, pilot)
        assert "Changes every 3.3 s" in screen_text(app)
    store.close()
    app, store, _ = make_test_app(tmp_path / "kiosk")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_export(app, pilot)
        assert "Changes every 3.3 s" in screen_text(app)
        await pilot.press("minus")
        await wait_workers(app, pilot)
    assert pace.shown_period(store, app.config, pace.STATION) == 2.2
    assert pace.shown_period(store, app.config, "kiosk-b2") == 1.5  # answers to a kiosk: own
    store.close()


async def test_the_station_reading_one_code_in_three_says_press_plus(tmp_path):
    kiosk, kiosk_store, _ = make_test_app(tmp_path / "kiosk")
    fill_demo_data(kiosk_store, kiosk.config, count=6, seed=2)
    async with kiosk.run_test(size=(80, 24)) as pilot:
        screen = await open_export(kiosk, pilot)
        count = screen.window.stream.count
        shown = await read_on(kiosk, pilot, 3 * count + 9)  # every third: K + 3 codes
    station, store, _ = make_test_app(tmp_path / "station", mode="supervisor",
                                      kiosk_id="station-1")
    async with station.run_test(size=(80, 24)) as pilot:
        await open_menu_item(pilot, "4321", "import")
        screen = station.screen
        hint = screen.query_one("#scan-pace")
        await scan(pilot, screen.query_one("#scan"), shown[:15:3])
        assert not hint.display  # five reads: too few to say
        await scan(pilot, screen.query_one("#scan"), shown[15::3])
        await wait_workers(station, pilot)
        assert hint.display
        assert str(hint.render()).startswith("About 1 code in 3 is read: press +")
        assert screen.query_one("#receipt-big").code  # the batch completed all the same
    assert exchange.imported_batches(store)
