"""The real `kiosk run` on a pseudo-terminal: when the terminal goes away (without a SIGHUP, as
under `make run` or after an SSH drop) or systemd sends SIGTERM, the app stops, keeps the
unfinished text, and frees the data folder, instead of spinning on end-of-file."""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import threading
import time

from kiosk.config import DEMO_SITE_KEY
from kiosk.identity import pseudonym
from kiosk.store import Store


class Kiosk:
    def __init__(self, data_dir, *, ignore_sighup: bool = False):
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
        env.update(TERM="xterm-256color", KIOSK_MODEL="false")

        def prepare() -> None:  # like nohup, or a parent that never passes the hangup on
            if ignore_sighup:
                signal.signal(signal.SIGHUP, signal.SIG_IGN)

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "--data-dir", str(data_dir), "run"], stdin=slave,
            stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True,
            preexec_fn=prepare)
        os.close(slave)
        self.screen = bytearray()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.screen.extend(chunk)

    def wait_for(self, text: bytes, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            assert self.proc.poll() is None, bytes(self.screen[-500:])
            assert time.monotonic() < deadline, f"no {text!r} on the screen"
            time.sleep(0.05)

    def type(self, text: bytes) -> None:
        for byte in text:
            os.write(self.master, bytes([byte]))
            time.sleep(0.02)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        try:
            os.close(self.master)
        except OSError:
            pass


def test_a_closed_terminal_without_sighup_stops_the_app_and_frees_the_data_folder(tmp_path):
    kiosk = Kiosk(tmp_path / "data", ignore_sighup=True)
    try:
        kiosk.wait_for(b"badge")
        os.close(kiosk.master)  # the terminal is gone; no SIGHUP reaches the app
        kiosk.proc.wait(15)  # it used to spin at full CPU on end-of-file, holding the lock
    finally:
        kiosk.stop()
    Store(tmp_path / "data").close()  # not "Another kiosk program is already using it"


def test_sigterm_keeps_the_text_typed_a_moment_ago(tmp_path):
    kiosk = Kiosk(tmp_path / "data")
    try:
        kiosk.wait_for(b"badge")
        kiosk.type(b"B-11223\r")
        kiosk.wait_for(b"What happened")
        kiosk.type(b"Sensor cable loose")
        time.sleep(0.3)  # less than the second after which the draft is written anyway
        kiosk.proc.send_signal(signal.SIGTERM)  # systemctl stop kiosk
        assert kiosk.proc.wait(15) == 0
    finally:
        kiosk.stop()
    store = Store(tmp_path / "data", readonly=True)
    draft = store.load_draft(pseudonym(DEMO_SITE_KEY, "B-11223"))
    assert draft is not None and draft["what_happened"] == "Sensor cable loose"
