"""Hardening: PINs and kiosk lock-down.

- PINs exist only as salted scrypt hashes (the config refuses a plain PIN: test_config.py
  test_a_missing_or_bad_pin_hash_or_site_key_names_its_key; here: salts differ, the PIN is not
  in the hash, a hash with weak or foreign parameters is refused).
- Wrong PINs lock out with a back-off that doubles and survives a restart (the UI version is
  test_ui_worker.py test_wrong_pins_lock_out_and_the_lockout_survives_a_restart).
- No key in kiosk mode leaves the app, suspends it or reaches a shell: every ctrl+letter, F-key
  and the usual escape keys are pressed at the login and capture screens.
"""

from __future__ import annotations

import os
import signal
import string

import pytest

from kiosk.lockout import PinGuard
from kiosk.pins import hash_pin, is_pin_hash, verify_pin
from kiosk.store import Store
from kiosk.ui.screens.capture import CaptureScreen
from kiosk.ui.screens.login import LoginScreen
from tests.ui_helpers import make_test_app

# -- PIN hashes -----------------------------------------------------------------------------------


def test_pins_are_salted_scrypt_hashes_that_never_contain_the_pin():
    first, second = hash_pin("1234"), hash_pin("1234")
    assert first != second  # a fresh salt every time
    for stored in (first, second):
        scheme, n, r, p, salt, digest = stored.split("$")
        assert scheme == "scrypt" and int(n) >= 2**14 and int(r) >= 8
        assert len(bytes.fromhex(salt)) >= 16 and len(bytes.fromhex(digest)) == 32
        assert "1234" not in stored.replace(salt, "").replace(digest, "")
        assert verify_pin("1234", stored) and not verify_pin("1235", stored)
    assert not verify_pin("1234", "1234")  # a plain PIN is never a usable "hash"
    assert not is_pin_hash("1234") and not is_pin_hash("sha256$abcd")
    assert not verify_pin("1234", "")


# -- lock-out with back-off ---------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_lockout_backs_off_doubling_and_survives_a_restart(data_dir):
    clock = Clock()
    store = Store(data_dir)
    guard = PinGuard(store, max_attempts=3, lockout_seconds=60, now=clock)
    assert [guard.failed() for _ in range(3)] == [2, 1, 0]
    assert guard.locked_for() == 60
    store.close()

    store = Store(data_dir)  # a restart (or a power cut) does not clear it
    guard = PinGuard(store, max_attempts=3, lockout_seconds=60, now=clock)
    assert guard.locked_for() == 60
    clock.now += 61
    assert guard.locked_for() == 0
    assert guard.failed() == 0 and guard.locked_for() == 120  # the next wrong PIN: twice as long
    clock.now += 121
    assert guard.failed() == 0 and guard.locked_for() == 240
    store.close()

    store = Store(data_dir)
    guard = PinGuard(store, max_attempts=3, lockout_seconds=60, now=clock)
    assert guard.locked_for() == 240
    for _ in range(30):  # capped at a day, never overflowing
        clock.now += 86401
        guard.failed()
    assert guard.locked_for() == 86400
    guard.succeeded()
    assert guard.locked_for() == 0 and guard._state()["failures"] == 0
    store.close()


# -- no key leaves the app ------------------------------------------------------------------------

KEYS = ([f"ctrl+{c}" for c in string.ascii_lowercase]
        + [f"f{n}" for n in range(1, 13)]
        + ["shift+f10", "shift+f12", "ctrl+f4", "ctrl+f12", "alt+f4", "alt+f12"]
        + ["escape", "ctrl+backslash", "ctrl+right_square_bracket", "ctrl+at", "ctrl+space",
           "ctrl+shift+q", "ctrl+shift+c", "ctrl+shift+z", "alt+x", "ctrl+alt+delete",
           "tab", "shift+tab", "enter", "pause", "super"])


class Tripwire:
    """Records any attempt to exit, suspend or signal the process."""

    def __init__(self, app, monkeypatch) -> None:
        self.calls: list[str] = []
        real_exit = app.exit

        def exit_(*args, **kwargs):
            self.calls.append("exit")
            return None

        def suspend(*args, **kwargs):
            self.calls.append("suspend")
            raise AssertionError("suspend")

        def kill(pid, sig):
            self.calls.append(f"kill {sig}")

        monkeypatch.setattr(app, "exit", exit_)
        monkeypatch.setattr(app, "suspend", suspend)
        monkeypatch.setattr(os, "kill", kill)
        monkeypatch.setattr(os, "killpg", kill)
        monkeypatch.setattr(signal, "raise_signal", lambda sig: self.calls.append(f"raise {sig}"))
        monkeypatch.setattr(os, "system", lambda cmd: self.calls.append(f"system {cmd}") or 0)
        self.real_exit = real_exit


async def back_to(pilot, app, target: type) -> None:
    """Close whatever a key opened (help, PIN prompt, feed) and log in again if it logged out."""
    for _ in range(6):
        if isinstance(app.screen, target):
            return
        if target is CaptureScreen and isinstance(app.screen, LoginScreen):
            await pilot.press(*"BADGE-0042", "enter")
        elif target is LoginScreen and isinstance(app.screen, CaptureScreen):
            await app.logout()
        else:
            await pilot.press("escape")
        await pilot.pause()
    assert isinstance(app.screen, target), app.screen


@pytest.mark.parametrize("where", [LoginScreen, CaptureScreen], ids=["login", "capture"])
async def test_no_key_combination_leaves_or_suspends_the_app(tmp_path, monkeypatch, where):
    app, store, _ = make_test_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        wire = Tripwire(app, monkeypatch)
        await back_to(pilot, app, where)
        for key in KEYS:
            await pilot.press(key)
            await pilot.pause()
            assert app.is_running and app.return_code is None, key
            assert wire.calls == [], (key, wire.calls)
            await back_to(pilot, app, where)
        # the same for the actions themselves (a link or a stray binding asking for them)
        for action in ("quit", "suspend_process", "command_palette"):
            await app.run_action(action)
            await pilot.pause()
            assert app.is_running and wire.calls == [], action
            await back_to(pilot, app, where)
    assert not app.ENABLE_COMMAND_PALETTE


def test_no_binding_anywhere_maps_to_an_exit_action():
    """Every binding of the app and its screens, checked by name: none quits or suspends
    directly (quit goes through the admin PIN screen; the key test above proves it)."""
    import importlib
    import inspect
    import pkgutil

    import kiosk.ui.screens as screens
    from textual.screen import Screen

    from kiosk.ui.app import KioskApp

    forbidden = {"quit", "suspend_process", "app.quit", "app.suspend_process", "command_palette",
                 "app.command_palette", "exit", "app.exit"}
    holders = [KioskApp]
    for info in pkgutil.iter_modules(screens.__path__):
        module = importlib.import_module(f"kiosk.ui.screens.{info.name}")
        holders += [obj for _, obj in inspect.getmembers(module, inspect.isclass)
                    if issubclass(obj, Screen) and obj.__module__ == module.__name__]
    found = {(holder.__name__, binding.action) for holder in holders
             for binding in holder.BINDINGS
             if hasattr(binding, "action") and binding.action.split("(")[0] in forbidden}
    assert found == set()
