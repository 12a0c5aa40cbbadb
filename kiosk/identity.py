"""Who is at the kiosk: badge codes become pseudonyms; the badge itself is never stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from dataclasses import dataclass

MIN_BADGE, MAX_BADGE = 3, 64


class BadgeError(ValueError):
    """A badge code that cannot be used; the message key says why."""


def normalise_badge(code: str) -> str:
    """Strip what a keyboard-wedge scanner or a person adds around a badge code."""
    code = unicodedata.normalize("NFKC", code).strip()
    if not MIN_BADGE <= len(code) <= MAX_BADGE:
        raise BadgeError("login.badge_length")
    if any(not ch.isprintable() for ch in code):
        raise BadgeError("login.badge_chars")
    return code


def pseudonym(site_key: str, badge: str) -> str:
    """A stable, non-reversible author name for a badge at this site, e.g. `w-5KQ2M7TA`."""
    digest = hmac.new(site_key.encode(), normalise_badge(badge).encode(), hashlib.sha256)
    return "w-" + base64.b32encode(digest.digest()[:5]).decode()


@dataclass(frozen=True)
class Session:
    """One worker's turn at the kiosk."""

    author: str | None  # pseudonym, or None for an anonymous session
    language: str
    badge_hint: str = ""  # last characters of the badge, only for the screen
    role: str = "worker"  # "worker", or "supervisor" / "admin" at the supervisor station
    name: str = ""  # a supervisor's display name, shown to workers with answers

    @property
    def anonymous(self) -> bool:
        return self.author is None and self.role == "worker"

    def draft_key(self, station: str) -> str:
        """Where this session's unfinished entry is kept: per badge, or one shared anonymous slot."""
        return self.author if self.author else f"anonymous@{station}"

    @classmethod
    def for_badge(cls, site_key: str, badge: str, language: str) -> "Session":
        code = normalise_badge(badge)
        return cls(author=pseudonym(site_key, code), language=language, badge_hint=code[-4:])

    @classmethod
    def anonymous_session(cls, language: str) -> "Session":
        return cls(author=None, language=language)


def remembered_language(store, author: str | None) -> str | None:
    """The language this badge chose at this kiosk before, if any (kept in the store's meta
    under the pseudonym, on the kiosk only: meta is never synced)."""
    if author is None:
        return None
    language = store.get_meta(_language_key(author))
    return language if isinstance(language, str) else None


def remember_language(store, author: str | None, language: str) -> None:
    """Keep this badge's language for its next login (nothing for an anonymous session)."""
    if author is not None and store.get_meta(_language_key(author)) != language:
        store.set_meta(_language_key(author), language)


def _language_key(author: str) -> str:
    return f"language:{author}"


def supervisor_session(name: str, role: str, language: str) -> Session:
    return Session(author=None, language=language, role=role, name=name)
