"""`kiosk import --video`: the export widget's real frames filmed (a video made here with OpenCV:
blurred, scaled, codes held for a few video frames, some frames dropped) give exactly the kiosk's
entries at the station; so does a file holding only every third video frame."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from kiosk.cli import main
from kiosk.demo import fill_demo_data
from kiosk.store import Store
from kiosk.sync import qr, video
from tests.test_ui_transfer import decode, open_menu_item, read_shown_cells, wait_workers
from tests.ui_helpers import make_test_app

cv2 = pytest.importorskip("cv2")  # the [camera] extra (in the test extra too)
np = pytest.importorskip("numpy")

HOLD = 2  # video frames a code is on screen


def film(shown: list, path, *, keep_every: int = 1, seed: int = 1) -> int:
    """A video of the codes as a phone films the screen: each code HOLD frames, scaled, blurred,
    one video frame in ten dropped; then only every `keep_every`-th frame kept. Returns the
    number of video frames written."""
    rng = random.Random(seed)
    pictures = []
    for cells in shown:
        image = np.array(qr.rasterise(cells, scale=3), dtype=np.uint8)
        image = cv2.resize(image, None, fx=1.6, fy=1.6, interpolation=cv2.INTER_LINEAR)
        image = cv2.GaussianBlur(image, (3, 3), 0.8)
        frame = np.full((600, 800), 200, np.uint8)  # the screen around the code, light grey
        height, width = image.shape
        top, left = (600 - height) // 2, (800 - width) // 2
        frame[top:top + height, left:left + width] = image
        pictures += [cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)] * HOLD
    kept = [p for n, p in enumerate(pictures) if rng.random() > 0.1 and n % keep_every == 0]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (800, 600))
    assert writer.isOpened()
    for picture in kept:
        writer.write(picture)
    writer.release()
    return len(kept)


@pytest.fixture(scope="module")
def filmed(tmp_path_factory):
    """A kiosk's export screen at 120x40, its source and repair frames as painted."""
    folder = tmp_path_factory.mktemp("video")
    sent, count, shown = export_screen(folder, (120, 40), entries=14, seed=3,
                                       extra=lambda count: 2 * count + 6)
    return folder, sent, count, shown


def export_screen(folder, size, *, entries: int, seed: int, extra):
    """A kiosk with `entries` demo entries opens its export screen at `size`: the entries it
    sends, the number of source frames and every frame as painted (`extra(count)` repair ones)."""
    import asyncio

    app, store, _ = make_test_app(folder / "kiosk")
    fill_demo_data(store, app.config, count=entries, seed=seed)
    sent = {e.id: e for e in store.entries() if e.visibility != "private"}

    async def export():
        async with app.run_test(size=size) as pilot:
            await open_menu_item(pilot, "1234", "export")
            await wait_workers(app, pilot)
            count = app.screen.window.stream.count
            return count, await read_shown_cells(app, pilot, extra=extra(count))

    count, shown = asyncio.run(export())
    store.close()
    return sent, count, shown


@pytest.mark.parametrize("keep_every", [1, 3], ids=["every-frame", "every-third-frame"])
def test_a_filmed_export_screen_imports_exactly_the_kiosks_entries(filmed, keep_every, capsys,
                                                                   monkeypatch):
    folder, sent, count, shown = filmed
    assert count >= 3
    path = folder / f"screen-{keep_every}.mp4"
    assert film(shown, path, keep_every=keep_every) > count
    source = {decode(cells) for cells in shown[:count]}
    filmed_codes = set(video.read_video(path))
    assert filmed_codes <= {decode(cells) for cells in shown}
    if keep_every == 3:  # parts of the batch itself are not in the film: repair frames stand in
        assert not source <= filmed_codes
    station = folder / f"station-{keep_every}"
    monkeypatch.setenv("KIOSK_MODE", "supervisor")
    code = main(["--data-dir", str(station), "import", "--video", str(path)])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert f"of about {count} read - keep scanning" in out.err  # progress, live
    assert "Type this receipt code at the kiosk" in out.out
    imported = {e.id: e for e in Store(station, readonly=True).entries()}
    assert imported.keys() == sent.keys()
    assert all(replace(imported[i], sync="-") == replace(e, sync="-") for i, e in sent.items())


def test_a_file_that_is_not_a_video_gets_a_clear_message(tmp_path, capsys):
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video")
    assert main(["--data-dir", str(tmp_path / "s"), "import", "--video", str(bad)]) == 1
    assert "not a video that can be read" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path / "s"), "import", "--video",
                 str(tmp_path / "none.mp4")]) == 1
    assert "no such file" in capsys.readouterr().err
