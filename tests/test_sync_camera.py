"""The import screen's camera ([sync] camera): the station reads the kiosk's export screen with
OpenCV and zxing-cpp, its progress live, and the scanner still works with no OpenCV or no camera.

No camera hardware here (no /dev/video*, no v4l2loopback), so the camera is an OpenCV
VideoCapture on a video file made by the test from the export widget's real frames (filmed as
in test_sync_video: scaled, blurred, some pictures dropped), played at its own rate as a camera
gives pictures. The configured path goes the same way as `camera = "/dev/video2"` would."""

from __future__ import annotations

import re
import sys
import time
from dataclasses import replace

import pytest

from kiosk.config import ConfigError, load_config
from kiosk.store import Store
from kiosk.sync import camera
from tests.test_config import SECURITY, write
from tests.test_sync_video import export_screen, film
from tests.test_ui_transfer import entries_frames, log_lines, open_menu_item, scan, wait_workers
from tests.ui_helpers import make_test_app, screen_text

cv2 = pytest.importorskip("cv2")  # the [camera] extra (in the test extra too)


async def until(pilot, condition, seconds: float = 60) -> bool:
    """Wait for `condition` (a busy machine may need long); True once it holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await pilot.pause(0.05)
    return condition()


@pytest.fixture(scope="module")
def kiosk_film(tmp_path_factory):
    """A kiosk's export screen at 80x24 filmed: its source frames and some repair frames, as
    the widget paints them, in a video; and the entries the kiosk sends."""
    folder = tmp_path_factory.mktemp("camera")
    sent, count, shown = export_screen(folder, (80, 24), entries=6, seed=2,
                                       extra=lambda count: count // 2 + 6)
    video = folder / "kiosk-screen.mp4"
    film(shown, video)
    return folder, sent, count, video


async def test_the_station_import_screen_completes_a_batch_from_the_camera(kiosk_film):
    folder, sent, count, video = kiosk_film
    assert count >= 8
    app, store, _ = make_test_app(folder / "station", mode="supervisor", kiosk_id="station-1",
                                  camera=str(video))
    seen: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await open_menu_item(pilot, "4321", "import")
        screen = app.screen

        def progress() -> str:
            for shown in ("#scan-progress", "#camera-line"):
                text = str(screen.query_one(shown).render())
                if text not in seen:
                    seen.append(text)
            return text

        def receipt() -> str:
            progress()
            return str(screen.query_one("#receipt-code").render())

        assert await until(pilot, lambda: receipt().startswith("Receipt code: "))
        assert "Camera: " + str(video) + " is reading codes. Hold the codes in front" in \
            " ".join(seen)
        log = " ".join(log_lines(screen))
    live = [text for text in seen
            if re.fullmatch(rf"Part (\d+) of about {count} - keep scanning\.", text)]
    assert len(live) >= 2, seen  # the count went up while the camera read
    assert int(live[0].split()[1]) < count
    assert "is complete" in log and "Imported batch" in log
    imported = {e.id: e for e in Store(folder / "station", readonly=True).entries()}
    assert imported.keys() == sent.keys()
    assert all(replace(imported[i], sync="-") == replace(e, sync="-") for i, e in sent.items())


@pytest.mark.parametrize("missing", ["device", "opencv"])
async def test_without_a_camera_the_screen_says_so_and_the_scanner_works(tmp_path, monkeypatch,
                                                                         missing):
    if missing == "opencv":
        monkeypatch.setitem(sys.modules, "cv2", None)  # as if the [camera] extra is not there
    app, store, _ = make_test_app(tmp_path / "station", mode="supervisor", camera=7)
    frames = entries_frames(tmp_path / "kiosk", "kiosk-b2")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_menu_item(pilot, "4321", "import")
        screen = app.screen
        line = screen.query_one("#camera-line")
        assert await until(pilot, lambda: line.state == "off")
        said = str(line.render())
        if missing == "opencv":
            assert said.startswith("There is no camera reading here: OpenCV is not installed")
        else:
            assert said.startswith("No camera found at camera 7.")
        assert said.endswith("The scanner works as usual.")
        await scan(pilot, screen.query_one("#scan"), frames)
        await wait_workers(app, pilot)
        assert await until(pilot, lambda: str(screen.query_one("#receipt-code").render())
                           .startswith("Receipt code: "))
    assert store.count() == 4


async def test_no_camera_configured_shows_no_camera_line(tmp_path):
    app, store, _ = make_test_app(tmp_path, mode="supervisor")
    assert app.config.camera is None
    async with app.run_test(size=(80, 24)) as pilot:
        await open_menu_item(pilot, "4321", "import")
        assert not app.screen.query_one("#camera-line").display
        assert "Camera" not in screen_text(app)


def test_codes_come_once_per_run_of_pictures_and_a_played_video_keeps_its_rate(kiosk_film):
    folder, sent, count, video = kiosk_film
    read_fast = list(camera.codes(camera.open_source(str(video), play=False)))
    assert len(read_fast) >= count and all(text.startswith("KS") for text in read_fast)
    assert all(a != b for a, b in zip(read_fast, read_fast[1:]))  # a code once per run

    slept, now = [], [0.0]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    capture = cv2.VideoCapture(str(video))
    source = camera.FrameSource(capture, fps=capture.get(cv2.CAP_PROP_FPS),
                                clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        assert source.read() is not None
    source.release()
    assert slept == pytest.approx([0.1] * 4)  # 10 pictures a second, as filmed


@pytest.mark.parametrize("value, expected", [("false", None), ("0", 0), ('"/dev/video2"',
                                                                         "/dev/video2")])
def test_the_camera_setting(tmp_path, value, expected):
    assert load_config(write(tmp_path, f"{SECURITY}[sync]\ncamera = {value}\n"),
                       env={}).camera == expected


@pytest.mark.parametrize("value", ["true", "64", '""', "1.5"])
def test_a_wrong_camera_setting_names_the_key(tmp_path, value):
    with pytest.raises(ConfigError, match=r"^sync\.camera: "):
        load_config(write(tmp_path, f"{SECURITY}[sync]\ncamera = {value}\n"), env={})
