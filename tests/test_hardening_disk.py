"""Hardening: disk faults met by the worker at the kiosk, and a read-only data folder at start.

The store's own fault tests (a failing fsync/replace keeps the old file, the next save works) are
in test_store_crash.py; these tests prove what the *person* sees: a clear message, the text still
on screen and on disk as a draft, the previous file intact, and a working save once the fault
clears. The read-only folder is a real read-only bind mount in a private mount namespace.
"""

from __future__ import annotations

import errno
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.identity import pseudonym
from kiosk.ids import week_key
from kiosk.store import Store
from kiosk.ui.screens.capture import CaptureScreen
from kiosk.ui.screens.saved import SavedScreen
from tests.conftest import build_entry
from tests.ui_helpers import make_test_app

BADGE = "BADGE-0042"
TEXT = "Glue gun drips after the nozzle change"
REASONS = {errno.ENOSPC: "the disk is full", errno.EIO: "input/output error",
           errno.EROFS: "read-only"}


def notifications(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


_writing_entries = [False]


def fault(call: str, code: int, *, only_entries: bool):
    """A replacement for os.fsync or os.replace that raises OSError(code).

    only_entries: fail only while the store writes a weekly entries file (a full disk met by the
    save itself; needs the `entries_marker` fixture); otherwise every write fails, drafts too."""
    real = getattr(os, call)

    def broken(*args, **kwargs):
        if not only_entries or _writing_entries[0]:
            raise OSError(code, os.strerror(code))
        return real(*args, **kwargs)

    return broken


@pytest.fixture
def entries_marker(monkeypatch):
    """Mark when the store writes an entries file, so fsync faults can target those writes."""
    import kiosk.store_files as store_module

    real = store_module.atomic_write_bytes

    def marked(path, data):
        _writing_entries[0] = "entries" in str(path)
        try:
            return real(path, data)
        finally:
            _writing_entries[0] = False

    monkeypatch.setattr(store_module, "atomic_write_bytes", marked)


@pytest.mark.parametrize("call", ["fsync", "replace"])
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO])
async def test_a_save_on_a_failing_disk_says_so_keeps_the_text_and_the_next_save_works(
        tmp_path, monkeypatch, entries_marker, call, code):
    app, store, _ = make_test_app(tmp_path)
    earlier = store.save(build_entry(title="earlier entry"))
    week_file = tmp_path / "entries" / f"{week_key(earlier.id)}.json"
    before = week_file.read_bytes()
    key = pseudonym(app.config.site_key, BADGE)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*BADGE, "enter")
        await pilot.pause()
        app.screen.query_one("#what_happened").load_text(TEXT)
        await pilot.pause()

        monkeypatch.setattr(os, call, fault(call, code, only_entries=True))
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen), "a failed save must not look saved"
        shown = "\n".join(notifications(app))
        assert "Could not save" in shown and REASONS[code] in shown
        assert "Traceback" not in shown
        assert app.screen.query_one("#what_happened").text == TEXT  # the text stays
        assert week_file.read_bytes() == before  # the previous file is intact
        assert store.load_draft(key)["what_happened"] == TEXT  # and is kept as a draft
        assert not list((tmp_path / "entries").glob(".*.tmp"))

        monkeypatch.undo()  # the fault clears (IT freed space)
        _writing_entries[0] = False
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, SavedScreen)
    saved = [e for e in store.entries() if e.what_happened == TEXT]
    assert len(saved) == 1
    assert store.get(earlier.id) == earlier
    assert store.load_draft(key) is None  # the draft went once the entry was saved
    store.close()
    with Store(tmp_path) as again:  # and it all reads back after a restart
        assert again.count() == 2


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO])
async def test_a_disk_failing_for_drafts_too_keeps_the_text_on_screen(tmp_path, monkeypatch, code):
    app, store, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*BADGE, "enter")
        await pilot.pause()
        app.screen.query_one("#what_happened").load_text(TEXT)
        await pilot.pause()
        monkeypatch.setattr(os, "fsync", fault("fsync", code, only_entries=False))
        await pilot.press("f2")
        await pilot.pause()
        shown = "\n".join(notifications(app))
        assert "Could not save" in shown and "could not be kept" in shown
        assert isinstance(app.screen, CaptureScreen)
        assert app.screen.query_one("#what_happened").text == TEXT
        assert app.screen.save_draft() is False  # still failing: says so, no exception
        monkeypatch.undo()
        assert app.screen.save_draft() is True  # the draft is written once the disk is back
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, SavedScreen)
        assert app.is_running
    assert [e.what_happened for e in store.entries()] == [TEXT]


# -- a read-only data folder at start ----------------------------------------------------------

def _can_bind_mount_read_only(folder: Path) -> bool:
    if not shutil.which("unshare") or not shutil.which("mount"):
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c",
         f"mount --bind '{folder}' '{folder}' && mount -o remount,bind,ro '{folder}' && "
         f"! touch '{folder}/probe' 2>/dev/null"], capture_output=True, timeout=20)
    return probe.returncode == 0


def _run_in_read_only_mount(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m kiosk ARGS` with `folder` mounted read-only (private mount namespace), with a
    pseudo-terminal for stdin/stdout so `kiosk run` gets past its terminal check."""
    script = (f"mount --bind '{folder}' '{folder}' && mount -o remount,bind,ro '{folder}' && "
              f"exec \"$0\" -m kiosk \"$@\"")
    leader, follower = pty.openpty()
    try:
        return subprocess.run(["unshare", "-rm", "sh", "-c", script, sys.executable, *args],
                              stdin=follower, stdout=follower, stderr=subprocess.PIPE,
                              text=True, timeout=60, cwd=folder.parent)
    finally:
        os.close(leader)
        os.close(follower)


@pytest.mark.parametrize("existing", [False, True], ids=["empty folder", "folder with data"])
@pytest.mark.parametrize("command", [["run"], ["demo-data", "--count", "1"]])
def test_a_read_only_data_folder_gives_a_clear_message_not_a_traceback(tmp_path, existing,
                                                                       command):
    folder = tmp_path / "data"
    folder.mkdir()
    if existing:
        with Store(folder) as store:
            store.save(build_entry())
    if not _can_bind_mount_read_only(folder):
        pytest.skip("no user/mount namespaces here to make a read-only mount")
    done = _run_in_read_only_mount(folder, "--data-dir", str(folder), *command)
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("kiosk: ")
    assert str(folder) in done.stderr
    assert "Read-only file system" in done.stderr or "not writable" in done.stderr


def test_a_data_folder_under_a_regular_file_gives_a_clear_message(tmp_path, run_kiosk):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    done = run_kiosk("--data-dir", str(blocker / "data"), "demo-data", "--count", "1")
    assert done.returncode == 3 and "Traceback" not in done.stderr
    assert "Cannot create the data folder" in done.stderr
