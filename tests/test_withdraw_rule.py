"""Which entries a worker may delete, and deleting one (kiosk.withdraw), without a UI: their own
entries the supervisor does not have yet. Real store in tmp_path; a full disk is an OSError from
os.replace, as the store's atomic write meets it."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from kiosk.identity import Session, supervisor_session
from kiosk.withdraw import delete_entry, may_delete, own_entry

WORKER = Session(author="w-1", language="en", badge_hint="0042")


@pytest.mark.parametrize("sync, deletable", [("pending", True), ("exported", True),
                                             ("synced", False)])
def test_a_worker_may_delete_their_own_entry_until_the_station_has_it(make_entry, sync,
                                                                      deletable):
    entry = make_entry(author="w-1", sync=sync)
    assert own_entry(entry, WORKER)
    assert may_delete(entry, WORKER) is deletable


@pytest.mark.parametrize("session", [
    Session(author="w-2", language="en"),  # a colleague
    Session.anonymous_session("en"),
    supervisor_session("Anna", "supervisor", "en"),
    None,  # nobody logged in
])
def test_nobody_else_may_delete_it(make_entry, session):
    entry = make_entry(author="w-1")
    assert not own_entry(entry, session) and not may_delete(entry, session)


def test_an_anonymous_entry_is_nobodys_own(make_entry):
    entry = make_entry(author=None)
    assert not own_entry(entry, Session.anonymous_session("en"))
    assert not may_delete(entry, Session.anonymous_session("en"))


def test_deleting_removes_the_entry_and_its_weekly_file(store, make_entry):
    entry = store.save(make_entry(author="w-1", at=1_790_000_000))
    kept = store.save(make_entry(author="w-1", at=1_790_000_000 - 8 * 24 * 3600))
    assert delete_entry(store, entry.id) is None
    assert store.get(entry.id) is None and store.get(kept.id) is not None
    assert len(list((store.data_dir / "entries").glob("*.json"))) == 1
    assert delete_entry(store, entry.id) is None  # already gone: nothing to do


def test_a_full_disk_deletes_nothing_and_says_why(store, make_entry, monkeypatch):
    entry = store.save(make_entry(author="w-1", at=1_790_000_000))
    store.save(make_entry(author="w-1", at=1_790_000_001))  # the weekly file stays: rewritten

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full_disk)
    assert delete_entry(store, entry.id) == "the disk is full"
    monkeypatch.undo()
    assert store.get(entry.id) is not None
    assert delete_entry(store, entry.id) is None and store.get(entry.id) is None


def test_a_failure_after_the_entry_is_gone_counts_as_deleted(store, make_entry, monkeypatch):
    """The last entry of a week: its file is emptied, then removing the empty file fails."""
    entry = store.save(make_entry(author="w-1", at=1_790_000_000))
    real_unlink = Path.unlink

    def stuck(path, missing_ok=False):
        if path.parent.name == "entries":
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", stuck)
    assert delete_entry(store, entry.id) is None
    assert store.get(entry.id) is None
