"""Store upgrades on real folders: an older format is rewritten step by step when the store opens
it for writing, stored entries are migrated to the current schema, a read-only open and a newer
folder are refused with a clear message, and a failed or killed upgrade finishes on the next open.

Format 1 is the first real store format, so the older format here is synthetic: store format 0
and its step come from tests/old_formats.py. The schema after the current one, and its migration,
are registered by the test that needs it (the real entry migrations: tests/test_entries.py)."""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import pytest

from kiosk import entries as entries_module
from kiosk.entries import Entry, headline_of
from kiosk.ids import week_key
from kiosk.ops.backup import make_backup, restore_backup
from kiosk.store import Store
from kiosk.store_errors import StoreError, StoreWriteError
from kiosk.store_upgrade import STORE_FORMAT, UPGRADES

from conftest import build_entry, fill_disk_after
from old_formats import OLD_FILE, split_into_weeks, write_format_0
from test_store_crash import child, kill_9, wait_ready

DAY = 86400.0


@pytest.fixture
def step_0(monkeypatch) -> list[str]:
    """Register the synthetic step 0 -> 1; returns the weeks it wrote, in order."""
    written: list[str] = []
    monkeypatch.setitem(UPGRADES, 0, lambda folder: split_into_weeks(folder, written.append))
    return written


def old_entries(count: int = 12) -> list[Entry]:
    now = time.time()
    return [build_entry(at=now - i * 4 * DAY, title=f"t{i}") for i in range(count)]  # ~7 weeks


def meta_of(folder: Path) -> dict:
    rows = json.loads((folder / "meta.json").read_text("utf-8"))["meta"].values()
    return {row["key"]: row["value"] for row in rows}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of the folder but the lock file (opening takes the lock), with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "kiosk.lock"}


def week_files(folder: Path) -> list[str]:
    return sorted(p.stem for p in (folder / "entries").glob("*.json"))


def assert_upgraded(folder: Path, entries: list[Entry], conflict: dict | None = None) -> None:
    with Store(folder) as store:
        assert store.count() == len(entries)
        assert [store.get(e.id) for e in entries] == entries
        if conflict is not None:
            assert [c["entry"] for c in store.conflicts()] == [conflict]  # once, not per run
    raw_ids = [doc["id"] for path in sorted((folder / "entries").glob("*.json"))
               for doc in json.loads(path.read_text("utf-8"))["entries"].values()]
    assert sorted(raw_ids) == sorted(e.id for e in entries)  # every record once
    assert meta_of(folder)["store_format"] == STORE_FORMAT
    assert not (folder / OLD_FILE).exists()
    assert week_files(folder) == sorted({week_key(e.id) for e in entries})
    assert list(folder.glob(".*.tmp")) + list((folder / "entries").glob(".*.tmp")) == []


def test_every_format_before_the_current_one_has_a_step():
    assert sorted(UPGRADES) == list(range(1, STORE_FORMAT))


def test_an_older_folder_is_upgraded_when_the_store_opens_it(data_dir, step_0):
    entries = old_entries()
    incoming = entries[3].touched(title="someone else's version").to_dict()
    write_format_0(data_dir, entries, conflicts=[(incoming, "same id, different content")],
                   drafts={"otter-17": {"what_happened": "half written"}})
    with Store(data_dir) as store:
        assert [store.get(e.id) for e in entries] == entries
        (conflict,) = store.conflicts_for(entries[3].id)
        assert conflict["entry"] == incoming
        assert store.load_draft("otter-17") == {"what_happened": "half written"}
        assert store.get_meta("store_format") == STORE_FORMAT
    assert step_0 == sorted({week_key(e.id) for e in entries})  # each week written once
    assert_upgraded(data_dir, entries, incoming)
    before = snapshot(data_dir)
    Store(data_dir).close()  # an upgraded folder opens without running the step again
    assert len(step_0) == len(week_files(data_dir)) and snapshot(data_dir) == before


def test_a_readonly_open_of_an_older_folder_says_it_needs_an_upgrade(data_dir, step_0):
    write_format_0(data_dir, old_entries())
    before = snapshot(data_dir)
    with pytest.raises(StoreError, match="format 0 .* needs an upgrade to format 1") as caught:
        Store(data_dir, readonly=True)
    assert str(data_dir) in str(caught.value) and "Start the kiosk" in str(caught.value)
    assert snapshot(data_dir) == before and step_0 == []


def test_an_older_folder_without_a_step_is_refused_and_left_alone(data_dir):
    write_format_0(data_dir, old_entries(3))
    before = snapshot(data_dir)
    for _ in range(2):  # the refused open released the lock: the second try is not "locked"
        with pytest.raises(StoreError, match="store format 0, which this app cannot upgrade"):
            Store(data_dir)
    assert snapshot(data_dir) == before


@pytest.mark.parametrize("readonly", [False, True])
def test_a_folder_of_a_newer_format_is_refused(data_dir, readonly):
    with Store(data_dir) as store:
        store.save(build_entry())
        store.set_meta("store_format", STORE_FORMAT + 1)
    before = snapshot(data_dir)
    with pytest.raises(StoreError, match=f"uses store format {STORE_FORMAT + 1}; this app "
                                         f"reads format {STORE_FORMAT}. Update the app."):
        Store(data_dir, readonly=readonly)
    assert snapshot(data_dir) == before


@pytest.mark.parametrize("readonly", [False, True])
def test_entries_of_a_newer_schema_are_refused(data_dir, readonly):
    with Store(data_dir) as store:
        store.save(build_entry())
        store.set_meta("entry_schema", entries_module.SCHEMA_VERSION + 1)
    newer, current = entries_module.SCHEMA_VERSION + 1, entries_module.SCHEMA_VERSION
    with pytest.raises(StoreError, match=f"holds entries of schema {newer}; this app reads "
                                         f"schema {current}. Update the app."):
        Store(data_dir, readonly=readonly)


def pretend_next_schema(monkeypatch) -> tuple[int, list[str]]:
    """From now on this app's entries are of the schema after the current one, where every entry
    has a title (its headline when it had none). Returns that schema and the ids the migration
    was called for."""
    calls: list[str] = []
    current = entries_module.SCHEMA_VERSION

    def titled(data):
        calls.append(data["id"])
        return {**data, "title": data["title"] or headline_of(data)}

    monkeypatch.setattr(entries_module, "SCHEMA_VERSION", current + 1)
    monkeypatch.setitem(entries_module.MIGRATIONS, current, titled)
    return current + 1, calls


def test_opening_migrates_every_stored_entry_to_the_current_schema(data_dir, monkeypatch):
    now = time.time()
    stored = [build_entry(at=now - i * 5 * DAY, title="" if i % 2 else f"t{i}")
              for i in range(10)]
    incoming = stored[1].touched(title="", noticed="another kiosk's text").to_dict()
    old = entries_module.SCHEMA_VERSION
    with Store(data_dir) as store:  # the current schema, as the app before the change wrote it
        store.save_many(stored)
        store.add_conflict(incoming, "same id, different content")
    new, calls = pretend_next_schema(monkeypatch)
    before = snapshot(data_dir)
    with pytest.raises(StoreError, match=rf"\(entries of schema {old}\) and needs an upgrade"):
        Store(data_dir, readonly=True)
    assert snapshot(data_dir) == before and calls == []

    with Store(data_dir) as store:
        assert store.get_meta("entry_schema") == new
        for entry in stored:
            migrated = store.get(entry.id)
            assert migrated.schema == new and migrated.title == (entry.title or entry.headline)
            Entry.from_dict(migrated.to_dict())  # valid entries of the new schema
        (conflict,) = store.conflicts()
        assert conflict["entry"]["schema"] == new and conflict["entry"]["title"] == \
            incoming["what_happened"].splitlines()[0][:120]
    assert sorted(calls) == sorted([e.id for e in stored] + [incoming["id"]])
    after = snapshot(data_dir)
    Store(data_dir).close()  # migrated once: the next open rewrites nothing
    assert snapshot(data_dir) == after and len(calls) == len(stored) + 1


def test_a_failing_disk_mid_upgrade_keeps_the_old_format_and_the_next_open_finishes(
        data_dir, monkeypatch, step_0):
    entries = old_entries()
    incoming = entries[0].touched(title="someone else's version").to_dict()
    write_format_0(data_dir, entries, conflicts=[(incoming, "same id, different content")])
    real_replace = os.replace
    fill_disk_after(monkeypatch, 3)
    with pytest.raises(StoreWriteError, match="the disk is full"):
        Store(data_dir)
    monkeypatch.setattr(os, "replace", real_replace)  # space freed (the upgrade step stays)
    assert meta_of(data_dir)["store_format"] == 0 and (data_dir / OLD_FILE).exists()
    assert len(week_files(data_dir)) == 3  # three weeks were written before the disk filled
    assert_upgraded(data_dir, entries, incoming)


def test_restoring_a_backup_of_an_older_format_upgrades_it(tmp_path, step_0):
    entries = old_entries(6)
    write_format_0(tmp_path / "old", entries)
    archive = make_backup(tmp_path / "old", tmp_path / "backups", kiosk_id="k1").path
    result = restore_backup(archive, tmp_path / "data", aside_dir=tmp_path / "aside",
                            kiosk_id="k1")
    assert result.entries == len(entries)
    assert_upgraded(tmp_path / "data", entries)
    assert meta_of(tmp_path / "old")["store_format"] == 0  # the backup's source is untouched


UPGRADER = r"""
import sys, time
sys.path.insert(0, sys.argv[2])
from old_formats import split_into_weeks
from kiosk import store_upgrade
from kiosk.store import Store

pause_after, written = int(sys.argv[3]), []

def report(key):
    written.append(key)
    print(key, flush=True)
    if len(written) == pause_after:
        time.sleep(60)  # the test kills this process here, in the middle of the step

store_upgrade.UPGRADES[0] = lambda folder: split_into_weeks(folder, report)
print("ready", flush=True)
Store(sys.argv[1]).close()
print("done", flush=True)
"""


def test_kill_9_during_an_upgrade_and_the_next_open_finishes_it(tmp_path, step_0):
    """Killed between two weekly files (the step half done), or at a random moment."""
    rng = random.Random()
    entries = old_entries(20)  # 12 weeks
    incoming = entries[5].touched(title="someone else's version").to_dict()
    weeks = len({week_key(e.id) for e in entries})
    for n, pause_after in enumerate([1, weeks // 2, weeks - 1, 0, 0]):
        folder = tmp_path / f"data{n}"
        write_format_0(folder, entries, conflicts=[(incoming, "same id, different content")])
        proc = child(UPGRADER, str(folder), str(Path(__file__).parent), str(pause_after))
        wait_ready(proc)
        if pause_after:
            for _ in range(pause_after):
                assert proc.stdout.readline().strip() in {week_key(e.id) for e in entries}
        else:
            time.sleep(rng.uniform(0, 0.3))
        kill_9(proc)
        if pause_after:  # the old format on disk, the weeks written so far beside it
            assert meta_of(folder)["store_format"] == 0 and (folder / OLD_FILE).exists()
            assert len(week_files(folder)) == pause_after
        assert_upgraded(folder, entries, incoming)
