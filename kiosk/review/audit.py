"""Append-only audit log of supervisor actions: `audit.jsonl` in the data folder.

One JSON object per line: when, who (the supervisor's display name), action, entry id, and the
before/after values of the fields that changed. Lines are only ever appended (O_APPEND, fsync
per line); nothing is rewritten. Entry authors are never written here: an entry is referenced
by its id only. A torn last line (power cut mid-append) is reported by `read_audit` and
skipped, and the next append starts on a fresh line.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.entries import now_iso
from kiosk.durable import fsync_dir

AUDIT_FILE = "audit.jsonl"
AUDIT_VERSION = 1


class AuditError(Exception):
    """The audit log could not be written; the message says why and what to do."""


@dataclass(frozen=True)
class AuditRecord:
    at: str
    who: str
    action: str
    entry: str
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = {"v": AUDIT_VERSION, "at": self.at, "who": self.who, "action": self.action,
                "entry": self.entry, "before": self.before, "after": self.after}
        if self.note:
            data["note"] = self.note
        return data


@dataclass(frozen=True)
class AuditProblem:
    line: int  # 1-based line number in the file
    problem: str


@dataclass
class AuditContents:
    records: list[AuditRecord]
    problems: list[AuditProblem]


class AuditLog:
    """The audit log of one data folder. Use it while holding the store's folder lock."""

    def __init__(self, data_dir: str | os.PathLike):
        self.path = Path(data_dir) / AUDIT_FILE

    def append(self, *, who: str, action: str, entry: str, before: dict[str, Any] | None = None,
               after: dict[str, Any] | None = None, note: str = "") -> AuditRecord:
        """Append one record and fsync it; durable when this returns."""
        record = AuditRecord(now_iso(), who, action, entry, dict(before or {}),
                             dict(after or {}), note)
        line = json.dumps(record.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n"
        created = not self.path.exists()
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    line = "\n" + line  # a torn last line stays a line of its own
                data = line.encode("utf-8")
                while data:  # a regular file rarely takes less, but never lose the rest
                    data = data[os.write(fd, data):]
                os.fsync(fd)
            finally:
                os.close(fd)
            if created:
                fsync_dir(self.path.parent)
        except OSError as exc:
            raise AuditError(f"Could not write the audit log {self.path}: "
                             f"{exc.strerror or exc}. Free disk space or call IT.") from exc
        return record

    def read(self) -> AuditContents:
        return read_audit(self.path)


def read_audit(path: str | os.PathLike) -> AuditContents:
    """Every readable record, oldest first, and the lines that could not be read."""
    records: list[AuditRecord] = []
    problems: list[AuditProblem] = []
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return AuditContents(records, problems)
    lines = raw.split(b"\n")
    last = len(lines)
    if lines and lines[-1] == b"":
        lines.pop()
        last = 0  # the file ends with a newline: no line is unfinished
    for number, data in enumerate(lines, 1):
        if not data.strip():
            continue
        try:
            value = json.loads(data.decode("utf-8"))
            records.append(AuditRecord(
                at=_text(value, "at"), who=_text(value, "who"), action=_text(value, "action"),
                entry=_text(value, "entry"), before=_table(value, "before"),
                after=_table(value, "after"), note=str(value.get("note", ""))))
        except (UnicodeDecodeError, json.JSONDecodeError, TypeError, ValueError) as exc:
            torn = number == last
            problems.append(AuditProblem(number, "unfinished last line (the app stopped while "
                                                 "writing it); skipped" if torn else
                                         f"not a valid record ({exc}); skipped"))
    return AuditContents(records, problems)


def _text(value: Any, key: str) -> str:
    if not isinstance(value, dict) or not isinstance(value.get(key), str):
        raise ValueError(f"{key!r} missing")
    return value[key]


def _table(value: dict[str, Any], key: str) -> dict[str, Any]:
    found = value.get(key, {})
    if not isinstance(found, dict):
        raise ValueError(f"{key!r} is not an object")
    return found


__all__ = ["AuditLog", "AuditRecord", "AuditProblem", "AuditContents", "AuditError",
           "read_audit", "AUDIT_FILE"]
