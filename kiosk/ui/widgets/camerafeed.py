"""The scan screen's camera: a line saying what the camera does, and a thread worker that grabs
its pictures and posts each code seen (kiosk/sync/camera.py: OpenCV, zxing-cpp). The UI thread
only gets the codes. Without OpenCV, or without the camera, the line says so and the scanner
works as usual. Leaving the screen cancels the worker, which then lets the camera go."""

from __future__ import annotations

from textual import work
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker, WorkerState, get_current_worker

from kiosk.sync.camera import CameraError, codes, describe, open_source


class CameraFeed(Static):
    """One line about the camera `spec` ([sync] camera); hidden when there is none."""

    class Code(Message):
        """A code the camera saw (once per run of pictures that show it)."""

        def __init__(self, text: str):
            super().__init__()
            self.text = text

    class Said(Message):
        def __init__(self, key: str, problem: CameraError | None = None):
            super().__init__()
            self.key, self.problem = key, problem

    def __init__(self, spec: int | str | None, *, id: str | None = None):
        super().__init__("", id=id, markup=False)
        self.spec = spec
        self.state = "none"  # none, starting, reading, off (no OpenCV, no camera), ended

    def on_mount(self) -> None:
        if self.spec is None:
            self.display = False
            return
        self._say("transfer.camera.starting")
        self.watch()

    @work(thread=True, exclusive=True, exit_on_error=False, group="camera")
    def watch(self) -> None:
        worker = get_current_worker()
        try:
            source = open_source(self.spec)
        except CameraError as exc:
            self.post_message(self.Said("transfer.camera.off", exc))
            return
        try:
            self.post_message(self.Said("transfer.camera.reading"))
            for text in codes(source, stop=lambda: worker.is_cancelled):
                self.post_message(self.Code(text))
        finally:
            source.release()
        if not worker.is_cancelled:
            self.post_message(self.Said("transfer.camera.ended"))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """OpenCV failing while reading: say so here (the scanner goes on working)."""
        if event.worker.group == "camera" and event.state == WorkerState.ERROR:
            event.stop()
            self.state = "off"
            self.update(self.app.t("transfer.camera.off",
                                   problem=self.app.strings.message(event.worker.error)))

    def on_camera_feed_said(self, message: Said) -> None:
        message.stop()
        self._say(message.key, message.problem)

    def _say(self, key: str, problem: CameraError | None = None) -> None:
        self.state = key.rsplit(".", 1)[1]
        problem_text = self.app.strings.message(problem) if problem is not None else ""
        self.update(self.app.t(key, source=describe(self.spec), problem=problem_text))
