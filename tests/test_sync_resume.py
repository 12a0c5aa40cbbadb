"""A transfer interrupted half-way goes on where it stopped: the kiosk shows the same batch again
from the frame after the last one shown, the station kept the frames it read, so it completes
with the frames it still lacks. Real TinyDB files (both apps restarted on them), real QR codes
painted by the export widget and decoded by zxing-cpp. Entries confirmed by a receipt are never
sent again; entries sent without a receipt are."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from dataclasses import replace

from kiosk.demo import fill_demo_data
from kiosk.entries import now_iso
from kiosk.store import Store
from kiosk.sync import exchange, resume
from kiosk.sync.collect import FrameCollector
from kiosk.sync.partials import ScanKeeper
from kiosk.ui.screens.transfer import ExportScreen
from kiosk.ui.widgets.qrview import QRView
from tests.test_ui_transfer import (decode, log_lines, open_menu_item, scan, shown_cells,
                                    wait_for, wait_workers)
from tests.ui_helpers import make_test_app, screen_text


def files_of(folder) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "kiosk.lock"}


async def read_on(app, pilot, count: int) -> list[str]:
    """Pause the export screen and decode `count` frames as painted, from the one shown on."""
    screen = app.screen
    assert isinstance(screen, ExportScreen)
    await pilot.press("space")
    texts = []
    for number in range(screen.frame_index, screen.frame_index + count):
        for _ in range(4):  # the next block may still be being drawn: wait, press again
            if screen.frame_index == number:
                break
            await pilot.press("right")
            await wait_workers(app, pilot)
        assert screen.frame_index == number
        texts.append(decode(shown_cells(screen.query_one(QRView))))
    return texts


async def open_export(app, pilot) -> ExportScreen:
    await open_menu_item(pilot, "1234", "export")
    await wait_workers(app, pilot)
    await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen) and app.screen.strips)
    return app.screen


async def test_an_interrupted_transfer_goes_on_and_needs_fewer_frames(tmp_path):
    kiosk_dir, station_dir = tmp_path / "kiosk", tmp_path / "station"

    # The kiosk shows its batch; the station's scanner reads every other code, then both stop.
    app, store, _ = make_test_app(kiosk_dir)
    fill_demo_data(store, app.config, count=6, seed=2)
    first = {e.id for e in exchange.entries_to_send(store)}
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_export(app, pilot)
        count, label = screen.window.stream.count, screen.batch.label
        shown = await read_on(app, pilot, count)
        await pilot.press("escape")
        await pilot.pause()
    store.close()
    assert count >= 8
    station, station_store, _ = make_test_app(station_dir, mode="supervisor",
                                              kiosk_id="station-1")
    async with station.run_test(size=(80, 24)) as pilot:
        await open_menu_item(pilot, "4321", "import")
        await scan(pilot, station.screen.query_one("#scan"), shown[::2])
        await wait_workers(station, pilot)
        kept = station.screen.collector.received
        await pilot.press("escape")
    station_store.close()
    assert kept == len(shown[::2]) and kept < count

    # Restarted on the same files, with a new entry written meanwhile: the same batch goes
    # on after the last frame shown; the new entry waits for the next batch.
    app, store, _ = make_test_app(kiosk_dir)
    fill_demo_data(store, app.config, count=1, seed=9)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_export(app, pilot)
        assert (screen.batch.label, screen.batch.count) == (label, len(first))
        assert screen.frame_index == count  # not part 1 again
        assert "Carrying on where this batch stopped" in screen_text(app)
        more = await read_on(app, pilot, count)
        await pilot.press("escape")
        await pilot.pause()
    store.close()
    assert not set(more) & set(shown)

    station, station_store, _ = make_test_app(station_dir, mode="supervisor",
                                              kiosk_id="station-1")
    async with station.run_test(size=(80, 24)) as pilot:
        await open_menu_item(pilot, "4321", "import")
        screen = station.screen
        assert f"Kept from an earlier scan: batch {label}, {kept} of about {count} parts." in \
            " ".join(log_lines(screen))
        new_frames = 0
        for text in more:
            if screen.query_one("#receipt-big").code:
                break
            await scan(pilot, screen.query_one("#scan"), [text])
            new_frames += 1
            await wait_workers(station, pilot)
        await wait_for(pilot, lambda: screen.query_one("#receipt-big").code)
        receipt = screen.query_one("#receipt-big").code
    station_store.close()
    assert receipt
    assert new_frames < count  # a fresh start needs at least K
    assert new_frames <= count - kept + 2
    imported = {e.id for e in Store(station_dir, readonly=True).entries()}
    assert imported == first

    # The receipt at the kiosk: that batch is synced, the newer entry goes alone next time.
    app, store, _ = make_test_app(kiosk_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_export(app, pilot)
        assert screen.batch.label == label
        await pilot.press("f5")
        await pilot.pause()
        await pilot.press(*receipt, "enter")
        await wait_workers(app, pilot)
        await wait_for(pilot, lambda: "1 more entry waits" in screen_text(app))
        assert "1 more entry waits" in screen_text(app)
    synced = {e.id for e in store.entries() if e.sync == "synced"}
    assert synced == first
    left = exchange.export_entries(store, app.config)
    assert left.count == 1 and not set(left.entry_ids) & first
    store.close()

    # Importing the same batch twice changes nothing at the station.
    before = files_of(station_dir)
    station, station_store, _ = make_test_app(station_dir, mode="supervisor",
                                              kiosk_id="station-1")
    async with station.run_test(size=(80, 24)) as pilot:
        await open_menu_item(pilot, "4321", "import")
        screen = station.screen
        await scan(pilot, screen.query_one("#scan"), shown + more)
        await wait_workers(station, pilot)
        await wait_for(pilot, lambda: screen.query_one("#receipt-big").code)
        assert screen.query_one("#receipt-big").code == receipt
        assert station.t("sync.import.again") in " ".join(log_lines(screen))
    station_store.close()
    assert files_of(station_dir) == before


def test_receipted_entries_never_go_again_and_unreceipted_ones_do(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    config = app.config
    fill_demo_data(store, config, count=5, seed=4)
    a = exchange.export_entries(store, config)
    resume.note_shown(store, exchange.SENT, a.label, 122, 7)
    assert resume.shown_from(store, exchange.SENT, a.label, 122) == 7
    assert resume.shown_from(store, exchange.SENT, a.label, 300) == 0
    resume.note_shown(store, exchange.SENT, a.label, 122, 3)  # never goes back
    assert resume.shown_from(store, exchange.SENT, a.label, 122) == 7

    fill_demo_data(store, config, count=1, seed=8)  # a new entry: batch A goes on without it
    again = exchange.export_entries(store, config, go_on=True)
    assert (again.label, again.digest, again.entry_ids) == (a.label, a.digest, a.entry_ids)
    smaller = exchange.export_entries(store, config, max_entries=a.count - 1, go_on=True)
    file = exchange.export_entries(store, config)  # a file holds every entry to send
    assert smaller.label != a.label and file.label != a.label and file.count == a.count + 1

    edited = store.get(a.entry_ids[2])
    store.save(replace(edited, learned=edited.learned + " And check it again.",
                       updated=now_iso()))
    b = exchange.export_entries(store, config, go_on=True)  # A cannot: one entry changed
    assert b.label != a.label and set(b.entry_ids) == {e.id for e in store.entries()
                                                        if e.visibility != "private"}
    station = make_test_app(tmp_path / "station", mode="supervisor")
    [batch] = [batch for batch in _collect(a.frames(300), config.site_key)]
    receipt = exchange.import_batch(station[1], station[0].config, batch).receipt
    report = exchange.apply_receipt(store, config, receipt)  # A's receipt, typed late
    assert (report.marked, report.edited) == (a.count - 1, 1)
    c = exchange.export_entries(store, config, go_on=True)
    assert set(c.entry_ids) == (set(b.entry_ids) - set(a.entry_ids)) | {edited.id}
    assert c.label not in (a.label, b.label)


def _collect(frames: list[str], site_key: str):
    collector = FrameCollector(site_key)
    for text in frames:
        result = collector.add(text)
        if result.batch is not None:
            yield result.batch


def test_kept_frames_come_back_in_a_new_collector_and_go_when_complete(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    fill_demo_data(store, app.config, count=6, seed=2)
    frames = exchange.export_entries(store, app.config).stream(122).frames(0, 40)
    keeper = ScanKeeper(store, "E")
    first = FrameCollector(app.config.site_key, expect="E")
    for text in frames[:5]:
        first.add(text)
    keeper.save(first.kept_frames(), 2)
    keeper.save([], 1)  # an older state saved late does not win
    again = FrameCollector(app.config.site_key, expect="E")
    for batch in keeper.load():
        for text in batch:
            again.add(text)
    assert again.received == 5 and again.total == first.total
    later = datetime.now(timezone.utc) + timedelta(days=8)
    assert keeper.load(now=later) == []  # a scan not taken up again for a week is not kept
    done = None
    for text in frames[5:]:
        done = again.add(text).batch or done
        if done:
            break
    assert done is not None
    keeper.save(again.kept_frames(), 3)
    assert keeper.load() == []
    assert json.loads((tmp_path / "scans.json").read_text()) == {"unfinished": {}}
