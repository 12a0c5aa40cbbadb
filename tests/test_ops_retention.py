"""Retention with a real store in tmp_path: it removes only the entries that reached the station
(or are private) and are past the limit, old drafts and conflicts and expired backups; the CLI
shows a dry run, applies it, and is refused while a kiosk holds the folder."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from kiosk.ids import week_key
from kiosk.ops.backup import archive_name
from kiosk.ops.retention import apply_retention, expired_backups, plan_retention
from kiosk.store import Store
from tests.conftest import build_entry

DAY = 86400.0


def aged(days: float, **changes):
    entry = build_entry(at=time.time() - days * DAY, **changes)
    return entry


@pytest.fixture
def retention_store(store, demo_config):
    """Entries of every kind: old/new, synced/pending/exported, private/team/supervisor."""
    kept = {
        "new synced": aged(10, sync="synced"),
        "old pending": aged(800, sync="pending"),
        "old exported": aged(800, sync="exported", visibility="supervisor"),
        "old but changed lately": replace(aged(800, sync="synced"),
                                          updated=datetime.now(timezone.utc).isoformat()),
    }
    removed = {
        "old synced": aged(800, sync="synced"),
        "old private": aged(760, visibility="private"),
        "very old synced": aged(1500, sync="synced"),
    }
    for entry in [*kept.values(), *removed.values()]:
        store.save(entry)
    return store, kept, removed


def test_retention_removes_only_what_reached_the_station_or_is_private(retention_store,
                                                                      demo_config):
    store, kept, removed = retention_store
    plan = plan_retention(store, demo_config)
    assert set(plan.remove) == {e.id for e in removed.values()}
    assert set(plan.kept_unsent) == {kept["old pending"].id, kept["old exported"].id}
    assert apply_retention(store, plan) == (3, 0)
    left = {e.id for e in store.entries()}
    assert left == {e.id for e in kept.values()}
    # A weekly file left empty is deleted, not kept as an empty shell.
    assert not (store.entries_dir / f"{week_key(removed['very old synced'].id)}.json").exists()


def test_retention_at_the_supervisor_station_removes_every_old_entry(retention_store,
                                                                    demo_config):
    store, kept, removed = retention_store
    plan = plan_retention(store, demo_config.with_changes(mode="supervisor"))
    assert set(plan.remove) == {e.id for e in removed.values()} | {
        kept["old pending"].id, kept["old exported"].id}


def test_retention_removes_old_drafts_and_conflicts(store, demo_config):
    old = aged(800, sync="synced")
    store.save(old)
    store.add_conflict({**old.to_dict(), "title": "another version"}, "different content")
    store.save_draft("w-RECENT01", {"learned": "x"})
    table = store._drafts.table("drafts", cache_size=0)
    table.insert({"key": "w-OLD00001", "saved": "2020-01-01T00:00:00.000Z", "fields": {}})
    plan = plan_retention(store, demo_config)
    assert apply_retention(store, plan) == (1, 1)
    assert store.conflicts() == []
    assert store.load_draft("w-RECENT01") == {"learned": "x"}
    assert store.load_draft("w-OLD00001") is None


def test_expired_backups(tmp_path):
    folder = tmp_path / "b"
    folder.mkdir()
    today = date(2026, 11, 27)
    old = folder / archive_name("k9", today - timedelta(days=731))
    recent = folder / archive_name("k9", today - timedelta(days=3))
    old.write_bytes(b"x")
    recent.write_bytes(b"x")
    assert expired_backups(folder, 730, today) == [old]


def test_cli_retention_dry_run_apply_and_locked(tmp_path, run_kiosk, retention_store):
    store, kept, removed = retention_store
    data = store.data_dir
    backups = tmp_path / "backups"
    backups.mkdir()
    expired = backups / archive_name("demo-kiosk-1", date.today() - timedelta(days=1000))
    expired.write_bytes(b"x")

    locked = run_kiosk("--data-dir", str(data), "retention", "--apply", "--dir", str(backups))
    assert locked.returncode == 3 and "already using" in locked.stderr
    assert not expired.exists()  # old backups go even while the kiosk runs
    store.close()

    expired.write_bytes(b"x")
    dry = run_kiosk("--data-dir", str(data), "retention", "--dir", str(backups))
    assert dry.returncode == 0 and "3 entries to remove" in dry.stdout
    assert "2 kept" in dry.stdout and expired.exists()
    applied = run_kiosk("--data-dir", str(data), "retention", "--apply", "--dir", str(backups))
    assert applied.returncode == 0, applied.stderr
    assert "Removed 3 entries" in applied.stdout and not expired.exists()
    quiet = run_kiosk("--data-dir", str(data), "retention", "--apply", "--quiet",
                      "--dir", str(backups))
    assert quiet.returncode == 0 and quiet.stdout == ""
    with Store(data, readonly=True) as reopened:
        assert reopened.count() == len(kept)
