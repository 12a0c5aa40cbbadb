"""Closing the loop at the kiosk: which supervisor answers a worker has not read yet, and how long
the first answer took (for the "your idea was answered after 2 days" message at login)."""

from __future__ import annotations

from kiosk.entries import Entry, parse_time
from kiosk.store import Store


def _read_key(author: str) -> str:
    return f"answers_read:{author}"


def unread_answers(store: Store, author: str) -> list[str]:
    """Ids of the author's answered entries they have not opened "My entries" on since."""
    seen = set(store.get_meta(_read_key(author), []))
    return [e.id for e in store.by_author(author) if e.responses and e.id not in seen]


def mark_answers_read(store: Store, author: str, entry_ids: list[str]) -> None:
    """The author has seen the answers of these entries (written only when something is new)."""
    seen = set(store.get_meta(_read_key(author), []))
    if not set(entry_ids) <= seen:
        store.set_meta(_read_key(author), sorted(seen | set(entry_ids)))


def answer_wait(entry: Entry) -> tuple[str, dict]:
    """How long the first answer took, as an i18n key and its values: minutes under an hour
    (at least 1), hours under two days, else days."""
    waited = parse_time(entry.responses[0].at) - parse_time(entry.created)
    seconds = max(0.0, waited.total_seconds())
    hours = round(seconds / 3600)
    if seconds < 3600:
        return "login.after_minutes", {"minutes": max(1, round(seconds / 60))}
    if hours < 48:
        return "login.after_hours", {"hours": hours}
    return "login.after_days", {"days": round(hours / 24)}
