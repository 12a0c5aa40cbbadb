"""The whole QR trip through the screens: the kiosk's export widget is rasterised and decoded by
zxing-cpp, the lines are typed into the station's scan screen (protocol 3: any K or so of the
source and repair frames, in any order), and the station's receipt code is typed back at the
kiosk. Real stores, real QR codes, real decoder."""

from __future__ import annotations

import random
import re

import pytest
import zxingcpp

from kiosk.answers import unread_answers
from kiosk.demo import fill_demo_data
from kiosk.store import Store
from kiosk.sync import qr
from kiosk.ui.screens.transfer import ExportScreen, ReceiptScreen, ScanScreen
from kiosk.ui.widgets.qrview import QRView
from tests.ui_helpers import make_test_app, screen_text


def shown_cells(view: QRView) -> list[list[tuple[str, str, str]]]:
    """The cells the QR widget paints, read back from its strips (colours as #rrggbb)."""
    rows = []
    for strip in view.strips:
        row = []
        for segment in strip:
            fg = segment.style.color.triplet.hex
            bg = segment.style.bgcolor.triplet.hex
            row.extend((char, fg, bg) for char in segment.text)
        rows.append(row)
    return rows


def decode(cells) -> str:
    found = zxingcpp.read_barcodes(qr.rasterise(cells, scale=4),
                                   formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1, [(r.format, r.text) for r in found]
    return found[0].text


async def wait_workers(app, pilot):
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def wait_for(pilot, condition, tries: int = 100) -> None:
    """Messages posted by a finished worker are handled a little later: poll for the result."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.05)


async def read_shown_frames(app, pilot, extra: int = 0) -> list[str]:
    """Pause the export screen and decode every source part as it is painted, and `extra`
    repair parts after them (drawn ahead in a worker while the screen pages on)."""
    return [decode(cells) for cells in await read_shown_cells(app, pilot, extra)]


async def read_shown_cells(app, pilot, extra: int = 0) -> list[list[list[tuple[str, str, str]]]]:
    """The cells the export screen paints for each source part and `extra` repair parts."""
    screen = app.screen
    assert isinstance(screen, ExportScreen)
    await pilot.press("space")  # pause cycling, page by hand
    count = screen.window.stream.count
    shown = []
    for number in range(count + extra):
        for _ in range(3):  # the next block may still be being drawn: wait, press again
            if screen.frame_index == number:
                break
            await wait_workers(app, pilot)
            await pilot.press("right")
        assert screen.frame_index == number
        shown.append(shown_cells(screen.query_one(QRView)))
        part = f"Part {number + 1} of {count}" if number < count else \
            f"Extra part {number - count + 1}: any {count} parts or so"
        assert part in screen_text(app)
        await pilot.press("right")
    return shown


async def scan(pilot, field, lines) -> None:
    """Type each line into the scan field and press Enter, as a keyboard-wedge scanner does."""
    for text in lines:
        field.value = text
        await field.action_submit()
        await pilot.pause()


async def open_menu_item(pilot, pin: str, item: str) -> None:
    """F12, the PIN, then one item of the administration menu."""
    await pilot.press("f12", *pin, "enter")
    await pilot.pause()
    await pilot.click(f"#{item}")
    await pilot.pause()


async def export_frames(app, pilot) -> list[str]:
    await open_menu_item(pilot, "1234", "export")
    await wait_workers(app, pilot)
    return await read_shown_frames(app, pilot)  # the source frames: each one, once


def scanned_lines(frames: list[str], count: int, seed: int) -> list[str]:
    """What a scanner that misses some codes types: of the source and repair frames shown, K+4
    distinct ones (some source frames missed), in random order, some twice or lower-cased,
    and one misread."""
    rng = random.Random(seed)
    kept = rng.sample(frames, count + 4)
    assert not set(frames[:count]) <= set(kept)  # parts of the batch itself were missed
    lines = kept + rng.sample(kept, 3)
    rng.shuffle(lines)
    lines[1] = lines[1].lower()
    bad = list(lines[0])
    bad[20] = "A" if bad[20] != "A" else "B"
    lines.insert(2, "".join(bad))
    return lines


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_export_widget_to_station_import_and_receipt_back(tmp_path, size):
    kiosk_app, kiosk_store, _ = make_test_app(tmp_path / "kiosk")
    fill_demo_data(kiosk_store, kiosk_app.config, count=12 if size == (80, 24) else 30, seed=5)
    originals = {e.id: e for e in kiosk_store.entries() if e.visibility != "private"}

    async with kiosk_app.run_test(size=size) as pilot:
        await open_menu_item(pilot, "1234", "export")
        await wait_workers(kiosk_app, pilot)
        count = kiosk_app.screen.window.stream.count
        frames = await read_shown_frames(kiosk_app, pilot, extra=count // 2 + 6)
    assert len(set(frames)) == len(frames) and count >= 2

    station_app, station_store, _ = make_test_app(tmp_path / "station", mode="supervisor",
                                                  kiosk_id="station-1")
    async with station_app.run_test(size=(100, 30)) as pilot:
        await open_menu_item(pilot, "4321", "import")
        scan_screen = station_app.screen
        assert isinstance(scan_screen, ScanScreen)
        lines = scanned_lines(frames, count, seed=size[0])
        await scan(pilot, scan_screen.query_one("#scan"), lines[:3])
        log = " ".join(str(line.text) for line in scan_screen.query_one("#scan-log").lines)
        assert "failed its check" in log
        progress = str(scan_screen.query_one("#scan-progress").render())
        assert re.fullmatch(rf"Part [12] of about {count} - keep scanning\.", progress)
        await scan(pilot, scan_screen.query_one("#scan"), lines[3:])
        await wait_workers(station_app, pilot)

        def shown_receipt() -> str:
            return str(scan_screen.query_one("#receipt-code").render())

        await wait_for(pilot, lambda: shown_receipt().startswith("Receipt code: "))
        receipt_line = shown_receipt()
        assert receipt_line.startswith("Receipt code: ")
        receipt = receipt_line.removeprefix("Receipt code: ").strip()

    imported = {e.id: e for e in Store(tmp_path / "station", readonly=True).entries()}
    assert set(imported) == set(originals)
    for entry_id, original in originals.items():
        got = imported[entry_id]
        for name in ("what_happened", "noticed", "learned", "next_step", "title", "author",
                     "category", "kind", "visibility", "created", "responses", "status"):
            assert getattr(got, name) == getattr(original, name), name

    kiosk_store.close()
    kiosk_app2, kiosk_store2, _ = make_test_app(tmp_path / "kiosk")
    async with kiosk_app2.run_test(size=size) as pilot:
        await open_menu_item(pilot, "1234", "receipt")
        assert isinstance(kiosk_app2.screen, ReceiptScreen)
        await pilot.press(*receipt.lower(), "enter")
        await pilot.pause()
        assert "are now synced" in screen_text(kiosk_app2)
    synced = {e.id for e in kiosk_store2.entries() if e.sync == "synced"}
    assert synced == set(originals)


async def test_wrong_receipt_and_junk_scans_get_clear_messages(tmp_path):
    app, store, _ = make_test_app(tmp_path, mode="supervisor")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_menu_item(pilot, "4321", "import")
        await scan(pilot, app.screen.query_one("#scan"), ["hello world", "KS" + "A" * 40,
                                                          "[bold]x[/]"])
        assert app.is_running
        log = "\n".join(str(line.text) for line in app.screen.query_one("#scan-log").lines)
        assert "not a kiosk sync code" in log
        await pilot.press("escape")
        await pilot.pause()
        await open_menu_item(pilot, "4321", "receipt")
        await pilot.press(*"ABCD1234", "enter")
        await pilot.pause()
        assert "does not belong to any batch" in screen_text(app)
    assert store.count() == 0


async def test_answer_travels_back_and_the_worker_sees_it_at_login(tmp_path):
    """Station answers -> return batch as QR codes -> kiosk scans them -> worker is told."""
    from kiosk.entries import Entry
    from kiosk.identity import pseudonym
    from kiosk.review import actions

    kiosk_app, kiosk_store, _ = make_test_app(tmp_path / "kiosk")
    author = pseudonym(kiosk_app.config.site_key, "BADGE-0042")
    entry = Entry.new(kiosk_id=kiosk_app.config.kiosk_id, station=kiosk_app.config.station,
                      line="Line A", author=author, language="en", kind="idea",
                      what_happened="Move the carton stock to the middle of the line")
    kiosk_store.save(entry)
    async with kiosk_app.run_test(size=(120, 40)) as pilot:
        frames = await export_frames(kiosk_app, pilot)
    kiosk_store.close()

    station_app, station_store, _ = make_test_app(tmp_path / "station", mode="supervisor",
                                                  kiosk_id="station-1")
    async with station_app.run_test(size=(120, 40)) as pilot:
        await open_menu_item(pilot, "4321", "import")
        await scan(pilot, station_app.screen.query_one("#scan"), frames)
        await wait_workers(station_app, pilot)
        assert station_store.get(entry.id) is not None, screen_text(station_app)
        actions.answer(station_store, entry.id, "Yes, we try it next week", by="Anna")
        await pilot.press("escape")
        await pilot.pause()
        await open_menu_item(pilot, "4321", "return")
        assert station_app.screen.__class__.__name__ == "KioskPickScreen", screen_text(station_app)
        await pilot.press("enter")  # the only kiosk
        await wait_workers(station_app, pilot)
        assert station_app.screen.kiosk == kiosk_app.config.kiosk_id
        answers = await read_shown_frames(station_app, pilot)

    kiosk_app2, kiosk_store2, _ = make_test_app(tmp_path / "kiosk")
    async with kiosk_app2.run_test(size=(100, 30)) as pilot:
        await open_menu_item(pilot, "1234", "receive")
        await scan(pilot, kiosk_app2.screen.query_one("#scan"), answers)
        await wait_workers(kiosk_app2, pilot)

        def log_text() -> str:
            return " ".join(str(line.text).strip()
                            for line in kiosk_app2.screen.query_one("#scan-log").lines)

        await wait_for(pilot, lambda: "1 entry got an answer" in log_text())
        assert "1 entry got an answer" in log_text(), log_text()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press(*"BADGE-0042", "enter")
        await pilot.pause()
        assert unread_answers(kiosk_app2.store, author) == [entry.id]
        assert "was answered" in kiosk_app2.answers_message([entry.id])
        await pilot.press("f4", "enter")
        await pilot.pause()
        assert "Yes, we try it next week" in screen_text(kiosk_app2)


def entries_frames(folder, kiosk_id: str, max_chars: int = 300) -> list[str]:
    """Real entry frames of another kiosk (its own store and export)."""
    from kiosk.config import load_config
    from kiosk.sync.exchange import export_entries
    from support.samples import sample_entries

    config = load_config(env={}).with_changes(data_dir=folder, kiosk_id=kiosk_id)
    store = Store(folder)
    try:
        store.save_many(sample_entries(4, seed=3, kiosk_id=kiosk_id))
        return export_entries(store, config).frames(max_chars)
    finally:
        store.close()


def answers_frames(folder, for_kiosk: str, max_chars: int = 300) -> list[str]:
    """Real answer frames of a station for `for_kiosk`."""
    from kiosk.config import load_config
    from kiosk.review import actions
    from kiosk.sync.exchange import export_replies
    from support.samples import sample_entries

    config = load_config(env={}).with_changes(data_dir=folder, mode="supervisor",
                                              kiosk_id="station-1")
    store = Store(folder)
    try:
        entries = sample_entries(4, seed=3, kiosk_id=for_kiosk)
        store.save_many(entries)
        for e in entries:
            actions.answer(store, e.id, "Thank you, we try it next week", by="Anna")
        return export_replies(store, config, for_kiosk).frames(max_chars)
    finally:
        store.close()


def log_lines(screen) -> list[str]:
    return [line.text.rstrip() for line in screen.query_one("#scan-log").lines]


async def test_kiosk_receiving_answers_refuses_an_entries_code_on_its_first_frame(tmp_path):
    """Issue 16 item 12: another kiosk's entries are not "part 1 of 3" of an answers batch."""
    app, store, _ = make_test_app(tmp_path / "kiosk")
    frames = entries_frames(tmp_path / "other", "kiosk-b2")
    assert len(frames) > 1
    async with app.run_test(size=(80, 24)) as pilot:
        await open_menu_item(pilot, "1234", "receive")
        screen = app.screen
        await scan(pilot, screen.query_one("#scan"), frames[:1])
        text = " ".join(log_lines(screen))
        assert "wrong kind of code" in text and "entries from a kiosk" in text, text
        assert screen.collector.received == 0 and not screen.collector.incomplete()
        assert "Waiting for the first part." in screen_text(app)
        assert "of 3" not in screen_text(app) and "Part 1" not in text


async def test_station_import_refuses_an_answers_code_on_its_first_frame(tmp_path):
    app, store, _ = make_test_app(tmp_path / "station", mode="supervisor")
    frames = answers_frames(tmp_path / "other-station", app.config.kiosk_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_menu_item(pilot, "4321", "import")
        screen = app.screen
        await scan(pilot, screen.query_one("#scan"), frames[-1:])
        text = " ".join(log_lines(screen))
        assert "wrong kind of code" in text and "answers from the supervisor station" in text
        assert screen.collector.received == 0
    assert store.count() == 0



async def scan_at_station_import(pilot, app, frames):
    """Open the station's Import with the supervisor PIN, scan the frames, wait: the screen."""
    await open_menu_item(pilot, "4321", "import")
    screen = app.screen
    await scan(pilot, screen.query_one("#scan"), frames)
    await wait_workers(app, pilot)
    return screen

@pytest.mark.parametrize("language", ["en", "nl"])
async def test_the_import_log_wraps_its_lines_at_80_columns(tmp_path, language):
    """Issue 16 item 13: "kreeg een antwoo" - a log line wider than the log was cut off."""
    app, store, _ = make_test_app(tmp_path / "station", mode="supervisor", language=language)
    frames = entries_frames(tmp_path / "kiosk", "kiosk-b2")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await scan_at_station_import(pilot, app, frames)
        log = screen.query_one("#scan-log")
        await wait_for(pilot, lambda: len(log.lines) > len(frames))
        width = log.scrollable_content_region.width
        assert width < 78 and log.lines
        assert all(line.cell_length <= width for line in log.lines)
        shown = " ".join(" ".join(log_lines(screen)).split())
        assert app.t("sync.import.again") not in shown
        assert "kiosk-b2" in shown and shown.rstrip().endswith((".", ")"))


def batch_line(app) -> str:
    return str(app.screen.query_one("#batch-line").render())


async def test_send_entries_twice_shows_the_same_batch(tmp_path):
    """Issue 16 item 16: every visit to "Send entries" made a new batch of the same entries."""
    app, store, _ = make_test_app(tmp_path)
    fill_demo_data(store, app.config, count=6, seed=2)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_menu_item(pilot, "1234", "export")
        await wait_workers(app, pilot)
        await wait_for(pilot, lambda: batch_line(app).startswith("Batch "))
        first = batch_line(app)
        await pilot.press("escape")
        await pilot.pause()
        await open_menu_item(pilot, "1234", "export")
        await wait_workers(app, pilot)
        await wait_for(pilot, lambda: batch_line(app).startswith("Batch "))
        assert batch_line(app) == first
    assert len(exchange_waiting(store)) == 1


def exchange_waiting(store):
    from kiosk.sync.exchange import waiting_for_receipt

    return waiting_for_receipt(store)


def read_big(rows: list[str]) -> str:
    """Read big letters back with the font they were drawn with."""
    from kiosk.ui.widgets.bigcode import FONT, GAP, GLYPH_WIDTH, big_lines

    glyphs = {tuple(big_lines(char)): char for char in FONT}
    step = GLYPH_WIDTH + GAP
    # the rows came right-stripped: a last glyph with an empty right column (I) lost it
    width = -(-(max(len(row) for row in rows) + GAP) // step) * step - GAP
    rows = [row.ljust(width) for row in rows]
    return "".join(glyphs[tuple(row[i:i + GLYPH_WIDTH] for row in rows)]
                   for i in range(0, width, step))


async def test_the_station_shows_the_receipt_code_large_at_80x24(tmp_path):
    app, store, _ = make_test_app(tmp_path / "station", mode="supervisor")
    frames = entries_frames(tmp_path / "kiosk", "kiosk-b2")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await scan_at_station_import(pilot, app, frames)
        await wait_for(pilot, lambda: screen.query_one("#receipt-big").code)
        code = str(screen.query_one("#receipt-code").render()).removeprefix("Receipt code: ")
        big = screen.query_one("#receipt-big")
        assert big.region.height == 4 and big.region.bottom <= 23  # on screen, above the keys
        rows = [line.rstrip() for line in str(big.render()).splitlines()]
        assert len(rows) == 4 and read_big(rows) == code
        assert "Type this code at the kiosk" in screen_text(app)


async def test_a_receipt_typed_on_the_qr_screen_ends_it(tmp_path):
    """Issue 16 item 16: after the receipt the QR screen stayed on the synced batch."""
    from kiosk.sync.codec import decode_lines
    from kiosk.sync.exchange import import_batch

    app, store, _ = make_test_app(tmp_path / "kiosk")
    fill_demo_data(store, app.config, count=6, seed=2)
    station_app, station, _ = make_test_app(tmp_path / "station", mode="supervisor",
                                            kiosk_id="station-1")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_menu_item(pilot, "1234", "export")
        await wait_workers(app, pilot)
        await wait_for(pilot, lambda: app.screen.strips)
        screen = app.screen
        [batch] = decode_lines(screen.frames, station_app.config.site_key)
        receipt = import_batch(station, station_app.config, batch).receipt
        await pilot.press("f5")
        await pilot.pause()
        await pilot.press(*receipt, "enter")
        await pilot.pause()
        assert app.screen is screen
        text = screen_text(app)
        assert f"Done: the supervisor station has batch {batch.label}." in text
        assert "are now synced" in text and "Part 1 of" not in text
        assert not screen.query_one(QRView).display and screen._timer is None
        await pilot.resize_terminal(100, 30)  # a resize does not bring the codes back
        await wait_workers(app, pilot)
        assert not screen.strips and "Done:" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExportScreen)
    station.close()
    assert all(e.sync == "synced" for e in store.entries() if e.visibility != "private")
