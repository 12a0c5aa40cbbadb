"""Shared lessons in the return batch (station to kiosk): the batch key `sl`, one object a lesson.

    {"i": lesson id, "st": station, "d": "YYYY-MM-DD", "n": kind, "c": category, "s": status,
     "g": language, "h": title, "x": text}          a lesson (new, or changed: same id)
    {"i": lesson id, "w": 1}                         a lesson the supervisor took back

`n`, `c` and `s` are indexes in the frozen tables of payload.py (or the value as text);
`n` and `s` are left out when 0 (observation, new), `h` when empty. Unknown keys in a lesson
are ignored, so a later station may add some. A batch without lessons has no `sl` at all: it is
the return batch of before, and a kiosk app of before ignores the key (it reads `e` only).
No author, entry id or time of day travels (kiosk/learning/lessons.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk.ids import is_id
from kiosk.learning import lessons
from kiosk.learning.lessons import Lesson, LessonError
from kiosk.store import Store
from kiosk.sync.errors import PayloadError
from kiosk.sync.payload import CATEGORIES, KINDS, STATUSES

LESSONS_KEY = "sl"
_ENUMS = {"kind": ("n", KINDS), "category": ("c", CATEGORIES), "status": ("s", STATUSES)}
_TEXTS = {"station": "st", "day": "d", "language": "g", "title": "h", "text": "x"}


@dataclass
class ReturnLessons:
    """The lessons one return batch carries: header keys, and each lesson's version."""

    header: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)  # lesson id -> fingerprint

    @property
    def count(self) -> int:
        return len(self.versions)


def for_kiosk(store: Store, kiosk_id: str, limit: int | None = None) -> ReturnLessons:
    """What `kiosk_id` should get: lessons new or changed for it, and withdrawals."""
    items = lessons.lessons_to_send(store, kiosk_id)[:limit]
    if not items:
        return ReturnLessons()
    return ReturnLessons({LESSONS_KEY: [pack(lesson_id, lesson) for lesson_id, lesson, _ in items]},
                         {lesson_id: fingerprint for lesson_id, _, fingerprint in items})


def pack(lesson_id: str, lesson: Lesson | None) -> dict[str, Any]:
    if lesson is None:
        return {"i": lesson_id, "w": 1}
    row: dict[str, Any] = {"i": lesson.id}
    for name, key in _TEXTS.items():
        value = getattr(lesson, name)
        if value or key != "h":
            row[key] = value
    for name, (key, table) in _ENUMS.items():
        value = getattr(lesson, name)
        index = table.index(value) if value in table else value
        if index != 0 or key == "c":
            row[key] = index
    return row


def unpack(document: dict[str, Any]) -> list[tuple[str, Lesson | None]]:
    """The lessons of a return batch document (none when it has no `sl`); PayloadError on a
    malformed one, so nothing of the batch is imported."""
    rows = document.get(LESSONS_KEY, [])
    if not isinstance(rows, list):
        raise PayloadError("payload.detail", detail="shared lessons: not a list")
    found = []
    for number, row in enumerate(rows, 1):
        try:
            found.append(_unpack_one(row))
        except (LessonError, TypeError, ValueError) as exc:
            raise PayloadError("payload.detail", detail=f"shared lesson {number}: {exc}") from None
    return found


def _unpack_one(row: Any) -> tuple[str, Lesson | None]:
    if not isinstance(row, dict) or not is_id(row.get("i")):
        raise ValueError("malformed, or no lesson id")
    if row.get("w") == 1:
        return row["i"], None
    values: dict[str, Any] = {"id": row["i"]}
    for name, key in _TEXTS.items():
        values[name] = row.get(key, "") if key == "h" else row[key] if key in row else None
    for name, (key, table) in _ENUMS.items():
        value = row.get(key, 0)
        values[name] = table[value] if type(value) is int and 0 <= value < len(table) else value
    try:
        return row["i"], Lesson(**values).validate()
    except LessonError as exc:
        raise ValueError(str(exc)) from None


def apply(store: Store, items: list[tuple[str, Lesson | None]]) -> int:
    """Kiosk: keep the lessons of an imported return batch (`unpack`); how many changed."""
    return lessons.receive(store, items) if items else 0


def offered(store: Store, kiosk_id: str, sent: ReturnLessons) -> None:
    """Station: these lessons are in a return batch for `kiosk_id` (a withdrawal follows)."""
    if sent.count:
        lessons.note_offered(store, kiosk_id, list(sent.versions))


def delivered(store: Store, record: dict[str, Any]) -> int:
    """Station: the receipt of a return batch came back; its lessons are at the kiosk."""
    versions = record.get("lessons", {})
    lessons.mark_delivered(store, record.get("to"), versions)
    return len(versions)
