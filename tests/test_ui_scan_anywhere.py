"""A sync QR code scanned into the wrong field: at the station's search box it is imported, at
the kiosk's login it is explained (never taken for a badge). Real stores and real frames."""

from __future__ import annotations

from kiosk.store import Store
from kiosk.sync.exchange import export_entries
from kiosk.ui.screens.login import LoginScreen
from kiosk.ui.screens.transfer import ScanScreen
from support.samples import sample_entries
from tests.ui_helpers import make_test_app, screen_text


def kiosk_frames(folder, config, count=3, max_chars=200) -> list[str]:
    store = Store(folder)
    try:
        store.save_many(sample_entries(count, seed=4, kiosk_id=config.kiosk_id))
        return export_entries(store, config).frames(max_chars)
    finally:
        store.close()


async def scan(pilot, field, line: str) -> None:
    """What a keyboard-wedge scanner does to a focused field: the text, then Enter."""
    field.focus()
    field.value = line
    await pilot.press("enter")
    await pilot.pause()


async def test_a_frame_scanned_into_the_station_search_box_is_imported(tmp_path):
    app, store, _ = make_test_app(tmp_path / "station", mode="supervisor")
    frames = kiosk_frames(tmp_path / "kiosk", app.config)
    assert len(frames) > 1
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"Anna", "enter", *"4321", "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        review = app.screen
        await scan(pilot, review.query_one("#search"), frames[1].lower())  # the wrong field
        assert isinstance(app.screen, ScanScreen) and app.screen.collector.received == 1
        assert review.query_one("#search").value == ""  # no search for a frame's text
        for frame in (frames[0], *frames[2:]):
            await scan(pilot, app.screen.query_one("#scan"), frame)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Receipt code:" in screen_text(app)
    assert len(list(Store(tmp_path / "station", readonly=True).entries())) == 3


async def test_a_search_that_is_not_a_frame_still_searches(tmp_path):
    app, store, _ = make_test_app(tmp_path, mode="supervisor")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"Anna", "enter", *"4321", "enter")
        await pilot.pause()
        await scan(pilot, app.screen.query_one("#search"), "KSAJC4SUD2TE")  # looks like one
        assert not isinstance(app.screen, ScanScreen)


async def test_a_frame_scanned_at_the_kiosk_login_is_explained_not_taken_for_a_badge(tmp_path):
    app, store, _ = make_test_app(tmp_path / "kiosk")
    [frame] = kiosk_frames(tmp_path / "other", app.config, count=1, max_chars=60)[:1]
    assert len(frame) <= 64  # short enough to pass as a badge code
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, app.screen.query_one("#badge"), frame)
        assert isinstance(app.screen, LoginScreen) and app.session is None
        assert "sync code, not a badge" in screen_text(app)


async def test_a_frame_scanned_into_a_kiosk_text_box_is_taken_out_and_explained(tmp_path):
    """During a session a scanner's burst is caught on any worker screen (issue 16 item 3): a
    sync code is not left in the worker's text and is not taken for a badge either."""
    from kiosk.ui.screens.capture import CaptureScreen

    app, store, clock = make_test_app(tmp_path / "kiosk")
    frame = kiosk_frames(tmp_path / "other", app.config, count=1, max_chars=60)[0]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"BADGE-0042", "enter")
        await pilot.pause()
        author = app.session.author
        for key in "Glue":  # typed by hand
            clock.advance(0.2)
            await pilot.press(key)
        clock.advance(5)
        await pilot.press(*frame, "enter")  # the scanner: every key at once
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen) and app.session.author == author
        assert app.screen.query_one("#what_happened").text == "Glue"
        assert any("sync code, not a badge" in str(n.message) for n in app._notifications)
