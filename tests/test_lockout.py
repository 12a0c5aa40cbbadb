"""The PIN lock-out (kiosk.lockout) without a UI: which role a PIN opens, what a wrong PIN says,
and that a lock-out refuses even the right PIN until it ends. Real store in tmp_path; the
demo config's PINs are 1234 (admin) and 4321 (supervisor)."""

from __future__ import annotations

from kiosk.lockout import PinGuard


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_pin_opens_the_first_of_the_asked_roles_it_belongs_to(store, demo_config):
    guard = PinGuard.for_config(store, demo_config)
    assert guard.check("1234", demo_config) == ("admin", ("", {}))
    assert guard.check("4321", demo_config) == ("supervisor", ("", {}))
    assert guard.check("4321", demo_config, roles=("supervisor", "admin"))[0] == "supervisor"
    # the supervisor PIN does not open an admin-only prompt, and that counts as a wrong PIN
    assert guard.check("4321", demo_config, roles=("admin",)) == (
        None, ("admin.pin_wrong", {"left": demo_config.max_pin_attempts - 1}))


def test_wrong_pins_count_down_then_lock_out_even_the_right_pin(store, demo_config):
    config = demo_config.with_changes(max_pin_attempts=3, lockout_seconds=60)
    clock = Clock()
    guard = PinGuard(store, config.max_pin_attempts, config.lockout_seconds, now=clock)
    assert guard.check("0000", config) == (None, ("admin.pin_wrong", {"left": 2}))
    assert guard.check("0000", config) == (None, ("admin.pin_wrong", {"left": 1}))
    assert guard.check("0000", config) == (None, ("admin.pin_locked", {"seconds": 60, "minutes": 1}))
    clock.now += 20
    assert guard.check("1234", config) == (None, ("admin.pin_locked", {"seconds": 40, "minutes": 1}))
    assert guard.locked_for() == 40  # a refused try while locked does not lengthen it
    clock.now += 40
    assert guard.check("1234", config) == ("admin", ("", {}))
    assert guard.check("0000", config) == (None, ("admin.pin_wrong", {"left": 2}))  # reset


def test_for_config_uses_the_configured_tries_and_lockout(store, demo_config):
    config = demo_config.with_changes(max_pin_attempts=2, lockout_seconds=90)
    guard = PinGuard.for_config(store, config)
    assert (guard.max_attempts, guard.lockout_seconds) == (2, 90)
    assert guard.failed() == 1 and guard.failed() == 0
    assert 89 <= guard.locked_for() <= 90
