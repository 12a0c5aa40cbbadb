"""Supervisor actions on one entry: mark seen, answer, change an idea's status.

Each action validates its input (raising `ReviewError` with a message for the supervisor, keys
in content/strings/<lang>/errors.toml, `[review]`),
writes an audit record (who, what, entry id, before/after of the changed fields), saves the
entry with `Store.save` and updates the `ReviewIndex` when one is given. The audit record is
written first: if saving then fails, a second record says so, so the log never misses an
attempt. Private entries cannot be reviewed; they never reach the supervisor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.entries import MAX_FIELD_CHARS, STATUSES, Entry, Response, now_iso
from kiosk.messages import MessageError
from kiosk.review.audit import AuditError, AuditLog
from kiosk.review.queue import ReviewIndex, forget_old_weeks
from kiosk.store import Store

MAX_NAME_CHARS = 80


class ReviewError(MessageError, ValueError):
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
        raise ReviewError("errors.review.unknown_status", status=repr(status),
                          statuses=", ".join(STATUSES))
    reason = _clean_text(reason, "reason", required=status == "declined")

    def change(entry: Entry) -> Change | None:
        if entry.kind != "idea":
            raise ReviewError("errors.review.not_idea")
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
        raise ReviewError("errors.review.name.missing")
    by = by.strip()
    if len(by) > MAX_NAME_CHARS:
        raise ReviewError("errors.review.name.too_long", limit=MAX_NAME_CHARS)
    if not by.isprintable():
        raise ReviewError("errors.review.name.one_line")
    return by


def _clean_text(text: Any, what: str, *, required: bool) -> str:
    """`what` is "answer" or "reason": errors.review.answer.* or errors.review.reason.*"""
    if not isinstance(text, str):
        raise ReviewError(f"errors.review.{what}.not_text")
    text = text.strip()
    if required and not text:
        raise ReviewError(f"errors.review.{what}.empty")
    if len(text) > MAX_FIELD_CHARS:
        raise ReviewError(f"errors.review.{what}.too_long", limit=MAX_FIELD_CHARS)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ReviewError(f"errors.review.{what}.broken") from None
    return text


def _apply(store: Store, entry_id: str, action: str, by: str,
           change: Callable[[Entry], Change | None], index: ReviewIndex | None,
           audit: AuditLog | None) -> Entry:
    who = _clean_name(by)
    if store.readonly:
        raise ReviewError("errors.review.read_only")
    audit = audit or AuditLog(store.data_dir)
    with store.lock:  # get, save and index update are one step for other threads
        entry = store.get(entry_id) if isinstance(entry_id, str) else None
        if entry is None or entry.visibility == "private":
            raise ReviewError("errors.review.no_entry", entry=repr(entry_id))
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
