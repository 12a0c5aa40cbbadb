"""Pictures from a camera or a video, and the sync codes in them: OpenCV for the pictures,
zxing-cpp for the codes. Both are optional (`pip install 'kiosk[camera]'`); a kiosk never needs
them, and without them `open_source` says so with a CameraError.

A source is anything with OpenCV's `read()` and `release()`: a `cv2.VideoCapture` of a camera
(`[sync] camera = 0`, or a device path) or of a video file. A video file can be *played*: its
pictures come at the video's own rate, as a camera's would, so a screen reading it shows the
same live progress as with a camera in front of a kiosk.

`codes(source)` yields the text of every code seen, once for each run of pictures that show it
(a code filmed for a second is in thirty pictures), so a collector sees each code about as often
as it was shown, and can tell from protocol 3's symbol ids how many it missed.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kiosk.sync.errors import SyncError


class CameraError(SyncError):
    """No pictures: OpenCV or zxing-cpp missing, no such camera, or a source that cannot be read."""


def libraries() -> tuple[Any, Any]:
    """(cv2, zxingcpp), or CameraError("camera.no_opencv") if either is not installed."""
    try:
        import cv2
        import zxingcpp
    except ImportError:
        raise CameraError("camera.no_opencv") from None
    # OpenCV writes its warnings ("can't open camera by index") straight to the terminal,
    # through a full-screen UI: keep it quiet, and say what is wrong in words instead.
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    return cv2, zxingcpp


def describe(spec: int | str) -> str:
    """How a source is named to people: "camera 0", "/dev/video2", "screen.mp4"."""
    return f"camera {spec}" if isinstance(spec, int) else str(spec)


class FrameSource:
    """Pictures from an OpenCV capture; `read()` gives the next one (None at the end).

    With `fps` (a video file played), pictures come at that rate, as a camera gives them."""

    def __init__(self, capture: Any, *, fps: float = 0.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.capture, self.clock, self.sleep = capture, clock, sleep
        self._step = 1 / fps if 0 < fps <= 240 else 0.0
        self._due: float | None = None

    def read(self) -> Any | None:
        if self._step:
            now = self.clock()
            self._due = now if self._due is None else self._due + self._step
            if self._due > now:
                self.sleep(self._due - now)
        ok, picture = self.capture.read()
        return picture if ok else None

    def release(self) -> None:
        self.capture.release()


def open_source(spec: int | str, *, play: bool = True) -> FrameSource:
    """The camera or video `spec` names (a number: /dev/videoN; else a path), opened; a video
    file is played at its own rate unless `play` is False. CameraError if it cannot be."""
    cv2, _ = libraries()
    name = describe(spec)
    device = f"/dev/video{spec}" if isinstance(spec, int) else str(spec)
    if sys.platform.startswith("linux") and not os.path.exists(device):
        raise CameraError("camera.not_found", source=name)
    capture = cv2.VideoCapture(spec if isinstance(spec, int) else str(spec))
    if not capture.isOpened():
        capture.release()
        raise CameraError("camera.cannot_open", source=name)
    played = play and isinstance(spec, str) and Path(spec).is_file()
    return FrameSource(capture, fps=capture.get(cv2.CAP_PROP_FPS) if played else 0.0)


def codes(source: FrameSource, stop: Callable[[], bool] = lambda: False) -> Iterator[str]:
    """Texts of the QR codes in the source's pictures, each once per run of pictures showing it,
    until the source ends or `stop()` is true. Pictures without a code are skipped."""
    cv2, zxingcpp = libraries()
    last: set[str] = set()
    while not stop():
        picture = source.read()
        if picture is None:
            return
        grey = cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY) if picture.ndim == 3 else picture
        found = {code.text for code in zxingcpp.read_barcodes(
            grey, formats=zxingcpp.BarcodeFormat.QRCode) if code.valid}
        yield from sorted(found - last)
        last = found
