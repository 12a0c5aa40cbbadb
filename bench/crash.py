"""Crash safety of the store: kill -9 at random moments during a stream of saves, N rounds.

Usage: .venv/bin/python bench/crash.py [--rounds 200] [--folders 2] [--seed S]
Each round starts a child that saves entries (new ones, edits of earlier ones, drafts, meta) in
a loop and prints each save after it returned, kills it with SIGKILL after 0-300 ms, then opens
the folder and checks every file. Prints unreadable files and lost acknowledged saves.
Target (DESIGN.md): 200 rounds, both 0. The child is the one of tests/test_store_crash.py.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from kiosk.entries import Entry  # noqa: E402
from kiosk.store import Store  # noqa: E402
from kiosk.store_errors import StoreError  # noqa: E402
from tests.test_store_crash import crash_round  # noqa: E402


def check(folder: Path, confirmed: dict[str, tuple[int, int]]) -> tuple[int, int, list[str]]:
    """(unreadable files, lost acknowledged saves, notes) after one crash."""
    notes: list[str] = []
    unreadable = lost = 0
    try:
        store = Store(folder)
    except StoreError as exc:
        return 1, len(confirmed), [f"store does not open: {exc}"]
    with store:
        entries: dict[str, Entry] = {}
        for key in store.shard_keys():
            try:
                for doc in store.week_docs(key):
                    entry = Entry.from_dict(dict(doc))
                    entries[entry.id] = entry
            except (StoreError, ValueError) as exc:
                unreadable += 1
                notes.append(f"{key}: {exc}")
        for what, read in (("drafts", lambda: store.load_draft("otter-17")),
                           ("meta", lambda: store.get_meta("counter"))):
            try:
                read()
            except StoreError as exc:
                unreadable += 1
                notes.append(f"{what}: {exc}")
    for entry_id, (seed, counter) in confirmed.items():
        entry = entries.get(entry_id)
        if entry is None:
            lost += 1
            notes.append(f"lost {entry_id}")
            continue
        stored_seed, stored_counter = map(int, entry.title.split(":"))
        if stored_seed != seed or stored_counter < counter:  # an older version came back
            lost += 1
            notes.append(f"older version of {entry_id}")
    return unreadable, lost, notes


def rounds_in(folder: Path, rounds: int, rng: random.Random) -> dict[str, int | list[str]]:
    confirmed: dict[str, tuple[int, int]] = {}
    totals = {"rounds": 0, "saves": 0, "unreadable": 0, "lost": 0, "notes": []}
    for _ in range(rounds):
        totals["saves"] += crash_round(folder, rng, confirmed)
        unreadable, lost, notes = check(folder, confirmed)
        totals["rounds"] += 1
        totals["unreadable"] += unreadable
        totals["lost"] += lost
        totals["notes"] += notes
    totals["entries"] = len(confirmed)
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--folders", type=int, default=2, help="folders crashed in parallel")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(10**9)
    rng = random.Random(seed)
    shares = [args.rounds // args.folders + (i < args.rounds % args.folders)
              for i in range(args.folders)]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kiosk-crash-") as tmp, \
            ThreadPoolExecutor(args.folders) as pool:
        futures = [pool.submit(rounds_in, Path(tmp) / f"data{i}", n,
                               random.Random(rng.randrange(10**9)))
                   for i, n in enumerate(shares)]
        results = [f.result() for f in futures]
    seconds = time.monotonic() - started
    total = {k: sum(r[k] for r in results) for k in ("rounds", "saves", "entries",
                                                     "unreadable", "lost")}
    print(f"kill -9 rounds:            {total['rounds']} (seed {seed}, {args.folders} folders "
          f"in parallel, {seconds:.1f} s)")
    print(f"acknowledged saves:        {total['saves']} ({total['entries']} distinct entries)")
    print(f"unreadable files:          {total['unreadable']}")
    print(f"lost acknowledged saves:   {total['lost']}")
    for note in [n for r in results for n in r["notes"]][:20]:
        print(f"  {note}")
    return 0 if total["unreadable"] == 0 and total["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
