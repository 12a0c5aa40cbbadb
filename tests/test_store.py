"""The store on a real TinyDB folder in tmp_path: round trips, queries, drafts, metadata, weekly
files, bulk saves, read-only access; reopening the folder sees everything."""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace

import pytest

from kiosk.entries import EntryError, Response, Suggestion
from kiosk.ids import week_key
from kiosk.store import Store
from kiosk.store_errors import StoreError

from conftest import build_entry

DAY = 86400.0


def stored_ids(data_dir) -> list[str]:
    """Every entry id in the weekly files on disk, read with plain json (not through the store)."""
    ids = []
    for file in sorted((data_dir / "entries").glob("*.json")):
        ids.extend(doc["id"] for doc in json.loads(file.read_text("utf-8"))["entries"].values())
    return ids


def test_save_then_get_returns_an_equal_entry(store, data_dir):
    entry = build_entry(suggestions=[Suggestion("question", "What changed?", "bank", "accepted")])
    assert store.save(entry) is entry
    assert store.get(entry.id) == entry
    assert stored_ids(data_dir) == [entry.id]
    assert store.count() == 1


def test_get_of_an_unknown_or_malformed_id_is_none(store):
    store.save(build_entry())
    assert store.get(build_entry().id) is None
    assert store.get("nonsense") is None
    assert store.get("") is None


def test_saving_an_invalid_entry_raises_and_writes_nothing(store, data_dir):
    bad = replace(build_entry(), category="gossip")
    with pytest.raises(EntryError, match="^category"):
        store.save(bad)
    assert stored_ids(data_dir) == []
    assert store.get(bad.id) is None


def test_update_replaces_in_place(store, data_dir):
    entry = store.save(build_entry())
    other = store.save(build_entry(title="Another"))
    answered = entry.touched(status="seen", seen=True, responses=[
        Response("2026-11-27T10:00:00.000Z", "team leader", "Thanks, on the agenda.")])
    store.save(answered)
    assert store.get(entry.id) == answered
    assert store.get(other.id) == other
    assert store.count() == 2
    assert sorted(stored_ids(data_dir)) == sorted([entry.id, other.id])  # no duplicate record


def test_reopening_sees_entries_drafts_and_meta(data_dir):
    now = time.time()
    entries = [build_entry(at=now - days * DAY, title=f"e{days}") for days in (0, 3, 10, 40, 200)]
    with Store(data_dir) as store:
        for entry in entries:
            store.save(entry)
        store.save(entries[1].touched(title="changed"))
        store.save_draft("otter-17", {"what_happened": "half written"})
        store.set_meta("last_batch", {"id": 7, "entries": [entries[0].id]})
    with Store(data_dir) as store:
        assert store.count() == 5
        assert store.get(entries[1].id).title == "changed"
        assert {e.id for e in store.entries()} == {e.id for e in entries}
        assert store.load_draft("otter-17") == {"what_happened": "half written"}
        assert store.get_meta("last_batch") == {"id": 7, "entries": [entries[0].id]}
        assert store.get_meta("store_format") == 1


def test_entries_are_split_into_weekly_files(store, data_dir):
    now = time.time()
    entries = [build_entry(at=now - weeks * 7 * DAY) for weeks in (0, 1, 2, 30)]
    for entry in entries:
        store.save(entry)
    files = sorted(p.stem for p in (data_dir / "entries").glob("*.json"))
    assert files == sorted({week_key(e.id) for e in entries})
    assert len(files) == 4
    assert store.shard_keys() == files


def test_entries_come_in_creation_order_and_newest_first(store):
    now = time.time()
    entries = [build_entry(at=now - i * 3600 * 13) for i in range(30)]  # over ~2 weeks
    for entry in entries[::3] + entries[1::3] + entries[2::3]:  # saved out of order
        store.save(entry)
    oldest_first = [e.id for e in store.entries()]
    assert oldest_first == sorted(e.id for e in entries)
    assert [e.id for e in store.entries(newest_first=True)] == oldest_first[::-1]


def test_feed_shows_team_entries_of_the_station_newest_first(store):
    now = time.time()
    shared = [store.save(build_entry(at=now - i * 600)) for i in range(5)]
    store.save(build_entry(at=now - 100, visibility="supervisor"))
    store.save(build_entry(at=now - 200, visibility="private"))
    store.save(build_entry(at=now - 300, station="Packing 1"))
    feed = store.feed("Assembly 1")
    assert [e.id for e in feed] == [e.id for e in shared]  # newest first
    assert store.feed("Assembly 1", limit=2) == shared[:2]
    assert [e.station for e in store.feed("Packing 1")] == ["Packing 1"]
    assert store.feed("Nowhere") == []


def test_by_author_finds_every_visibility_but_only_that_author(store):
    now = time.time()
    mine = [store.save(build_entry(at=now - i * DAY * 5, author="heron-22", visibility=v))
            for i, v in enumerate(("team", "private", "supervisor"))]
    store.save(build_entry(author="otter-17"))
    store.save(build_entry(author=None))
    assert store.by_author("heron-22") == mine
    assert store.by_author("heron-22", limit=1) == mine[:1]
    assert store.by_author("nobody") == []


def test_query_filters_and_limits(store):
    now = time.time()
    for i in range(12):
        store.save(build_entry(at=now - i * DAY, kind="idea" if i % 3 == 0 else "observation"))
    ideas = store.query(lambda e: e.kind == "idea")
    assert len(ideas) == 4 and all(e.kind == "idea" for e in ideas)
    assert ideas == sorted(ideas, key=lambda e: e.id, reverse=True)
    assert len(store.query(limit=5)) == 5
    assert [e.id for e in store.query(newest_first=False)] == [e.id for e in store.entries()]


def test_drafts_save_load_overwrite_delete(store):
    assert store.load_draft("otter-17") is None
    store.save_draft("otter-17", {"what_happened": "one"})
    store.save_draft("heron-22", {"noticed": "two"})
    store.save_draft("otter-17", {"what_happened": "one, longer"})
    assert store.load_draft("otter-17") == {"what_happened": "one, longer"}
    assert store.load_draft("heron-22") == {"noticed": "two"}
    store.delete_draft("otter-17")
    store.delete_draft("never-there")
    assert store.load_draft("otter-17") is None
    assert store.load_draft("heron-22") == {"noticed": "two"}


def test_meta_set_get_overwrite_default(store):
    assert store.get_meta("missing") is None
    assert store.get_meta("missing", 5) == 5
    store.set_meta("receipt", "AB12")
    store.set_meta("receipt", "CD34")
    store.set_meta("counts", [1, 2, 3])
    assert store.get_meta("receipt") == "CD34"
    assert store.get_meta("counts") == [1, 2, 3]


def test_conflicts_round_trip(store, data_dir):
    entry = store.save(build_entry())
    incoming = replace(entry, title="someone else's version").to_dict()
    store.add_conflict(incoming, "same id, different content")
    store.close()
    with Store(data_dir) as again:
        (conflict,) = again.conflicts()
        assert conflict["reason"] == "same id, different content"
        assert conflict["entry"] == incoming
        assert again.get(entry.id) == entry  # the stored entry was not overwritten


def test_save_many_writes_each_week_once_and_round_trips(store, data_dir, monkeypatch):
    now = time.time()
    entries = [build_entry(at=now - i * 3600 * 5, title=f"t{i}") for i in range(100)]  # ~3 weeks
    weeks = {week_key(e.id) for e in entries}
    replaced = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (replaced.append(b), real_replace(a, b)))
    assert store.save_many(entries) == 100
    entry_files = [p for p in replaced if "entries" in str(p)]
    assert sorted(os.path.basename(p)[:-5] for p in entry_files) == sorted(weeks)
    assert sorted(stored_ids(data_dir)) == sorted(e.id for e in entries)
    store.close()
    with Store(data_dir) as again:
        assert [again.get(e.id) for e in entries] == entries


def test_save_many_updates_known_ids_and_last_one_wins(store, data_dir):
    first = store.save(build_entry(title="old"))
    new = build_entry(title="new")
    changed = first.touched(title="edited")
    assert store.save_many([changed, new, new.touched(title="newer")]) == 2
    assert store.get(first.id).title == "edited"
    assert store.get(new.id).title == "newer"
    assert sorted(stored_ids(data_dir)) == sorted([first.id, new.id])


def test_save_many_with_one_invalid_entry_stores_nothing(store, data_dir):
    good = [build_entry() for _ in range(5)]
    with pytest.raises(EntryError, match="^kind"):
        store.save_many([*good, replace(build_entry(), kind="rant")])
    assert stored_ids(data_dir) == []


def test_readonly_store_reads_while_the_writer_holds_the_lock(store, data_dir):
    entry = store.save(build_entry())
    reader = Store(data_dir, readonly=True)
    assert reader.get(entry.id) == entry
    with pytest.raises(StoreError, match="read-only"):
        reader.save(build_entry())
    reader.close()


def test_readonly_store_of_a_missing_folder_says_so(tmp_path):
    with pytest.raises(StoreError, match="No kiosk data folder"):
        Store(tmp_path / "missing", readonly=True)


def test_unwritable_data_folder_gives_a_clear_error(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    folder = tmp_path / "ro"
    (folder / "entries").mkdir(parents=True)
    folder.chmod(0o555)
    try:
        with pytest.raises(StoreError, match="not writable"):
            Store(folder)
    finally:
        folder.chmod(0o755)


def test_a_different_store_format_is_refused(data_dir):
    with Store(data_dir) as store:
        store.set_meta("store_format", 99)
    with pytest.raises(StoreError, match="store format 99"):
        Store(data_dir)
    # The refused open released its lock: fixing the folder makes it open again.
    meta = json.loads((data_dir / "meta.json").read_text())
    for doc in meta["meta"].values():
        if doc["key"] == "store_format":
            doc["value"] = 1
    (data_dir / "meta.json").write_text(json.dumps(meta))
    Store(data_dir).close()
