"""A worker withdraws their own entry from "My entries" while the supervisor does not have it yet:
the worker decides what leaves the device. Which entries may go, and deleting one."""

from __future__ import annotations

from kiosk.entries import Entry
from kiosk.identity import Session
from kiosk.store import Store
from kiosk.store_errors import StoreError, StoreWriteError


def own_entry(entry: Entry, session: Session | None) -> bool:
    """Written by whoever is logged in now (never for an anonymous session)."""
    return session is not None and session.author is not None and entry.author == session.author


def may_delete(entry: Entry, session: Session | None) -> bool:
    """The author may delete an entry the supervisor does not have yet: "pending" ones, and
    "exported" ones (shown as QR codes, no receipt yet). "synced" ones stay."""
    return own_entry(entry, session) and entry.sync != "synced"


def delete_entry(store: Store, entry_id: str) -> str | None:
    """Delete the entry from the store: None when it is gone, else why it is still there."""
    from kiosk.learning.records import learning_records

    try:
        store.remove_entries([entry_id])
        learning_records(store).remove_followups([entry_id])  # its follow-up goes with it
    except StoreError as exc:
        if _still_stored(store, entry_id):
            return exc.reason if isinstance(exc, StoreWriteError) else str(exc)
        # The entry itself is gone; what failed came after it (its conflict records, or
        # removing the then empty weekly file). The worker's wish is done.
    return None


def _still_stored(store: Store, entry_id: str) -> bool:
    try:
        return store.get(entry_id) is not None
    except StoreError:
        return True
