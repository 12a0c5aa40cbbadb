"""A synthetic older store format for the upgrade tests, and the upgrade step from it.

Format 1 is the first real store format, so no older data folder exists in the field. Format 0
here is made up the way a real predecessor would look: the same records in TinyDB's layout, but
every entry (and conflict) in one entries.json instead of one file per week, and meta.json saying
`store_format` 0. `split_into_weeks` is the step 0 -> 1 that app would have registered; the
tests put it in `kiosk.store_upgrade.UPGRADES` (with monkeypatch, or in a child process).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from kiosk.entries import Entry, now_iso
from kiosk.ids import week_key
from kiosk.store_upgrade import DataFolder

OLD_FILE = "entries.json"


def write_format_0(folder: Path, entries: Iterable[Entry], *,
                   conflicts: Iterable[tuple[dict[str, Any], str]] = (),
                   drafts: dict[str, dict[str, Any]] | None = None) -> None:
    """A data folder of format 0 holding `entries`, `conflicts` ((incoming dict, reason)) and
    `drafts` (key -> fields), written with plain json as that app would have left it."""
    folder.mkdir(parents=True, exist_ok=True)
    _dump(folder / "meta.json", {"meta": {"1": {"key": "store_format", "value": 0}}})
    _dump(folder / OLD_FILE, {
        "entries": {str(n): e.to_dict() for n, e in enumerate(entries, 1)},
        "conflicts": {str(n): {"at": now_iso(), "reason": reason, "entry": incoming}
                      for n, (incoming, reason) in enumerate(conflicts, 1)},
    })
    if drafts:
        _dump(folder / "drafts.json", {"drafts": {
            str(n): {"key": key, "saved": now_iso(), "fields": fields}
            for n, (key, fields) in enumerate(drafts.items(), 1)}})


def _dump(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data), encoding="utf-8")


def split_into_weeks(folder: DataFolder,
                     after_week: Callable[[str], None] = lambda key: None) -> None:
    """Step 0 -> 1: move the records of entries.json into entries/YYYY-Www.json, one file per
    week, then delete entries.json. Run again on a folder it partly rewrote (a crash), it adds
    what is missing and nothing twice. `after_week(key)` runs after each weekly file is written."""
    old = folder.path / OLD_FILE
    data = folder.read(old)
    if data is None:
        return  # a crash came after the delete, before meta.json recorded format 1
    weeks: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for record in (data.get("entries") or {}).values():
        weeks.setdefault(week_key(record["id"]), {"entries": [], "conflicts": []})[
            "entries"].append(record)
    for record in (data.get("conflicts") or {}).values():
        weeks.setdefault(week_key(record["entry"]["id"]), {"entries": [], "conflicts": []})[
            "conflicts"].append(record)
    folder.entries_dir.mkdir(exist_ok=True)
    for key in sorted(weeks):
        path = folder.entries_dir / f"{key}.json"
        week = folder.read(path) or {}
        entries = week.setdefault("entries", {})
        present = {doc["id"] for doc in entries.values()}
        _add(entries, [r for r in weeks[key]["entries"] if r["id"] not in present])
        if weeks[key]["conflicts"]:
            conflicts = week.setdefault("conflicts", {})
            _add(conflicts, [r for r in weeks[key]["conflicts"] if r not in conflicts.values()])
        folder.write(path, week)
        after_week(key)
    folder.remove(old)


def _add(table: dict[str, Any], records: list[dict[str, Any]]) -> None:
    next_id = max(map(int, table), default=0) + 1
    for n, record in enumerate(records, next_id):
        table[str(n)] = record
