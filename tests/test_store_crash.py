"""Faults the store must survive: kill -9 during a stream of saves, damaged files, a second
process on the same folder, and a full or failing disk. Real files, real subprocesses."""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from kiosk.entries import Entry
from kiosk.ids import week_key
from kiosk.store import Store
from kiosk.store_errors import StoreCorrupt, StoreLocked, StoreWriteError

from conftest import build_entry, fill_disk_after

DAY = 86400.0
ROUNDS = int(os.environ.get("KIOSK_CRASH_ROUNDS", "100"))

# The child saves entries in a loop and prints "<id> <counter>" after each save() returns.
# A quarter of the saves update an earlier entry (title "<seed>:<counter>" grows), some go to
# older weeks, and every tenth loop also writes a draft and a meta value.
SAVER = r"""
import random, sys, time
from kiosk.entries import Entry
from kiosk.ids import new_id
from kiosk.store import Store

data_dir, seed = sys.argv[1], int(sys.argv[2])
rng = random.Random(seed)
store = Store(data_dir)
print("ready", flush=True)
saved = []
counter = 0
while True:
    counter += 1
    if saved and rng.random() < 0.25:
        i = rng.randrange(len(saved))
        entry = saved[i] = saved[i].touched(title=f"{seed}:{counter}", seen=True)
    else:
        at = time.time() - rng.choice((0, 0, 0, 2, 9, 40, 300)) * 86400 - rng.random() * 3600
        entry = Entry(id=new_id(at=at), kiosk_id="crash-kiosk", station="Assembly 1",
                      line="Line A", author=rng.choice(["otter-17", None]), language="en",
                      kind="observation", category="quality", title=f"{seed}:{counter}",
                      what_happened="Saved while a test kills this process. " * rng.randint(1, 20))
        saved.append(entry)
    store.save(entry)
    if counter % 10 == 0:
        store.save_draft("otter-17", {"what_happened": f"draft {counter}"})
        store.set_meta("counter", counter)
    print(entry.id, counter, flush=True)
"""

HOLDER = r"""
import sys, time
from kiosk.store import Store
store = Store(sys.argv[1])
print("ready", flush=True)
time.sleep(120)
"""


def child(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_ready(proc: subprocess.Popen[str]) -> None:
    line = proc.stdout.readline()
    if line.strip() != "ready":
        proc.kill()
        raise AssertionError(f"child did not start: {line!r} {proc.stderr.read()}")


def kill_9(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGKILL)
    out = proc.stdout.read()
    proc.wait()
    proc.stderr.close()
    proc.stdout.close()
    return out


def crash_rounds(folder: Path, rounds: int, rng: random.Random) -> int:
    """`rounds` times: start a saver, kill -9 it after 0-300 ms, check the folder. Returns how
    many saves returned in total."""
    confirmed: dict[str, tuple[int, int]] = {}  # id -> (seed, highest counter whose save returned)
    saves = 0
    for _ in range(rounds):
        saves += crash_round(folder, rng, confirmed)
        verify_after_crash(folder, confirmed)
    return saves


def crash_round(folder: Path, rng: random.Random, confirmed: dict[str, tuple[int, int]]) -> int:
    """Start a saver, kill -9 it after 0-300 ms, and record in `confirmed` every save it
    reported as returned. Returns how many it reported (also used by bench/crash.py)."""
    seed = rng.randrange(10**9)
    proc = child(SAVER, str(folder), str(seed))
    wait_ready(proc)
    time.sleep(rng.uniform(0, 0.3))
    saves = 0
    for line in kill_9(proc).splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():  # a torn last line is ignored
            confirmed[parts[0]] = (seed, int(parts[1]))
            saves += 1
    return saves


def verify_after_crash(folder: Path, confirmed: dict[str, tuple[int, int]]) -> None:
    with Store(folder) as store:  # the lock is free again and meta.json reads
        store.count()  # every weekly file reads
        entries = {e.id: e for e in store.entries()}
        for entry in entries.values():
            Entry.from_dict(entry.to_dict())  # every stored record is valid
        store.load_draft("otter-17")
        store.get_meta("counter")
    for entry_id, (seed, counter) in confirmed.items():
        assert entry_id in entries, f"saved entry {entry_id} lost after kill -9"
        stored_seed, stored_counter = map(int, entries[entry_id].title.split(":"))
        # The version whose save returned, or a later one; never an older one.
        assert stored_seed == seed and stored_counter >= counter, (entry_id, seed, counter)
    leftovers = list(folder.glob(".*.tmp")) + list((folder / "entries").glob(".*.tmp"))
    assert leftovers == []  # opening the store removed the temp files of interrupted writes


@pytest.mark.slow
def test_kill_9_during_saves_never_loses_a_returned_save(tmp_path):
    """At least 100 rounds (KIOSK_CRASH_ROUNDS), in two folders in parallel."""
    rng = random.Random()
    seeds = [rng.randrange(10**9) for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(crash_rounds, tmp_path / f"data{i}", ROUNDS // 2 + i * (ROUNDS % 2),
                               random.Random(seed)) for i, seed in enumerate(seeds)]
        saves = sum(f.result() for f in futures)
    assert saves > ROUNDS  # the children really saved entries before they were killed


# -- damaged files ------------------------------------------------------------------------------
def _truncate(raw: bytes) -> bytes:
    return raw[: len(raw) // 2]


def _zero_fill(raw: bytes) -> bytes:
    return b"\x00" * len(raw)


def _garble(raw: bytes) -> bytes:
    middle = len(raw) // 2
    return raw[:middle] + b"\xff\xfe}{garbage" + raw[middle + 12:]


DAMAGE = {
    "truncated": _truncate,
    "zero-filled": _zero_fill,
    "garbled": _garble,
    "empty": lambda raw: b"",
    "not an object": lambda raw: b"[1, 2, 3]",
    "bad record": lambda raw: b'{"entries": {"1": "not a record"}}',
}


def damage(path: Path, how: str) -> bytes:
    damaged = DAMAGE[how](path.read_bytes())
    path.write_bytes(damaged)
    return damaged


def kept_copies(data_dir: Path, name: str) -> list[Path]:
    return sorted((data_dir / "corrupt").glob(f"{name}.*"))


@pytest.mark.parametrize("how", DAMAGE)
def test_a_damaged_weekly_file_is_reported_kept_and_never_overwritten(data_dir, how):
    now = time.time()
    old = [build_entry(at=now - 14 * DAY + i) for i in range(3)]
    recent = build_entry(at=now)
    with Store(data_dir) as store:
        store.save_many([*old, recent])
    week_file = data_dir / "entries" / f"{week_key(old[0].id)}.json"
    damaged = damage(week_file, how)

    with Store(data_dir) as store:
        with pytest.raises(StoreCorrupt) as caught:
            store.get(old[0].id)
        message = str(caught.value)
        assert str(week_file) in message and "damaged" in message and "kiosk doctor" in message
        assert caught.value.path == week_file
        (copy,) = kept_copies(data_dir, week_file.name)
        assert caught.value.kept == copy and str(copy) in message
        assert copy.read_bytes() == damaged
        # A later save to that week is refused, and so is reading every entry.
        with pytest.raises(StoreCorrupt):
            store.save(build_entry(at=now - 14 * DAY + 10))
        with pytest.raises(StoreCorrupt):
            store.count()
        with pytest.raises(StoreCorrupt):
            list(store.entries())
        # Other weeks still work.
        assert store.get(recent.id) == recent
        extra = store.save(build_entry(at=now - 1))
        assert store.get(extra.id) == extra
    assert week_file.read_bytes() == damaged  # byte for byte unchanged
    assert len(kept_copies(data_dir, week_file.name)) == 1  # one copy, not one per attempt


def test_a_record_moved_into_another_weeks_file_is_damage(data_dir):
    """Valid JSON, valid entry, wrong file: get() would never find it, so it counts as damage."""
    now = time.time()
    here, elsewhere = build_entry(at=now - 21 * DAY), build_entry(at=now)
    with Store(data_dir) as store:
        store.save_many([here, elsewhere])
    week_file = data_dir / "entries" / f"{week_key(here.id)}.json"
    data = json.loads(week_file.read_text("utf-8"))
    data["entries"]["2"] = elsewhere.to_dict()
    week_file.write_text(json.dumps(data), "utf-8")
    with Store(data_dir) as store:
        with pytest.raises(StoreCorrupt, match="record 2 has no entry id of this week"):
            store.get(here.id)
        assert store.get(elsewhere.id) == elsewhere


@pytest.mark.parametrize("how", ["truncated", "garbled", "zero-filled", "not an object"])
def test_a_damaged_meta_file_stops_the_open_with_a_clear_message(data_dir, how):
    with Store(data_dir) as store:
        store.set_meta("receipt", "AB12")
    meta = data_dir / "meta.json"
    damaged = damage(meta, how)
    for _ in range(2):  # the failed open released the lock: the second try is not "locked"
        with pytest.raises(StoreCorrupt, match="meta.json") as caught:
            Store(data_dir)
        assert "damaged" in str(caught.value)
    assert meta.read_bytes() == damaged
    (copy,) = kept_copies(data_dir, "meta.json")
    assert copy.read_bytes() == damaged


@pytest.mark.parametrize("how", ["truncated", "garbled", "empty"])
def test_a_damaged_drafts_file_refuses_drafts_but_entries_still_save(data_dir, how):
    with Store(data_dir) as store:
        store.save_draft("otter-17", {"what_happened": "half written"})
    drafts = data_dir / "drafts.json"
    damaged = damage(drafts, how)
    with Store(data_dir) as store:
        with pytest.raises(StoreCorrupt, match="drafts.json"):
            store.load_draft("otter-17")
        with pytest.raises(StoreCorrupt, match="drafts.json"):
            store.save_draft("otter-17", {"what_happened": "new text"})
        entry = store.save(build_entry())
        assert store.get(entry.id) == entry
    assert drafts.read_bytes() == damaged
    (copy,) = kept_copies(data_dir, "drafts.json")
    assert copy.read_bytes() == damaged


def test_a_readonly_reader_reports_damage_without_writing(data_dir):
    with Store(data_dir) as store:
        entry = store.save(build_entry())
    week_file = data_dir / "entries" / f"{week_key(entry.id)}.json"
    damage(week_file, "truncated")
    reader = Store(data_dir, readonly=True)
    with pytest.raises(StoreCorrupt, match=str(week_file)):
        reader.get(entry.id)
    assert not (data_dir / "corrupt").exists()


def test_cli_demo_data_on_a_damaged_meta_file_fails_cleanly(data_dir, run_kiosk):
    Store(data_dir).close()
    damage(data_dir / "meta.json", "garbled")
    result = run_kiosk("--data-dir", str(data_dir), "demo-data", "--count", "5")
    assert result.returncode == 3
    assert "meta.json" in result.stderr and "damaged" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_entries_list_on_a_damaged_weekly_file_fails_cleanly(data_dir, run_kiosk):
    with Store(data_dir) as store:
        entry = store.save(build_entry())
    damage(data_dir / "entries" / f"{week_key(entry.id)}.json", "truncated")
    result = run_kiosk("--data-dir", str(data_dir), "entries", "list")
    assert result.returncode != 0
    assert "damaged" in result.stderr
    assert "Traceback" not in result.stderr


# -- one process per folder ---------------------------------------------------------------------
def test_a_second_store_in_the_same_process_is_locked_out(data_dir):
    first = Store(data_dir)
    with pytest.raises(StoreLocked, match=f"pid {os.getpid()}"):
        Store(data_dir)
    first.close()
    Store(data_dir).close()


def test_another_process_holding_the_folder_locks_out_store_and_cli(data_dir, run_kiosk):
    holder = child(HOLDER, str(data_dir))
    try:
        wait_ready(holder)
        with pytest.raises(StoreLocked) as caught:
            Store(data_dir)
        message = str(caught.value)
        assert f"pid {holder.pid}" in message and str(data_dir) in message
        assert "Only one may use it at a time" in message

        result = run_kiosk("--data-dir", str(data_dir), "demo-data", "--count", "5")
        assert result.returncode == 3
        assert f"Another kiosk program (pid {holder.pid})" in result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout == ""

        listing = run_kiosk("--data-dir", str(data_dir), "entries", "list")  # reading is fine
        assert listing.returncode == 0 and "No entries" in listing.stdout
    finally:
        kill_9(holder)
    # The kernel released the lock with the killed process.
    with Store(data_dir) as store:
        assert store.count() == 0
    result = run_kiosk("--data-dir", str(data_dir), "demo-data", "--count", "5", "--seed", "1")
    assert result.returncode == 0, result.stderr


# -- a full or failing disk ---------------------------------------------------------------------
def failing(errno_value: int, *, only_dirs: bool = False):
    def fail(fd, *args):
        if only_dirs and not stat.S_ISDIR(os.fstat(fd).st_mode):
            return REAL_FSYNC(fd)
        raise OSError(errno_value, os.strerror(errno_value))

    return fail


REAL_FSYNC = os.fsync
REASONS = {errno.ENOSPC: "the disk is full", errno.EIO: "input/output error"}


def raw_ids(path: Path) -> list[str]:
    return [doc["id"] for doc in json.loads(path.read_text("utf-8"))["entries"].values()]


@pytest.mark.parametrize("call", ["fsync", "replace"])
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO])
def test_a_failing_write_keeps_the_old_file_and_the_next_save_works(data_dir, monkeypatch,
                                                                    call, code):
    store = Store(data_dir)
    first = store.save(build_entry(title="first"))
    week_file = data_dir / "entries" / f"{week_key(first.id)}.json"
    before = week_file.read_bytes()
    second = build_entry(title="second")

    monkeypatch.setattr(os, call, failing(code))
    with pytest.raises(StoreWriteError) as caught:
        store.save(second)
    assert caught.value.errno == code
    assert REASONS[code] in caught.value.reason
    assert str(week_file) in str(caught.value) and "previous data is intact" in str(caught.value)
    assert week_file.read_bytes() == before
    assert list((data_dir / "entries").glob(".*.tmp")) == []  # no temp file left behind
    assert store.get(second.id) is None
    assert store.get(first.id) == first
    with pytest.raises(StoreWriteError):
        store.save(first.touched(title="edited during the fault"))
    monkeypatch.undo()
    assert store.get(first.id) == first
    assert week_file.read_bytes() == before

    store.save(second)
    third = store.save(build_entry(title="third"))
    store.close()
    with Store(data_dir) as again:
        assert [again.get(e.id) for e in (first, second, third)] == [first, second, third]
    assert sorted(raw_ids(week_file)) == sorted([first.id, second.id, third.id])


def test_a_failing_directory_fsync_after_the_rename_does_not_duplicate_on_retry(data_dir,
                                                                                monkeypatch):
    store = Store(data_dir)
    first = store.save(build_entry(title="first"))
    second = build_entry(title="second")
    monkeypatch.setattr(os, "fsync", failing(errno.EIO, only_dirs=True))
    with pytest.raises(StoreWriteError, match="input/output error"):
        store.save(second)
    monkeypatch.undo()
    store.save(second)  # the caller retries the save that raised
    store.save(second.touched(title="second, edited"))
    week_file = data_dir / "entries" / f"{week_key(first.id)}.json"
    assert sorted(raw_ids(week_file)) == sorted([first.id, second.id])
    assert store.count() == 2
    store.close()
    with Store(data_dir) as again:
        assert again.get(second.id).title == "second, edited"


def test_a_failing_draft_or_meta_write_keeps_the_old_value(store, monkeypatch):
    store.save_draft("otter-17", {"what_happened": "v1"})
    store.set_meta("receipt", "AB12")
    monkeypatch.setattr(os, "fsync", failing(errno.ENOSPC))
    with pytest.raises(StoreWriteError, match="the disk is full"):
        store.save_draft("otter-17", {"what_happened": "v2"})
    with pytest.raises(StoreWriteError, match="the disk is full"):
        store.set_meta("receipt", "CD34")
    monkeypatch.undo()
    assert store.load_draft("otter-17") == {"what_happened": "v1"}
    assert store.get_meta("receipt") == "AB12"
    store.save_draft("otter-17", {"what_happened": "v2"})
    store.set_meta("receipt", "CD34")
    assert store.load_draft("otter-17") == {"what_happened": "v2"}
    assert store.get_meta("receipt") == "CD34"


def test_save_many_interrupted_by_a_full_disk_keeps_whole_weeks(data_dir, monkeypatch):
    now = time.time()
    weeks = [[build_entry(at=now - w * 7 * DAY - i * 60) for i in range(20)] for w in (3, 2, 1)]
    store = Store(data_dir)
    fill_disk_after(monkeypatch, 1)
    with pytest.raises(StoreWriteError, match="the disk is full"):
        store.save_many([e for week in weeks for e in week])
    monkeypatch.undo()
    assert [store.get(e.id) for e in weeks[0]] == weeks[0]  # the oldest week was written
    assert all(store.get(e.id) is None for e in weeks[1] + weeks[2])
    assert store.save_many([e for week in weeks for e in week]) == 60  # the retry completes
    assert store.count() == 60
    store.close()
    with Store(data_dir) as again:
        assert sorted(e.id for e in again.entries()) == sorted(e.id for w in weeks for e in w)
