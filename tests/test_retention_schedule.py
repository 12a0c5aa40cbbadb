"""The running app's retention schedule (kiosk.ops.retention: retention_due and
run_scheduled_retention) without a UI: once a day, the last run kept in the store so a restart
does not run it again early. Real store in tmp_path, a hand-moved clock."""

from __future__ import annotations

import time

from kiosk.ops.retention import RETENTION_EVERY, retention_due, run_scheduled_retention
from kiosk.store import Store

DAY = 24 * 3600


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_new_store_is_due_and_a_run_waits_a_day_even_after_a_restart(data_dir, demo_config):
    assert RETENTION_EVERY == DAY
    clock = Clock(time.time())
    store = Store(data_dir)
    assert retention_due(store, clock)  # never ran
    assert run_scheduled_retention(store, demo_config, clock) == (0, 0)
    assert not retention_due(store, clock)
    clock.now += DAY - 1
    assert not retention_due(store, clock)
    store.close()

    store = Store(data_dir)  # a restart remembers the last run
    assert not retention_due(store, clock)
    clock.now += 1
    assert retention_due(store, clock)
    store.close()


def test_a_scheduled_run_removes_what_may_go_and_keeps_unsent_entries(store, demo_config,
                                                                       make_entry):
    config = demo_config.with_changes(retention_days=30)
    now = time.time()
    old = now - 60 * DAY
    synced = store.save(make_entry(at=old, sync="synced", title="Old and at the station"))
    unsent = store.save(make_entry(at=old + 1, title="Old, never sent"))
    fresh = store.save(make_entry(at=now - DAY, sync="synced", title="Last week"))
    assert run_scheduled_retention(store, config, Clock(now)) == (1, 0)
    assert {e.id for e in store.entries()} == {unsent.id, fresh.id}
    assert synced.id not in {e.id for e in store.entries()}
    assert store.get_meta("retention_last_run") == now
