"""Supervisor scale: 150,000 realistic entries (20 stations, a year), then review latencies.

Usage: .venv/bin/python bench/store_scale.py [--count 150000] [--stations 20] [--days 365]
Prints: supervisor start-up (fresh process until a first page of the queue could be shown),
index build time, save and answer latency, filtered-query and text-search latency
(median / p95), insights and report times. Targets: p95 < 100 ms, first paint < 1 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import p95, timed

from kiosk.config import load_config
from kiosk.demo import fill_demo_data
from kiosk.entries import Entry
from kiosk.review import actions
from kiosk.review.insights import insights_for
from kiosk.review.queue import ReviewIndex, keep_index_out_of_gc
from kiosk.review.report import build_report, current_week, render
from kiosk.store import Store

# Run in a fresh interpreter: the time a supervisor waits before the queue can be drawn.
STARTUP_CHILD = r"""
import sys, threading, time
spawned = float(sys.argv[2])
from kiosk.store import Store
from kiosk.review.queue import ReviewIndex
imported = time.time()
store = Store(sys.argv[1])
opened = time.time()
index = ReviewIndex(store)
first = threading.Event()
index.load_in_background(lambda done, total: first.set())
first.wait()
total, page = index.filter(limit=50)
shown = time.time()
index.complete.wait()
full = time.time()
# VmHWM: this process's peak (ru_maxrss would include the parent's, kept across exec)
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
print(f"{imported - spawned:.3f} {opened - spawned:.3f} {shown - spawned:.3f} "
      f"{full - spawned:.3f} {len(page)} {index.weeks_total} {rss:.0f}")
"""




def row(name: str, values: list[float]) -> str:
    if len(values) == 1:
        return f"  {name:<52} {values[0]:8.1f}"
    return f"  {name:<52} {statistics.median(values):8.1f} {p95(values):8.1f}   (n={len(values)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=150_000)
    parser.add_argument("--stations", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--keep", metavar="DIR", help="build (or reuse) the data in DIR")
    args = parser.parse_args()
    rng = random.Random(48)
    with tempfile.TemporaryDirectory(prefix="kiosk-scale-") as tmp:
        folder = Path(args.keep or tmp) / "data"
        config = load_config(env={}).with_changes(data_dir=folder)
        if not (folder / "entries").is_dir():
            start = time.perf_counter()
            with Store(folder) as store:
                fill_demo_data(store, config, count=args.count, days=args.days, seed=48,
                               stations=args.stations)
            print(f"built {args.count:,} entries ({args.stations} stations, {args.days} days) "
                  f"in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        files = list((folder / "entries").glob("*.json"))
        size = sum(f.stat().st_size for f in files)
        print(f"data: {args.count:,} entries in {len(files)} weekly files, "
              f"{size / 2**20:.0f} MiB, largest file "
              f"{max(f.stat().st_size for f in files) / 2**20:.1f} MiB")

        print("\nsupervisor start-up, fresh process (s since spawn; 3 runs):")
        for _ in range(3):
            spawned = time.time()
            result = subprocess.run([sys.executable, "-c", STARTUP_CHILD, str(folder),
                                     repr(spawned)], capture_output=True, text=True, check=True)
            imported, opened, shown, full, page, weeks, rss = result.stdout.split()
            print(f"  imports {float(imported):.3f}  store open {float(opened):.3f}  "
                  f"first page ({page} items, newest week) {float(shown):.3f}  "
                  f"all {weeks} weeks indexed {float(full):.3f}  (peak RSS {rss} MiB)")

        store = Store(folder)
        try:
            index = ReviewIndex(store)
            start = time.perf_counter()
            index.load()
            build_s = time.perf_counter() - start
            keep_index_out_of_gc()  # as the station app does once its index is loaded
            print(f"\nindex build (in-process, all weeks): {build_s:.2f} s, "
                  f"{len(index):,} entries indexed (private ones left out)")

            results: dict[str, list[float]] = {}
            facets = index.facets()
            station = facets.stations[len(facets.stations) // 2]

            def save_new() -> None:
                entry = Entry.new(kiosk_id="sup-1", station=station, line=config.line,
                                  author=None, language="en", kind="observation",
                                  category="quality", title="Burr after tool change",
                                  what_happened="The first parts had a burr after the change.",
                                  learned="Measure after every tool change.")
                store.save(entry)
                index.put(entry)

            results["save a new entry (store.save + index.put)"] = timed(save_new, 100)

            _, queue = index.filter(limit=200)
            queue_ids = [item.id for item in queue]
            recent = iter(queue_ids)
            results["answer, from the queue (actions.answer)"] = timed(
                lambda: actions.answer(store, next(recent), "Thanks, we look at it on Monday.",
                                       by="Team leader", index=index), 100)
            everything = [row[1] for row in index.rows()]
            opens, answers = [], []
            for _ in range(60):  # the supervisor opens an entry, reads it, then answers
                entry_id = rng.choice(everything)
                opens += timed(lambda: index.entry(entry_id), 1)
                answers += timed(lambda: actions.answer(store, entry_id, "Noted, thank you.",
                                                        by="Team leader", index=index), 1)
            results["open a random entry of the year (index.entry)"] = opens
            results["answer it (actions.answer, after opening)"] = answers
            results["open + answer at once, random entry (cold week)"] = timed(
                lambda: actions.answer(store, rng.choice(everything), "Noted, thank you.",
                                       by="Team leader", index=index), 60)
            ideas = iter(index.filter(kind="idea", status="new", limit=100)[1])
            results["set idea status, from the queue"] = timed(
                lambda: actions.set_status(store, next(ideas).id, "trying", by="Team leader",
                                           index=index), 50)

            filters = {
                "queue, first page (no filter)": {},
                "not seen yet": dict(seen=False),
                "one station": dict(station=station),
                "one line, category safety": dict(line=config.line, category="safety"),
                "open ideas (kind + 3 statuses)": dict(kind="idea",
                                                       status=["new", "seen", "trying"]),
                "station + category + last 30 days": dict(
                    station=station, category="quality",
                    date_from=time.strftime("%Y-%m-%d", time.localtime(time.time() - 30 * 86400))),
                "waiting for the supervisor": dict(waiting=True),
            }
            for name, kw in filters.items():
                results[f"filter: {name}"] = timed(lambda: index.filter(**kw), 30)

            words = ["torque", "pallet", "label", "gloves", "koelvloeistof", "kanban", "sensor",
                     "ploeg", "burr", "leak", "the", "zzzz", "aisle 7", "heftruck", "checklist"]
            queries = iter([w for _ in range(4) for w in words])

            def fresh_search() -> None:
                index._last_search = None  # measure a cold search, not the typing cache
                index.filter(text=next(queries))

            results["text search, fresh (15 words x4, all entries)"] = timed(fresh_search, 60)
            results["text search + station"] = timed(
                lambda: (setattr(index, "_last_search", None),
                         index.filter(station=station, text=rng.choice(words))), 30)
            typing = iter(["t", "to", "tor", "torq", "torqu", "torque"] * 5)
            results["text search while typing (t, to, tor, ...)"] = timed(
                lambda: index.filter(text=next(typing)), 30)

            results["insights, last 4 weeks (with themes)"] = timed(
                lambda: insights_for(index, date_from=time.strftime(
                    "%Y-%m-%d", time.localtime(time.time() - 28 * 86400))), 3)
            results["insights, whole year, no themes"] = timed(
                lambda: insights_for(index, with_themes=False), 3)
            results["insights, whole year, with themes"] = timed(
                lambda: insights_for(index), 1)
            week = current_week()
            results[f"report {week} (md, index loaded)"] = timed(
                lambda: render(build_report(store, week, index=index), "md"), 3)

            print("\nlatency in ms                                            median      p95")
            for name, values in results.items():
                print(row(name, values))
        finally:
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
