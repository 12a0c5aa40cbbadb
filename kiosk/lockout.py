"""The PIN lock-out: wrong PINs are counted in the store, so a lock-out survives a restart."""

from __future__ import annotations

import time

from kiosk.pins import verify_pin

_LOCK_META = "pin_lockout"


class PinGuard:
    """Counts wrong PINs in the store, so a lock-out survives a restart. A subclass with its own
    `META_KEY` counts other secrets the same way (reply codes: kiosk/learning/reply_codes.py)."""

    META_KEY = _LOCK_META

    def __init__(self, store, max_attempts: int, lockout_seconds: int, now=time.time):
        self.store, self.max_attempts, self.lockout_seconds, self.now = (
            store, max_attempts, lockout_seconds, now)

    @classmethod
    def for_config(cls, store, config) -> "PinGuard":
        """The guard with the configured number of tries and first lock-out time."""
        return cls(store, config.max_pin_attempts, config.lockout_seconds)

    def _state(self) -> dict:
        return self.store.get_meta(self.META_KEY, {"failures": 0, "until": 0.0})

    def locked_for(self) -> int:
        return max(0, int(self._state()["until"] - self.now() + 0.999))

    def failed(self) -> int:
        """Record a wrong PIN; returns tries left (0 means locked now)."""
        state = self._state()
        failures = state["failures"] + 1
        if failures >= self.max_attempts:
            # back-off: each further lock-out doubles, up to a day
            rounds = failures - self.max_attempts
            until = self.now() + min(86400, self.lockout_seconds * (2 ** rounds))
            self.store.set_meta(self.META_KEY, {"failures": failures, "until": until})
            return 0
        self.store.set_meta(self.META_KEY, {"failures": failures, "until": 0.0})
        return self.max_attempts - failures

    def succeeded(self) -> None:
        if self._state()["failures"]:
            self.store.set_meta(self.META_KEY, {"failures": 0, "until": 0.0})

    def check(self, pin: str, config, roles: tuple[str, ...] = ("admin", "supervisor"),
              ) -> tuple[str | None, tuple[str, dict]]:
        """(the role whose PIN this is, or None; the i18n key and values to show if None).
        Refused while locked out; a wrong PIN counts towards the lock-out."""
        locked = self.locked_for()
        if locked:
            return None, _locked(locked)
        hashes = {"admin": config.admin_pin_hash, "supervisor": config.supervisor_pin_hash}
        role = next((r for r in roles if verify_pin(pin, hashes[r])), None)
        if role is None:
            left = self.failed()
            return None, ("admin.pin_wrong", {"left": left}) if left else \
                _locked(self.locked_for())
        self.succeeded()
        return role, ("", {})


def _locked(seconds: int) -> tuple[str, dict]:
    """The lock-out message, in whole minutes (rounded up): "try again in 5 minutes"."""
    return "admin.pin_locked", {"seconds": seconds, "minutes": max(1, -(-seconds // 60))}
