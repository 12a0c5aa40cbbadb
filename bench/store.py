"""Store latency with realistic demo data: save a new entry, update one, feed and other queries.

Usage: .venv/bin/python bench/store.py [--sizes 1000,10000] [--stations 1] [--big]
--big adds the supervisor case: 150,000 entries from 20 stations (a year of 20 kiosks).
Targets (DESIGN.md): save p95 < 20 ms at 10k entries; save and filter < 100 ms at 150k.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _timing import p95, timed

from kiosk.config import load_config
from kiosk.demo import fill_demo_data
from kiosk.entries import Entry, Response, now_iso
from kiosk.durable import atomic_write_bytes
from kiosk.store import Store




def bench_size(size: int, stations: int, folder: Path,
               rng: random.Random) -> dict[str, list[float]]:
    config = load_config(env={}).with_changes(data_dir=folder)
    with Store(folder) as store:
        start = time.perf_counter()
        fill_demo_data(store, config, count=size, seed=size, stations=stations)
        fill_s = time.perf_counter() - start
    files = list((folder / "entries").glob("*.json"))
    biggest = max(f.stat().st_size for f in files)
    print(f"  {size} entries from {stations} station(s): filled in {fill_s:.1f} s, "
          f"{len(files)} weekly files, largest {biggest / 1024:.0f} KiB", file=sys.stderr)

    results: dict[str, list[float]] = {}
    start = time.perf_counter()
    store = Store(folder)
    results["open store"] = [(time.perf_counter() - start) * 1000]
    try:
        results["feed, cold (first after open)"] = timed(lambda: store.feed(config.station), 1)
        results["count, cold (reads every file)"] = timed(store.count, 1)
        ids = [e.id for e in store.entries()]

        def save_new() -> None:
            store.save(Entry.new(kiosk_id=config.kiosk_id, station=config.station,
                                 line=config.line, author="otter-17", language="en",
                                 kind="observation", category="quality",
                                 what_happened="The first three parts had a burr after the "
                                               "tool change on CNC-3.",
                                 noticed="The offset was not measured again.",
                                 learned="Measure after every tool change.",
                                 next_step="Add it to the checklist.", title="Burr after change"))

        results["save new entry"] = timed(save_new, 200)
        # The disk's share of a save: temp file + fsync + rename + directory fsync of 1 KiB.
        floor = folder / "floor.bin"
        results["disk floor: atomic 1 KiB write"] = timed(
            lambda: atomic_write_bytes(floor, b"x" * 1024), 100)
        floor.unlink()

        def update_random() -> None:
            entry = store.get(rng.choice(ids))
            assert entry is not None
            store.save(entry.touched(seen=True, responses=[
                *entry.responses, Response(now_iso(), "team leader", "Thanks, noted.")]))

        def update_recent() -> None:
            entry = store.get(rng.choice(ids[-200:]))
            assert entry is not None
            store.save(entry.touched(status="seen", seen=True))

        results["update recent entry (get+save)"] = timed(update_recent, 100)
        results["update any entry (get+save)"] = timed(update_random, 100)
        results["get by id"] = timed(lambda: store.get(rng.choice(ids)), 200)
        results["feed (50 newest, station)"] = timed(lambda: store.feed(config.station), 50)
        authors = sorted({e.author for e in store.query(limit=500) if e.author})
        results["by_author (100 newest)"] = timed(
            lambda: store.by_author(rng.choice(authors)), 20)
        results["filter all: open ideas"] = timed(
            lambda: store.query(lambda e: e.kind == "idea" and e.status in ("new", "seen")), 5)
    finally:
        store.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--stations", type=int, default=1)
    parser.add_argument("--big", action="store_true", help="also 150,000 entries, 20 stations")
    args = parser.parse_args()
    runs = [(int(size), args.stations) for size in args.sizes.split(",")]
    if args.big:
        runs.append((150_000, 20))
    rng = random.Random(7)
    table: dict[str, dict[str, str]] = {}
    headers = []
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        for size, stations in runs:
            header = f"{size:,} entries"
            headers.append(header)
            results = bench_size(size, stations, Path(tmp) / str(size), rng)
            for name, values in results.items():
                cell = f"{statistics.median(values):7.2f}" if len(values) == 1 else \
                    f"{statistics.median(values):7.2f} / {p95(values):7.2f}"
                table.setdefault(name, {})[header] = cell
    width = max(len(name) for name in table)
    print(f"store latency in ms (median / p95; single figures are one run), "
          f"stations={args.stations}")
    print(f"{'operation':<{width}}  " + "  ".join(f"{h:>17}" for h in headers))
    for name, cells in table.items():
        print(f"{name:<{width}}  " + "  ".join(f"{cells.get(h, ''):>17}" for h in headers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
