"""Shared fixtures: an isolated environment (never the real config or data folder), a real store
in tmp_path, an entry factory, and a runner for the real `kiosk` command in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import Config, load_config
from kiosk.entries import Entry, new_id
from kiosk.store import Store

# Environment variables that change which config or data folder the kiosk uses.
KIOSK_ENV = ("KIOSK_CONFIG", "KIOSK_DATA_DIR", "KIOSK_LANGUAGE", "KIOSK_STATION", "KIOSK_MODE",
             "KIOSK_MODEL", "KIOSK_BACKUP_DIR")


@pytest.fixture(autouse=True)
def _steady_cursor(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """In snapshot tests a focused text field's cursor does not blink: on a busy machine the
    picture is taken later than half a second after focusing, when the cursor may be off."""
    if "snap_compare" not in request.fixturenames:
        return
    from textual.widgets import Input, TextArea

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's KIOSK_* settings, reads their home folder or writes to their
    real data folder."""
    for name in KIOSK_ENV:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("xdg")
    (home / "home").mkdir()
    monkeypatch.setenv("HOME", str(home / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A not yet existing data folder in tmp_path."""
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    """A real store (real TinyDB files) in tmp_path, closed after the test."""
    opened = Store(data_dir)
    yield opened
    opened.close()


@pytest.fixture
def demo_config(data_dir: Path) -> Config:
    """The built-in demo configuration with its data folder in tmp_path."""
    return load_config(env={}).with_changes(data_dir=data_dir)


def build_entry(*, at: float | None = None, **changes: Any) -> Entry:
    """A valid entry; `at` sets its creation time (and so its id and weekly file)."""
    values: dict[str, Any] = dict(
        kiosk_id="demo-kiosk-1", station="Assembly 1", line="Line A", author="otter-17",
        language="en", kind="observation", category="quality",
        what_happened="The first three parts of bracket 4410 had a burr after the tool change.",
        noticed="The offset was not measured again.", learned="Measure after every change.",
        next_step="Put it on the checklist.", title="Burr after tool change",
    )
    values.update(changes)
    entry = Entry.new(**values)
    if at is not None:
        ms = int(at * 1000)
        entry.id = new_id(at=(ms + 0.5) / 1000)
        created = datetime.fromtimestamp(ms // 1000, tz=timezone.utc) + timedelta(
            milliseconds=ms % 1000)
        entry.created = entry.updated = created.isoformat(timespec="milliseconds").replace(
            "+00:00", "Z")
    return entry.validate()


@pytest.fixture
def make_entry() -> Callable[..., Entry]:
    """Factory for valid entries: make_entry(title="x", at=timestamp, ...)."""
    return build_entry


@pytest.fixture
def run_kiosk(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `python -m kiosk ARGS...` in a subprocess; returns the completed process."""

    def run(*args: str, env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, **(env or {})}
        return subprocess.run([sys.executable, "-m", "kiosk", *args], cwd=tmp_path,
                              env=full_env, capture_output=True, text=True, timeout=timeout)

    return run



# Hypothesis explores with a new seed on every developer run; CI (CI=true) uses a fixed
# derandomized search so that main does not turn red on a new random example. Long random
# exploration is the job of bench/fuzz_import.py.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")


def fill_disk_after(monkeypatch: pytest.MonkeyPatch, renames: int) -> None:
    """The disk fills up after `renames` files were renamed into place: every later os.replace
    fails with ENOSPC, as on a full disk (monkeypatch.undo() frees it again)."""
    import errno

    real_replace, calls = os.replace, []

    def replace_then_fill_disk(src, dst):
        calls.append(dst)
        if len(calls) > renames:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_then_fill_disk)
