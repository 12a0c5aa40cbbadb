"""Snapshot tests of the main worker screens at the smallest supported size and a large one.

Update after an intended UI change with: .venv/bin/python -m pytest tests/test_ui_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest

from tests.ui_helpers import make_test_app

SIZES = [(80, 24), (120, 40)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_login_screen(snap_compare, tmp_path, size):
    app, _, _ = make_test_app(tmp_path)
    assert snap_compare(app, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_login_screen_dutch(snap_compare, tmp_path, size):
    app, _, _ = make_test_app(tmp_path, language="nl")
    assert snap_compare(app, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_capture_screen(snap_compare, tmp_path, size):
    app, _, _ = make_test_app(tmp_path)

    async def write(pilot):
        await pilot.press(*"BADGE-0042", "enter")
        await pilot.pause()
        app.clear_notifications()
        await pilot.press(*"Glue", "space", *"dripped", "tab", *"Nozzle", "space", *"worn")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=write)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_linux_console_capture_screen(snap_compare, tmp_path, monkeypatch, size):
    """TERM=linux: the ANSI theme (16 colours) and ASCII borders."""
    monkeypatch.setenv("TERM", "linux")
    app, _, _ = make_test_app(tmp_path)

    async def write(pilot):
        await pilot.press(*"BADGE-0042", "enter")
        await pilot.pause()
        app.clear_notifications()
        await pilot.press(*"Glue", "space", *"dripped")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=write)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_linux_console_login_screen(snap_compare, tmp_path, monkeypatch, size):
    monkeypatch.setenv("TERM", "linux")
    app, _, _ = make_test_app(tmp_path)
    assert snap_compare(app, terminal_size=size)
