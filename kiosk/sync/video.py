"""Reading sync QR codes from a video (a phone filming the kiosk's export screen): OpenCV for the
frames, zxing-cpp for the codes. Both are optional: `pip install 'kiosk[camera]'`.

`read_video` yields the text of every code found, once for each run of video frames that show it
(a code filmed for a second is in thirty frames), so a collector sees each code about as often as
it was shown. Blurred, scaled or dropped frames only mean fewer codes read: protocol 3's frames
need no particular one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from kiosk.sync.camera import CameraError, FrameSource, codes, libraries
from kiosk.sync.codec import Batch
from kiosk.sync.collect import FrameCollector
from kiosk.sync.errors import Message
from kiosk.sync.qr import QRError


def read_video(path: str | Path) -> Iterator[str]:
    """Texts of the QR codes in the video at `path`, in the order filmed (as fast as they can
    be read); QRError if it cannot be opened. A text repeats when another code was seen in
    between."""
    try:
        cv2, _ = libraries()
    except CameraError:
        raise QRError("reading a video needs OpenCV and zxing-cpp: "
                      "pip install 'kiosk[camera]'") from None
    path = Path(path)
    if not path.is_file():
        raise QRError(f"{path}: no such file")
    video = cv2.VideoCapture(str(path))
    source = FrameSource(video)
    try:
        if not video.isOpened():
            raise QRError(f"{path}: not a video that can be read")
        yield from codes(source)
    finally:
        source.release()


def collect_video(path: str | Path, site_key: str,
                  progress: Callable[[Message], None] | None = None
                  ) -> tuple[list[Batch], list[Message]]:
    """The verified batches filmed in the video, and a message for each problem; `progress` is
    called with what each newly read part did ("part 9 of about 12 - keep scanning"). Reading
    stops once the batches begun are complete (the kiosk goes on showing frames after that)."""
    collector = FrameCollector(site_key, max_batches=64)
    batches: list[Batch] = []
    problems: list[Message] = []
    for text in read_video(path):
        result = collector.add(text)
        if result.status == "ignored" and not text.strip().upper().startswith("KS"):
            continue  # another QR code in the picture
        if result.status == "failed":
            problems.append(result.message)
        elif result.status != "duplicate" and progress is not None:
            progress(result.message)
        if result.batch is not None:
            batches.append(result.batch)
            if not collector.incomplete():
                break
    problems.extend(collector.left())
    return batches, problems
