"""The review queue: an in-memory index of every non-private entry for fast filtering and search.

`ReviewIndex(store)` starts empty; `load()` reads the weekly files newest first (run it in a
background thread: the first week is visible after ~50 ms, a year of 150,000 entries in ~2 s) and
reports progress. Queue order: urgent entries nobody has answered yet first, then entries not yet
seen, then the rest; newest first within each (kiosk/review/rows.py). Changes come in
through `put()` (the review actions call it) or `refresh()` (re-reads weeks changed on disk, e.g.
after an import). Private entries are never indexed. Entry authors are never indexed either.
"""

from __future__ import annotations

import gc
import threading
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from kiosk.entries import Entry
from kiosk.ids import week_key
from kiosk.review.filters import id_range, search_terms
from kiosk.review.rows import NOT_SEEN_RANKS, SEEN_RANKS, QueueItem, row_from_doc
from kiosk.store import Store

Progress = Callable[[int, int], None]
Values = str | Iterable[str] | None

# Field positions for the hot loops (tuple indexing is faster than attribute access).
_RANK, _ID, _LINE, _STATION, _CATEGORY, _KIND, _STATUS = 0, 1, 2, 3, 4, 5, 6
_TEXT, _WAITING, _WEEK = 16, 17, 15


@dataclass(frozen=True)
class Facets:
    """Values present in the index, for the filter pickers."""

    lines: list[str]
    stations: list[str]
    stations_by_line: dict[str, list[str]]


def _values(value: Values) -> str | frozenset[str] | None:
    if value is None or isinstance(value, str):
        return value
    values = frozenset(value)
    return next(iter(values)) if len(values) == 1 else values


OPEN_WEEKS = 4  # weekly files the store keeps in memory besides the one in use


def forget_old_weeks(store: Store, entry_id: str) -> None:
    """Keep only the newest weeks and the one of `entry_id` in the store's memory: reviewing
    entries from all over a year must not keep the whole year in memory (~400 MB at 150,000
    entries, and every full garbage collection then pauses the app for 100-300 ms)."""
    store.close_old_weeks(keep_newest=OPEN_WEEKS, keep=(week_key(entry_id),))


def keep_index_out_of_gc() -> None:
    """For a process that keeps a loaded index (the station app, bench/store_scale.py): call once
    `load()` is done.

    At 150,000 entries the index and the open weekly files are millions of long-lived objects, and
    every full pass of Python's cycle collector scans them all (about 60 ms here). Parsing a cold
    week file when an entry is opened set off such a pass every dozen opens or so, which made the
    p95 of "open + answer" 110-125 ms against a 100 ms target. `gc.freeze()` leaves the objects
    that exist now out of those passes, and a first threshold of 10,000 instead of 700 makes
    collections rarer. Parsed JSON has no reference cycles: a closed week is still freed at once.
    """
    gc.collect(1)  # young garbage first, so it is not frozen with the index
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


class ReviewIndex:
    """Every non-private entry of a store, in queue order, for filtering and search.

    Thread-safe: `load()` may run in a background thread while the UI calls `filter()`;
    before it completes, `filter()` answers from the weeks loaded so far (newest first).
    """

    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.RLock()
        # Rows are plain tuples in QueueItem's field order (see `row_from_doc`), ascending by
        # (rank, id): the queue is this list reversed.
        self._items: list[tuple] = []
        self._by_id: dict[str, tuple] = {}
        self._week_ids: dict[str, set[str]] = {}
        self._signatures: dict[str, tuple[int, int, int] | None] = {}
        self._stations: Counter[tuple[str, str]] = Counter()
        self._touched: set[str] = set()  # put() before load() completed: newer than its copy
        self._loading = False
        self._stop = threading.Event()
        self.complete = threading.Event()
        self.weeks_loaded = 0
        self.weeks_total = 0
        self._version = 0  # bumped on every change; keys the search cache
        self._last_search: tuple[Any, list[str], list[tuple]] | None = None

    # -- loading ------------------------------------------------------------------------------
    def load(self, progress: Progress | None = None, *, first_batch_weeks: int = 1,
             batch_rows: int = 20_000) -> None:
        """Read every weekly file, newest first. `progress(weeks_loaded, weeks_total)` is called
        each time more weeks became visible to `filter()`. Returns early after `stop()`."""
        keys = list(reversed(self.store.shard_keys()))
        with self._lock:
            self._loading = True
            self.weeks_total = len(keys)
        pending: list[tuple[str, Any, list[tuple]]] = []
        pending_rows = 0
        try:
            for number, key in enumerate(keys, 1):
                if self._stop.is_set():
                    return
                with self.store.lock:
                    signature = self.store.week_signature(key)
                    docs = self.store.week_docs(key)
                items = [row for row in map(row_from_doc, docs, [key] * len(docs))
                         if row is not None]
                pending.append((key, signature, items))
                pending_rows += len(items)
                if number <= first_batch_weeks or pending_rows >= batch_rows or \
                        number == len(keys):
                    self._merge(pending)
                    pending, pending_rows = [], 0
                    if progress is not None:
                        progress(number, len(keys))
        finally:
            with self._lock:
                self._loading = False
                self._touched.clear()
        if not keys and progress is not None:
            progress(0, 0)
        self.complete.set()

    def load_in_background(self, progress: Progress | None = None) -> threading.Thread:
        """Start `load()` in a daemon thread (for the CLI and benchmarks; the UI uses a worker)."""
        thread = threading.Thread(target=self.load, args=(progress,), daemon=True,
                                  name="review-index")
        thread.start()
        return thread

    def stop(self) -> None:
        """Make a running `load()` return soon (the app is closing)."""
        self._stop.set()

    def _merge(self, weeks: list[tuple[str, Any, list[tuple]]]) -> None:
        with self._lock:
            added: list[tuple] = []
            for key, signature, items in weeks:
                self._signatures[key] = signature
                ids = self._week_ids.setdefault(key, set())
                for item in items:
                    entry_id = item[_ID]
                    if entry_id in self._by_id or entry_id in self._touched:
                        continue  # put() since the file was read: that copy is newer
                    self._by_id[entry_id] = item
                    ids.add(entry_id)
                    self._stations[(item[_LINE], item[_STATION])] += 1
                    added.append(item)
                self.weeks_loaded += 1
            added.sort()
            self._items += added
            self._items.sort()  # two sorted runs: a linear merge
            self._version += 1

    # -- changes ------------------------------------------------------------------------------
    def put(self, entry: Entry | dict[str, Any]) -> None:
        """Add or replace one entry (after it was saved). A private entry is removed."""
        self.put_many([entry])

    def put_many(self, entries: Iterable[Entry | dict[str, Any]]) -> None:
        with self._lock:
            for entry in entries:
                doc = entry.to_dict() if isinstance(entry, Entry) else entry
                self._remove(doc["id"])
                if not self.complete.is_set():
                    self._touched.add(doc["id"])
                item = row_from_doc(doc)
                if item is not None:
                    self._add(item)

    def _add(self, item: tuple) -> None:
        self._version += 1
        position = bisect_left(self._items, item)
        self._items.insert(position, item)
        self._by_id[item[_ID]] = item
        self._week_ids.setdefault(item[_WEEK], set()).add(item[_ID])
        self._stations[(item[_LINE], item[_STATION])] += 1

    def _remove(self, entry_id: str) -> None:
        old = self._by_id.pop(entry_id, None)
        if old is None:
            return
        self._version += 1
        position = bisect_left(self._items, (old[_RANK], entry_id))
        assert self._items[position][_ID] == entry_id
        del self._items[position]
        self._week_ids.get(old[_WEEK], set()).discard(entry_id)
        key = (old[_LINE], old[_STATION])
        self._stations[key] -= 1
        if self._stations[key] <= 0:
            del self._stations[key]

    def refresh(self) -> list[str]:
        """Re-read the weekly files that changed on disk since they were indexed (an import, a
        restore); returns their week keys. Weeks not loaded yet are left to `load()`."""
        changed = []
        with self._lock:
            known_keys = set(self._signatures)
        for key in sorted(known_keys | set(self.store.shard_keys())):
            with self.store.lock:  # no save can slip between reading and replacing the week
                signature = self.store.week_signature(key)
                with self._lock:
                    known = key in self._signatures
                    if (self._loading and not known) or \
                            (known and self._signatures[key] == signature):
                        continue
                docs = self.store.week_docs(key)
                items = [row for row in (row_from_doc(d, key) for d in docs) if row]
                with self._lock:
                    self._replace_week(key, signature, items, count=not known)
            changed.append(key)
        return changed

    def _replace_week(self, key: str, signature: Any, items: list[tuple],
                      count: bool) -> None:
        self._version += 1
        old_ids = self._week_ids.pop(key, set())
        if old_ids:
            self._items = [item for item in self._items if item[_ID] not in old_ids]
            for entry_id in old_ids:
                old = self._by_id.pop(entry_id)
                self._stations[(old[_LINE], old[_STATION])] -= 1
            self._stations = +self._stations  # drop zero counts
        self._signatures[key] = signature
        self._week_ids[key] = {item[_ID] for item in items}
        for item in items:
            self._by_id[item[_ID]] = item
            self._stations[(item[_LINE], item[_STATION])] += 1
        self._items += sorted(items)
        self._items.sort()
        if count:
            self.weeks_loaded += 1

    # -- reading ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._items)

    def get(self, entry_id: str) -> QueueItem | None:
        row = self._by_id.get(entry_id)
        return None if row is None else QueueItem._make(row)

    def entry(self, entry_id: str) -> Entry | None:
        """The full entry from the store, or None if it is unknown or private."""
        with self.store.lock:
            entry = self.store.get(entry_id)
            if entry is not None:
                forget_old_weeks(self.store, entry_id)
        if entry is None or entry.visibility == "private":
            return None
        return entry

    def facets(self) -> Facets:
        with self._lock:
            pairs = sorted(self._stations)
        by_line: dict[str, list[str]] = {}
        for line, station in pairs:
            by_line.setdefault(line, []).append(station)
        return Facets(lines=sorted(by_line), stations=sorted({s for _, s in pairs}),
                      stations_by_line=by_line)

    def filter(self, *, line: Values = None, station: Values = None, category: Values = None,
               kind: Values = None, status: Values = None, seen: bool | None = None,
               date_from: date | datetime | str | None = None,
               date_to: date | datetime | str | None = None, text: str | None = None,
               waiting: bool | None = None, limit: int | None = 50,
               offset: int = 0) -> tuple[int, list[QueueItem]]:
        """(number of matches, one page of them in queue order: urgent and unanswered first, then
        not seen, then the rest, newest first in each).

        Facet filters take one value or several (any of them). Dates are local dates, both
        inclusive, and refer to when the entry was written. `text` matches case-insensitively
        anywhere in the title, the reflection fields and the answers; every word (or "quoted
        phrase") must occur. `limit=0` only counts; `limit=None` returns every match.
        """
        matches = self.rows(line=line, station=station, category=category, kind=kind,
                            status=status, seen=seen, date_from=date_from, date_to=date_to,
                            text=text, waiting=waiting)
        total = len(matches)
        end = total - max(0, offset)
        start = 0 if limit is None else max(0, end - max(0, limit))
        page = list(map(QueueItem._make, matches[start:end])) if end > 0 else []
        page.reverse()
        return total, page

    def matching(self, *, line: Values = None, station: Values = None,
                 category: Values = None, kind: Values = None, status: Values = None,
                 seen: bool | None = None, date_from: date | datetime | str | None = None,
                 date_to: date | datetime | str | None = None, text: str | None = None,
                 waiting: bool | None = None) -> list[QueueItem]:
        """Every match, in ascending order (reverse it for queue order). Same filters as
        `filter()`; used by insights and the report."""
        return list(map(QueueItem._make, self.rows(
            line=line, station=station, category=category, kind=kind, status=status, seen=seen,
            date_from=date_from, date_to=date_to, text=text, waiting=waiting)))

    def rows(self, *, line: Values = None, station: Values = None, category: Values = None,
              kind: Values = None, status: Values = None, seen: bool | None = None,
              date_from: date | datetime | str | None = None,
              date_to: date | datetime | str | None = None, text: str | None = None,
              waiting: bool | None = None) -> list[tuple]:
        """Like `matching()`, as plain tuples in QueueItem's field order (faster for
        aggregates over many entries; read them, never change them)."""
        low, high = id_range(date_from, date_to)
        terms = search_terms(text)
        line, station, category = _values(line), _values(station), _values(category)
        kind, status = _values(kind), _values(status)
        with self._lock:
            version = self._version
            cache_key = (version, line, station, category, kind, status, seen, low, high,
                         waiting)
            cached = self._last_search
        if terms and cached is not None and cached[0] == cache_key \
                and all(any(old in new for new in terms) for old in cached[1]):
            found = cached[2]  # typing on: the new terms narrow the last search
        else:
            found = self._filter_facets(line=line, station=station, category=category,
                                        kind=kind, status=status, seen=seen, low=low,
                                        high=high, waiting=waiting)
        for term in terms:
            found = [item for item in found if term in item[_TEXT]]
        if terms:
            self._last_search = (cache_key, terms, found)
        return found

    def _filter_facets(self, *, line: Values, station: Values,
                       category: Values, kind: Values, status: Values, seen: bool | None,
                       low: str | None, high: str | None,
                       waiting: bool | None) -> list[tuple]:
        with self._lock:
            items = self._items
            ranks = sorted((*SEEN_RANKS, *NOT_SEEN_RANKS)) if seen is None else \
                SEEN_RANKS if seen else NOT_SEEN_RANKS  # ascending: the queue reversed
            found: list[tuple] = []
            for rank in ranks:  # each rank is a run sorted by id, so dates are a slice
                lo = bisect_left(items, (rank, low) if low else (rank,))
                hi = bisect_left(items, (rank, high) if high else (rank + 1,))
                found += items[lo:hi]
        for index, value in ((_STATION, station), (_LINE, line), (_CATEGORY, category),
                             (_KIND, kind), (_STATUS, status)):
            if value is None:
                continue
            if isinstance(value, str):
                found = [item for item in found if item[index] == value]
            else:
                found = [item for item in found if item[index] in value]
        if waiting is not None:
            want = bool(waiting)
            found = [item for item in found if item[_WAITING] is want]
        return found


__all__ = ["ReviewIndex", "Facets", "forget_old_weeks", "keep_index_out_of_gc", "OPEN_WEEKS"]
