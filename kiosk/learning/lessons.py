"""Lessons that travel across the floor: the supervisor shares an entry or an adopted idea with
every station (in their own words if they like), and each kiosk shows it under "Learned
elsewhere" and offers it for "seen before?".

A lesson holds the station where it was learned, the day its entry was written, the entry's kind,
category and (for an idea) status, its language, a title and a text. Never the author, the entry
id or the time of day: a lesson cannot be traced back to a person at the kiosks.

Station (lessons.json, tables `shared` and `delivered`): `share_lesson`, `withdraw_lesson`,
`lessons_to_send(kiosk)` for the return batch, `note_offered` when one is sealed and
`mark_delivered` when the kiosk's receipt code is typed. Kiosk (lessons.json, table `received`):
`receive` keeps what a return batch brought, `received_lessons` lists it. Importing the same
lessons again writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any

from kiosk.entries import (CATEGORIES, KINDS, MAX_FIELD_CHARS, MAX_TITLE_CHARS, STATUSES, Entry,
                           now_iso, parse_time)
from kiosk.ids import is_id, new_id
from kiosk.messages import MessageError
from kiosk.store import Store

LESSONS_FILE = "lessons"  # lessons.json in the data folder
SHARED, DELIVERED, RECEIVED = "shared", "delivered", "received"
MAX_RECEIVED = 500  # a kiosk keeps the newest lessons; older ones drop out
MAX_NAME_CHARS = 80
WITHDRAWN = "withdrawn"  # the fingerprint of a lesson taken back
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


class LessonError(MessageError, ValueError):
    """A lesson that cannot be shared or read as given; keys in learning.toml, [errors]."""


@dataclass(frozen=True)
class Lesson:
    id: str  # made at the station when the entry is first shared (not the entry's id)
    station: str  # where it was learned
    day: str  # YYYY-MM-DD the entry was written
    kind: str
    category: str
    status: str  # an idea's status ("new" for an observation)
    language: str
    title: str
    text: str

    visibility = "team"  # for the coach's "seen before?", which looks at entries like this
    author = None

    @property
    def headline(self) -> str:
        return self.title.strip() or (self.text.strip().splitlines() or [""])[0][:MAX_TITLE_CHARS]

    @property
    def learned(self) -> str:  # what "seen before?" searches besides the title
        return self.text

    def validate(self) -> "Lesson":
        problem = _problem(self)
        if problem:
            raise LessonError("learning.errors.bad_lesson", detail=problem)
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> "Lesson":
        if not isinstance(data, dict):
            raise LessonError("learning.errors.bad_lesson", detail="not an object")
        try:
            lesson = cls(**{f.name: data[f.name] for f in fields(cls)})
        except KeyError as missing:
            raise LessonError("learning.errors.bad_lesson", detail=f"{missing} missing") from None
        return lesson.validate()

    def fingerprint(self) -> str:
        text = json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _problem(lesson: Lesson) -> str:
    """What is wrong with a lesson, in English for the log, or ""."""
    if not is_id(lesson.id):
        return "id: not an id"
    texts = {"station": (lesson.station, 80), "title": (lesson.title, MAX_TITLE_CHARS),
             "text": (lesson.text, MAX_FIELD_CHARS)}
    for name, (value, limit) in texts.items():
        if not isinstance(value, str) or len(value) > limit:
            return f"{name}: not text of at most {limit} characters"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return f"{name}: broken text"
    if not lesson.text.strip():
        return "text: empty"
    try:
        if not isinstance(lesson.day, str) or len(lesson.day) != 10:
            raise ValueError
        date.fromisoformat(lesson.day)
    except ValueError:
        return "day: not YYYY-MM-DD"
    for name, allowed in (("kind", KINDS), ("category", CATEGORIES), ("status", STATUSES)):
        if getattr(lesson, name) not in allowed:
            return f"{name}: not one of {', '.join(allowed)}"
    if not isinstance(lesson.language, str) or not _LANGUAGE.match(lesson.language):
        return "language: not a language code"
    return ""


# -- station: sharing ---------------------------------------------------------------------------
def suggested_wording(entry: Entry) -> tuple[str, str]:
    """The title and text a share starts from: the entry's headline and what was learned (or
    else what happened). Nothing for an entry meant for the supervisor only: that one is shared
    in the supervisor's own words."""
    if entry.visibility != "team":
        return "", ""
    for name in ("learned", "what_happened", "noticed", "next_step"):
        text = getattr(entry, name).strip()
        if text:
            return entry.headline, text
    return entry.headline, ""


def share_lesson(store: Store, entry_id: str, *, title: str, text: str, by: str,
                 audit=None) -> Lesson:
    """Share an entry with every station as a lesson (again: with the new wording). The audit
    log records who shared what. An entry meant for the supervisor only must be put in other
    words than the worker's (its text may not repeat a field of the entry)."""
    who = _name(by)
    title, text = _clean(title, MAX_TITLE_CHARS, "title"), _clean(text, MAX_FIELD_CHARS, "text")
    if not text:
        raise LessonError("learning.errors.empty")
    with store.lock:
        entry = store.get(entry_id) if isinstance(entry_id, str) else None
        if entry is None or entry.visibility == "private":
            raise LessonError("learning.errors.no_entry", entry=repr(entry_id))
        if entry.visibility != "team" and _repeats(entry, title, text):
            raise LessonError("learning.errors.own_words")
        table = store.table(LESSONS_FILE, SHARED)
        doc = _shared_doc(store, entry.id)
        lesson = Lesson(doc["lesson"]["id"] if doc else new_id(), entry.station,
                        entry_day(entry.created), entry.kind, entry.category, entry.status,
                        entry.language, title, text).validate()
        if doc is not None and doc["lesson"] == lesson.to_dict() and not doc["withdrawn"]:
            return lesson  # shared already, just so
        _audit(store, audit).append(who=who, action="share_lesson", entry=entry.id,
                                    after={"lesson": lesson.id, "title": title, "text": text})
        record = {"entry": entry.id, "lesson": lesson.to_dict(), "shared": now_iso(),
                  "by": who, "withdrawn": False}
        if doc is None:
            table.insert(record)
        else:
            table.update(record, doc_ids=[doc.doc_id])
    return lesson


def withdraw_lesson(store: Store, entry_id: str, *, by: str, audit=None) -> bool:
    """Take a shared lesson back: kiosks that got it drop it with their next return batch.
    False when the entry was not shared (or is withdrawn already)."""
    who = _name(by)
    with store.lock:
        doc = _shared_doc(store, entry_id)
        if doc is None or doc["withdrawn"]:
            return False
        _audit(store, audit).append(who=who, action="withdraw_lesson", entry=entry_id,
                                    before={"lesson": doc["lesson"]["id"]})
        store.table(LESSONS_FILE, SHARED).update({"withdrawn": True, "by": who},
                                                  doc_ids=[doc.doc_id])
    return True


def shared_lesson(store: Store, entry_id: str) -> Lesson | None:
    """The lesson an entry is shared as now, or None (not shared, or withdrawn)."""
    doc = _shared_doc(store, entry_id)
    return None if doc is None or doc["withdrawn"] else Lesson.from_dict(doc["lesson"])


def shared_records(store: Store) -> list[dict[str, Any]]:
    """Every lesson shared from this station, oldest first: entry id, lesson, when, by whom."""
    with store.lock:
        docs = [dict(d) for d in store.table(LESSONS_FILE, SHARED).all()]
    return sorted(docs, key=lambda d: d["shared"])


def _shared_doc(store: Store, entry_id: str):
    with store.lock:
        return next((d for d in store.table(LESSONS_FILE, SHARED).all()
                     if d["entry"] == entry_id), None)


def _repeats(entry: Entry, title: str, text: str) -> bool:
    """Whether a wording repeats one of the entry's own fields (or its headline)."""
    own = {" ".join(getattr(entry, name).split()).casefold()
           for name in ("what_happened", "noticed", "learned", "next_step", "title")}
    own.add(" ".join(entry.headline.split()).casefold())
    own.discard("")
    return any(" ".join(part.split()).casefold() in own for part in (title, text) if part)


def entry_day(created: str) -> str:
    """The local day an entry was written (what a lesson keeps of its time)."""
    return parse_time(created).astimezone().date().isoformat()


def _clean(value: Any, limit: int, what: str) -> str:
    """`what` is "title" or "text": the keys learning.errors.<what>_not_text, _too_long."""
    if not isinstance(value, str):
        raise LessonError(f"learning.errors.{what}_not_text")
    value = value.strip()
    if len(value) > limit:
        raise LessonError(f"learning.errors.{what}_too_long", limit=limit)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise LessonError(f"learning.errors.{what}_not_text") from None
    return value


def _name(by: Any) -> str:
    if not isinstance(by, str) or not by.strip():
        raise LessonError("errors.review.name.missing")
    if len(by.strip()) > MAX_NAME_CHARS:
        raise LessonError("errors.review.name.too_long", limit=MAX_NAME_CHARS)
    if not by.strip().isprintable():
        raise LessonError("errors.review.name.one_line")
    return by.strip()


def _audit(store: Store, audit):
    from kiosk.review.audit import AuditLog

    return audit if audit is not None else AuditLog(store.data_dir)


# -- station: what each kiosk still needs -------------------------------------------------------
def lessons_to_send(store: Store, kiosk_id: str) -> list[tuple[str, Lesson | None, str]]:
    """(lesson id, lesson or None when withdrawn, fingerprint) of what `kiosk_id` does not have
    as it is now, oldest first. An idea's status is taken from its entry as it is now. A
    withdrawal goes only to a kiosk that was offered the lesson."""
    with store.lock:
        state = _delivered_doc(store, kiosk_id)
        have, offered = state.get("lessons", {}), set(state.get("offered", []))
        out = []
        docs = sorted(store.table(LESSONS_FILE, SHARED).all(), key=lambda d: d["shared"])
        for doc in docs:
            lesson = _refreshed(store, doc)
            fingerprint = WITHDRAWN if doc["withdrawn"] else lesson.fingerprint()
            known = have.get(lesson.id)
            if known == fingerprint or (doc["withdrawn"] and known is None
                                        and lesson.id not in offered):
                continue
            out.append((lesson.id, None if doc["withdrawn"] else lesson, fingerprint))
    return out


def _refreshed(store: Store, doc: dict[str, Any]) -> Lesson:
    """The lesson with its idea's status as the entry has it now (kept, if it changed)."""
    lesson = Lesson.from_dict(doc["lesson"])
    entry = store.get(doc["entry"])
    if entry is not None and entry.status != lesson.status:
        lesson = Lesson(**{**lesson.to_dict(), "status": entry.status})
        store.table(LESSONS_FILE, SHARED).update({"lesson": lesson.to_dict()},
                                                  doc_ids=[doc.doc_id])
    return lesson


def _delivered_doc(store: Store, kiosk_id: str):
    return next((d for d in store.table(LESSONS_FILE, DELIVERED).all()
                 if d["kiosk"] == kiosk_id), {})


def _set_delivered(store: Store, kiosk_id: str, **changes: Any) -> None:
    table = store.table(LESSONS_FILE, DELIVERED)
    doc = _delivered_doc(store, kiosk_id)
    if doc:
        table.update(changes, doc_ids=[doc.doc_id])
    else:
        table.insert({"kiosk": kiosk_id, "lessons": {}, "offered": [], **changes})


def note_offered(store: Store, kiosk_id: str, lesson_ids: list[str]) -> None:
    """These lessons are in a return batch for `kiosk_id` (so a withdrawal will follow them)."""
    with store.lock:
        offered = list(_delivered_doc(store, kiosk_id).get("offered", []))
        new = [i for i in lesson_ids if i not in offered]
        if new:
            _set_delivered(store, kiosk_id, offered=offered + new)


def mark_delivered(store: Store, kiosk_id: str, versions: dict[str, str]) -> None:
    """The kiosk typed back the receipt of a return batch holding these lesson versions."""
    if not versions:
        return
    with store.lock:
        have = dict(_delivered_doc(store, kiosk_id).get("lessons", {}))
        if any(have.get(i) != f for i, f in versions.items()):
            _set_delivered(store, kiosk_id, lessons={**have, **versions})


# -- kiosk: lessons received ----------------------------------------------------------------------
def receive(store: Store, items: list[tuple[str, Lesson | None]]) -> int:
    """Keep the lessons of a return batch (None: withdrawn, remove it). Returns how many were
    added, changed or removed; the same lessons again write nothing."""
    table = store.table(LESSONS_FILE, RECEIVED)
    with store.lock:
        docs = {d["lesson"]["id"]: d for d in table.all()}
        new, gone, changed = [], [], 0
        for lesson_id, lesson in items:
            doc = docs.get(lesson_id)
            if lesson is None:
                if doc is not None and doc.doc_id not in gone:
                    gone.append(doc.doc_id)
            elif doc is None:
                if all(n["lesson"]["id"] != lesson_id for n in new):
                    new.append({"lesson": lesson.to_dict(), "received": now_iso()})
            elif doc["lesson"] != lesson.to_dict():
                table.update({"lesson": lesson.to_dict()}, doc_ids=[doc.doc_id])
                changed += 1
        if gone:
            table.remove(doc_ids=gone)
        if new:
            table.insert_multiple(new)
        _keep_newest(table)
    return len(new) + len(gone) + changed


def _keep_newest(table) -> None:
    docs = table.all()
    if len(docs) > MAX_RECEIVED:
        docs.sort(key=lambda d: (d["lesson"]["day"], d["lesson"]["id"]))
        table.remove(doc_ids=[d.doc_id for d in docs[:len(docs) - MAX_RECEIVED]])


def received_lessons(store: Store) -> list[Lesson]:
    """The lessons from the supervisor station here, newest first (unreadable ones left out)."""
    with store.lock:
        docs = store.table(LESSONS_FILE, RECEIVED).all()
    found = []
    for doc in docs:
        try:
            found.append(Lesson.from_dict(doc.get("lesson")))
        except LessonError:
            continue
    return sorted(found, key=lambda lesson: (lesson.day, lesson.id), reverse=True)


@dataclass(frozen=True)
class SeenBefore:
    """A lesson as "seen before?" offers it: its headline says where it was learned."""

    lesson: Lesson
    visibility = "team"
    author = None

    @property
    def id(self) -> str:
        return self.lesson.id

    @property
    def title(self) -> str:
        return self.lesson.title

    @property
    def learned(self) -> str:
        return self.lesson.text

    @property
    def language(self) -> str:
        return self.lesson.language

    @property
    def headline(self) -> str:
        return f"{self.lesson.station}: {self.lesson.headline}"


def seen_before_candidates(store: Store) -> list[SeenBefore]:
    """Lessons from elsewhere, for "seen before?" beside the station's own entries."""
    return [SeenBefore(lesson) for lesson in received_lessons(store)]


# -- retention ----------------------------------------------------------------------------------
def remove_older_than(store: Store, cutoff_iso: str) -> int:
    """Privacy retention: lessons shared (station) or received (kiosk) before `cutoff_iso`."""
    removed = 0
    with store.lock:
        for name, stamp in ((SHARED, "shared"), (RECEIVED, "received")):
            table = store.table(LESSONS_FILE, name)
            old = [d.doc_id for d in table.all() if str(d.get(stamp, "")) < cutoff_iso]
            if old:
                table.remove(doc_ids=old)
                removed += len(old)
    return removed
