"""The Entry record: one learn-by-doing reflection or improvement idea, its schema and validation.
Its id is a ULID (kiosk/ids.py).

Entries are plain data (no I/O). `Entry.to_dict()` / `Entry.from_dict()` are the stored and
synced form; `from_dict` validates and raises `EntryError` naming the field that is wrong (keys
in content/strings/<lang>/errors.toml, `[entry]`), and migrates older schema versions (see
`MIGRATIONS`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from kiosk.ids import is_id, new_id
from kiosk.messages import Message, MessageError

SCHEMA_VERSION = 2  # 2: `urgent`

KINDS = ("observation", "idea")
CATEGORIES = ("safety", "quality", "flow", "maintenance", "teamwork", "other")
VISIBILITIES = ("team", "supervisor", "private")
STATUSES = ("new", "seen", "trying", "adopted", "declined")
REFLECTION_FIELDS = ("what_happened", "noticed", "learned", "next_step")
SUGGESTION_KINDS = ("question", "idea", "title", "category")
VERDICTS = ("accepted", "edited", "dismissed")
SYNC_STATES = ("pending", "exported", "synced")

_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")
MAX_FIELD_CHARS = 4000
MAX_TITLE_CHARS = 120


# The fields a worker fills in or chooses: an error names them in the reader's language.
NAMED_FIELDS = ("entry", "kind", "category", "visibility", *REFLECTION_FIELDS, "title")


class EntryError(MessageError, ValueError):
    """An entry that does not validate; the message names the field:
    `EntryError("errors.entry.<problem>", field=..., **values)`."""

    def __init__(self, key: str, *, field: str, **values: Any):
        super().__init__(key, field=Message(f"errors.entry.field.{field}")
                         if field in NAMED_FIELDS else field, **values)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Suggestion:
    """Something the coach offered, where it came from, and what the worker did with it."""

    kind: str
    text: str
    source: str  # model name, or "bank" for the curated question bank
    verdict: str | None = None
    final_text: str | None = None  # the worker's edited version, when verdict == "edited"

    def validate(self, where: str) -> None:
        _one_of(self.kind, SUGGESTION_KINDS, f"{where}.kind")
        _text(self.text, f"{where}.text", MAX_FIELD_CHARS)
        _text(self.source, f"{where}.source", 200)
        if self.verdict is not None:
            _one_of(self.verdict, VERDICTS, f"{where}.verdict")
        if self.final_text is not None:
            _text(self.final_text, f"{where}.final_text", MAX_FIELD_CHARS)


@dataclass
class Response:
    """A supervisor's answer to an entry."""

    at: str
    by: str
    text: str

    def validate(self, where: str) -> None:
        _time(self.at, f"{where}.at")
        _text(self.by, f"{where}.by", 80)
        _text(self.text, f"{where}.text", MAX_FIELD_CHARS)


@dataclass
class Entry:
    id: str
    kiosk_id: str
    station: str
    line: str
    author: str | None
    language: str
    kind: str
    category: str
    urgent: bool = False  # the worker marked it urgent or a safety matter: shown first
    what_happened: str = ""
    noticed: str = ""
    learned: str = ""
    next_step: str = ""
    title: str = ""
    visibility: str = "team"
    suggestions: list[Suggestion] = field(default_factory=list)
    created: str = field(default_factory=now_iso)
    updated: str = ""
    status: str = "new"
    status_reason: str = ""
    responses: list[Response] = field(default_factory=list)
    seen: bool = False
    sync: str = "pending"
    schema: int = SCHEMA_VERSION

    @classmethod
    def new(cls, *, kiosk_id: str, station: str, line: str, author: str | None,
            language: str, kind: str = "observation", category: str = "other",
            **fields: Any) -> "Entry":
        created = now_iso()
        entry = cls(id=new_id(kiosk_id=kiosk_id), kiosk_id=kiosk_id, station=station, line=line,
                    author=author, language=language, kind=kind, category=category,
                    created=created, updated=created, **fields)
        entry.validate()
        return entry

    # -- validation ---------------------------------------------------------------------------
    def validate(self) -> "Entry":
        _check(is_id(self.id), "id", "errors.entry.not_id", value=repr(self.id))
        _text(self.kiosk_id, "kiosk_id", 32, required=True)
        _text(self.station, "station", 80)
        _text(self.line, "line", 80)
        if self.author is not None:
            _text(self.author, "author", 64, required=True)
        _language(self.language, "language")
        _one_of(self.kind, KINDS, "kind")
        _one_of(self.category, CATEGORIES, "category")
        _check(isinstance(self.urgent, bool), "urgent", "errors.entry.not_bool")
        for name in REFLECTION_FIELDS:
            _text(getattr(self, name), name, MAX_FIELD_CHARS)
        _check(any(getattr(self, name).strip() for name in REFLECTION_FIELDS),
               "what_happened", "errors.entry.no_reflection")
        _text(self.title, "title", MAX_TITLE_CHARS)
        _one_of(self.visibility, VISIBILITIES, "visibility")
        _check(isinstance(self.suggestions, list), "suggestions", "errors.entry.not_list")
        for i, suggestion in enumerate(self.suggestions):
            _check(isinstance(suggestion, Suggestion), f"suggestions[{i}]",
                   "errors.entry.not_suggestion")
            suggestion.validate(f"suggestions[{i}]")
        _time(self.created, "created")
        _time(self.updated or self.created, "updated")
        _one_of(self.status, STATUSES, "status")
        _text(self.status_reason, "status_reason", MAX_FIELD_CHARS)
        _check(isinstance(self.responses, list), "responses", "errors.entry.not_list")
        for i, response in enumerate(self.responses):
            _check(isinstance(response, Response), f"responses[{i}]", "errors.entry.not_response")
            response.validate(f"responses[{i}]")
        _check(isinstance(self.seen, bool), "seen", "errors.entry.not_bool")
        _one_of(self.sync, SYNC_STATES, "sync")
        _check(self.schema == SCHEMA_VERSION, "schema", "errors.entry.not_version",
               version=SCHEMA_VERSION)
        return self

    # -- (de)serialisation --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> "Entry":
        if not isinstance(data, dict):
            raise EntryError("errors.entry.not_object", field="entry")
        data = migrate(dict(data))
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise EntryError("errors.entry.unknown_field", field=unknown[0])
        missing = [name for name in ("id", "kiosk_id", "station", "line", "author", "language",
                                     "kind", "category") if name not in data]
        if missing:
            raise EntryError("errors.entry.missing", field=missing[0])
        try:
            suggestions = [Suggestion(**s) for s in data.get("suggestions", [])]
            responses = [Response(**r) for r in data.get("responses", [])]
        except TypeError as exc:
            raise EntryError("errors.entry.malformed", field="suggestions/responses",
                             detail=str(exc)) from None
        entry = cls(**{**data, "suggestions": suggestions, "responses": responses})
        return entry.validate()

    # -- helpers ------------------------------------------------------------------------------
    def touched(self, **changes: Any) -> "Entry":
        """A copy with `changes` applied and `updated` set to now."""
        return replace(self, **changes, updated=now_iso())

    @property
    def headline(self) -> str:
        """The title, or the first line of the first filled-in reflection field."""
        return headline_of(vars(self))

    @property
    def shared(self) -> bool:
        return self.visibility == "team"


def headline_of(record: Mapping[str, Any]) -> str:
    """The headline of an entry's fields (an Entry's or a stored dict): the title, or the first
    line of the first filled-in reflection field."""
    title = record.get("title", "").strip()
    if title:
        return title
    for name in REFLECTION_FIELDS:
        text = record.get(name, "").strip()
        if text:
            return text.splitlines()[0][:MAX_TITLE_CHARS]
    return ""


def _check(cond: bool, name: str, key: str, **values: Any) -> None:
    if not cond:
        raise EntryError(key, field=name, **values)


def _text(value: Any, name: str, limit: int, *, required: bool = False) -> None:
    _check(isinstance(value, str), name, "errors.entry.not_text")
    _check(len(value) <= limit, name, "errors.entry.too_long", limit=limit)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, e.g. from a hand-made JSON import
        raise EntryError("errors.entry.broken_text", field=name) from None
    if required:
        _check(value.strip() != "", name, "errors.entry.empty")


def _one_of(value: Any, allowed: tuple[str, ...], name: str) -> None:
    _check(value in allowed, name, "errors.entry.not_one_of", allowed=", ".join(allowed),
           value=repr(value))


def _language(value: Any, name: str) -> None:
    """Any language the app has content for, or that CLDR knows (a kiosk may offer a language
    this station has no folder for yet: its entries still come in, with English labels)."""
    if not (isinstance(value, str) and is_language(value)):
        from kiosk.i18n import available_languages

        _one_of(value, tuple(available_languages()), name)


@lru_cache(maxsize=256)
def is_language(code: str) -> bool:
    """A lower-case ISO 639 code (2 or 3 letters) that CLDR (babel) knows or content/ has."""
    if not _LANGUAGE_RE.match(code):
        return False
    from kiosk.i18n import available_languages
    from kiosk.plurals import knows

    return code in available_languages() or knows(code)


def _time(value: Any, name: str) -> None:
    _check(isinstance(value, str), name, "errors.entry.not_time_text")
    try:
        parse_time(value)
    except ValueError:
        raise EntryError("errors.entry.not_time", field=name, value=repr(value)) from None


# Migrations: schema N -> N+1, each a pure function on the dict. Add one per schema change: sync
# import applies them to incoming entries, and opening a data folder to every stored entry
# (kiosk/store_upgrade.py).
def _add_urgent(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 -> 2: entries get `urgent`; every older entry was not flagged."""
    return {**data, "urgent": False}


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _add_urgent}


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    version = data.get("schema", SCHEMA_VERSION)
    if not isinstance(version, int) or version < 1 or version > SCHEMA_VERSION:
        raise EntryError("errors.entry.unsupported_schema", field="schema",
                         version=repr(version), latest=SCHEMA_VERSION)
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
        data["schema"] = version
    return data
