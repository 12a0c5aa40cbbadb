"""Supervisor actions on one entry: mark seen, answer, change an idea's status.

Each action validates its input (raising `ReviewError` with a message for the supervisor),
writes an audit record (who, what, entry id, before/after of the changed fields), saves the
entry with `Store.save` and updates the `ReviewIndex` when one is given. The audit record is
written first: if saving then fails, a second record says so, so the log never misses an
attempt. Private entries cannot be reviewed; they never reach the supervisor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.entries import MAX_FIELD_CHARS, STATUSES, Entry, Response, now_iso
from kiosk.review.audit import AuditError, AuditLog
from kiosk.review.queue import ReviewIndex, forget_old_weeks
from kiosk.store import Store

MAX_NAME_CHARS = 80


class ReviewError(ValueError):
    """An action that cannot be done as asked; the message says why."""


Change = tuple[Entry, dict[str, Any], dict[str, Any]]  # (new entry, before, after)


def mark_seen(store: Store, entry_id: str, *, by: str, index: ReviewIndex | None = None,
              audit: AuditLog | None = None) -> Entry:
    """Mark an entry seen (an idea still "new" becomes "seen"). No change, no audit record."""

    def change(entry: Entry) -> Change | None:
        updates = _seen_updates(entry)
        if not updates:
            return None
        return entry.touched(**updates), _before(entry, updates), updates

    return _apply(store, entry_id, "mark_seen", by, change, index, audit)


def answer(store: Store, entry_id: str, text: str, *, by: str,
           index: ReviewIndex | None = None, audit: AuditLog | None = None) -> Entry:
    """Append the supervisor's answer (signed with their display name); marks the entry seen."""
    text = _clean_text(text, "answer", required=True)
    who = _clean_name(by)

    def change(entry: Entry) -> Change:
        updates: dict[str, Any] = _seen_updates(entry)
        responses = [*entry.responses, Response(at=now_iso(), by=who, text=text)]
        before = {**_before(entry, updates), "answers": len(entry.responses)}
        after = {**updates, "answers": len(responses), "answer": text}
        return entry.touched(**updates, responses=responses), before, after

    return _apply(store, entry_id, "answer", who, change, index, audit)


def set_status(store: Store, entry_id: str, status: str, *, by: str, reason: str = "",
               index: ReviewIndex | None = None, audit: AuditLog | None = None) -> Entry:
    """Move an idea to `status` (new, seen, trying, adopted, declined). Declining needs a
    reason, which the worker will read; any other status keeps an optional note as reason."""
    if status not in STATUSES:
        raise ReviewError(f"Unknown status {status!r}: choose one of {', '.join(STATUSES)}.")
    reason = _clean_text(reason, "reason", required=status == "declined")

    def change(entry: Entry) -> Change | None:
        if entry.kind != "idea":
            raise ReviewError("Only ideas have a status; this entry is an observation. "
                              "Mark it seen or answer it instead.")
        updates: dict[str, Any] = {"status": status, "status_reason": reason, "seen": True}
        updates = {k: v for k, v in updates.items() if getattr(entry, k) != v}
        if not updates:
            return None
        return entry.touched(**updates), _before(entry, updates), updates

    return _apply(store, entry_id, "set_status", by, change, index, audit)


# -- shared ------------------------------------------------------------------------------------
def _seen_updates(entry: Entry) -> dict[str, Any]:
    updates: dict[str, Any] = {}
    if not entry.seen:
        updates["seen"] = True
    if entry.kind == "idea" and entry.status == "new":
        updates["status"] = "seen"
    return updates


def _before(entry: Entry, updates: dict[str, Any]) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in updates}


def _clean_name(by: Any) -> str:
    if not isinstance(by, str) or not by.strip():
        raise ReviewError("Who is reviewing? A supervisor display name is needed.")
    by = by.strip()
    if len(by) > MAX_NAME_CHARS:
        raise ReviewError(f"The display name is longer than {MAX_NAME_CHARS} characters.")
    if not by.isprintable():
        raise ReviewError("The display name must be one line of plain text.")
    return by


def _clean_text(text: Any, what: str, *, required: bool) -> str:
    if not isinstance(text, str):
        raise ReviewError(f"The {what} must be text.")
    text = text.strip()
    if required and not text:
        raise ReviewError("Declining an idea needs a reason: the worker reads it."
                          if what == "reason" else f"The {what} is empty.")
    if len(text) > MAX_FIELD_CHARS:
        raise ReviewError(f"The {what} is longer than {MAX_FIELD_CHARS} characters.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ReviewError(f"The {what} contains broken characters.") from None
    return text


def _apply(store: Store, entry_id: str, action: str, by: str,
           change: Callable[[Entry], Change | None], index: ReviewIndex | None,
           audit: AuditLog | None) -> Entry:
    who = _clean_name(by)
    if store.readonly:
        raise ReviewError("The data folder is open read-only; nothing can be changed.")
    audit = audit or AuditLog(store.data_dir)
    with store.lock:  # get, save and index update are one step for other threads
        entry = store.get(entry_id) if isinstance(entry_id, str) else None
        if entry is None or entry.visibility == "private":
            raise ReviewError(f"There is no entry {entry_id!r} at this station.")
        result = change(entry)
        if result is None:
            return entry
        updated, before, after = result
        audit.append(who=who, action=action, entry=entry.id, before=before, after=after)
        try:
            store.save(updated)
        except Exception as exc:  # a StoreError, or whatever else stopped the save
            try:
                audit.append(who=who, action=f"{action}_failed", entry=entry.id,
                             note=f"not saved: {exc}")
            except AuditError:
                pass  # the log is failing too: report the save's own error
            raise
        if index is not None:
            index.put(updated)
        forget_old_weeks(store, updated.id)
    return updated


__all__ = ["ReviewError", "mark_seen", "answer", "set_status", "MAX_NAME_CHARS"]
