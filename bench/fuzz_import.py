"""Fuzz the sync import path: generated scanner input through FrameCollector.add, decode_lines and
a real import into a supervisor station's store in a temp folder.

Usage: .venv/bin/python bench/fuzz_import.py [--inputs 100000] [--seed S]
Inputs mix random text, random Base32 after the magic, re-framed random chunks (valid CRC),
mutated valid frames (changed, inserted, deleted, swapped characters), lower-cased, truncated,
shuffled and repeated frame sets, batches sealed with another site key, and signed batches
with random payloads; and protocol 3 (fountain-coded) frames: any K + 3..7 of a batch's
source and repair frames, fewer than K, mutated, foreign, and well-formed random symbols. Prints:
  crashes        an exception other than a SyncError (from add(): any exception) - must be 0
  wrong imports  a batch or imported entry that differs from what the kiosk sent, or anything
                 accepted from a foreign key or a mutated frame set - must be 0
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The sample-entry generator is test support (tests/support/samples.py), not part of the package:
# put the repository's tests/ folder on the import path to reach it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from kiosk.config import load_config  # noqa: E402
from kiosk.store import Store  # noqa: E402
from kiosk.sync import exchange, payload  # noqa: E402
from kiosk.sync.codec import (TYPE_ENTRIES, FountainFrames, Frame, decode_lines,  # noqa: E402
                              encode_frame, seal, split)
from kiosk.sync.collect import FrameCollector  # noqa: E402
from kiosk.sync.errors import SyncError  # noqa: E402
from support.samples import sample_entries  # noqa: E402

KEY = "fuzz-site-key-0123456789abcdef"
OTHER_KEY = "another-site-key-0123456789abcd"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
NOISE = ALPHABET + "abcxyz0189 -_=/+:;[]{}<>\"'&é(è_çà\t\x1b\x00ßüÄ€🙂"


class Fuzzer:
    def __init__(self, rng: random.Random, folder: Path):
        self.rng = rng
        self.config = load_config(env={}).with_changes(
            site_key=KEY, mode="supervisor", kiosk_id="station-1", data_dir=folder)
        self.store = Store(folder)
        self.batches = []  # (frames, foreign frames, entries): protocol 2
        self.fountains = []  # (K, source and repair frames, foreign frames): protocol 3
        for n, (count, chars) in enumerate([(1, 90), (3, 90), (6, 120), (12, 200)]):
            entries = sample_entries(count, seed=n + 1, kiosk_id=f"kiosk-{n}", answered=0.3)
            header = {"t": TYPE_ENTRIES, "f": f"kiosk-{n}", "m": "2025-03-03T06:00:00.000Z"}
            packed = payload.compress(payload.pack_entries(entries, header))
            blob = seal(packed, KEY, TYPE_ENTRIES, 1000 + n)
            foreign = seal(packed, OTHER_KEY, TYPE_ENTRIES, 2000 + n)
            frames = split(blob, TYPE_ENTRIES, 1000 + n, chars)
            self.batches.append((frames, split(foreign, TYPE_ENTRIES, 2000 + n, chars),
                                 {e.id: e for e in entries}))
            stream = FountainFrames(blob, TYPE_ENTRIES, 1000 + n, chars)
            self.fountains.append((stream.count, stream.frames(0, 2 * stream.count + 8),
                                   FountainFrames(foreign, TYPE_ENTRIES, 2000 + n, chars)
                                   .frames(0, stream.count + 3)))
        self.known = {i: e for _, _, entries in self.batches for i, e in entries.items()}
        self.stats = Counter()
        self.crashes: list[str] = []
        self.wrong: list[str] = []

    # -- generators -------------------------------------------------------------------------
    def random_text(self) -> list[str]:
        rng = self.rng
        line = "".join(rng.choice(NOISE) for _ in range(rng.randrange(0, 120)))
        return [("KS" + line) if rng.random() < 0.5 else line]

    def random_base32(self) -> list[str]:
        rng = self.rng
        return ["KS" + "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(10, 400)))]

    def reframed_random(self) -> list[str]:
        """Well-formed frames (right CRC) around random chunks: only the MAC can refuse them."""
        rng = self.rng
        total = rng.randrange(1, 5)
        batch_id = rng.randrange(2**32)
        return [encode_frame(Frame(1, TYPE_ENTRIES, batch_id, i, total,
                                   rng.randbytes(rng.randrange(1, 60)))) for i in range(total)]

    def mutated(self) -> list[str]:
        return self.mutate(list(self.rng.choice(self.batches)[0]))

    def mutate(self, frames: list[str]) -> list[str]:
        """Change, insert, delete or swap characters of one of the frames."""
        rng = self.rng
        i = rng.randrange(len(frames))
        frame = list(frames[i])
        for _ in range(rng.randrange(1, 4)):
            how = rng.randrange(4)
            p = rng.randrange(2, len(frame))
            if how == 0:
                frame[p] = rng.choice(ALPHABET)
            elif how == 1:
                frame.insert(p, rng.choice(ALPHABET))
            elif how == 2 and len(frame) > 3:
                del frame[p]
            else:
                q = rng.randrange(2, len(frame))
                frame[p], frame[q] = frame[q], frame[p]
        frames[i] = "".join(frame)
        rng.shuffle(frames)
        return frames

    def truncated(self) -> list[str]:
        rng = self.rng
        frames = list(rng.choice(self.batches)[0])
        i = rng.randrange(len(frames))
        frames[i] = frames[i][:rng.randrange(0, len(frames[i]))]
        return frames

    def valid_shuffled(self) -> list[str]:
        rng = self.rng
        frames = list(rng.choice(self.batches)[0])
        frames += [rng.choice(frames) for _ in range(rng.randrange(0, 3))]
        rng.shuffle(frames)
        return [f.lower() if rng.random() < 0.3 else f for f in frames]

    def dropped(self) -> list[str]:
        frames = list(self.rng.choice([b for b in self.batches if len(b[0]) > 1])[0])
        del frames[self.rng.randrange(len(frames))]
        return frames

    def foreign(self) -> list[str]:
        frames = list(self.rng.choice(self.batches)[1])
        self.rng.shuffle(frames)
        return frames

    def signed_random(self) -> list[str]:
        rng = self.rng
        body = bytes([payload.CODEC_DEFLATE]) + rng.randbytes(rng.randrange(0, 200))
        batch_id = rng.randrange(2**32)
        return split(seal(body, KEY, TYPE_ENTRIES, batch_id), TYPE_ENTRIES, batch_id, 200)

    # -- protocol 3 -----------------------------------------------------------------------------
    def fountain_set(self, extra: int = 3) -> list[str]:
        """K + `extra` of a batch's source and repair frames, in random order."""
        count, pool, _ = self.rng.choice(self.fountains)
        return self.rng.sample(pool, count + extra)

    def valid_fountain(self) -> list[str]:
        rng = self.rng
        frames = self.fountain_set(rng.randrange(3, 8))
        frames += [rng.choice(frames) for _ in range(rng.randrange(0, 3))]
        rng.shuffle(frames)
        return [f.lower() if rng.random() < 0.3 else f for f in frames]

    def dropped_fountain(self) -> list[str]:
        """Fewer distinct frames than K: never enough, whichever they are."""
        count, pool, _ = self.rng.choice(self.fountains)
        frames = self.rng.sample(pool, self.rng.randrange(1, count)) if count > 1 else []
        return frames + frames[:2]

    def mutated_fountain(self) -> list[str]:
        return self.mutate(self.fountain_set())

    def foreign_fountain(self) -> list[str]:
        frames = list(self.rng.choice(self.fountains)[2])
        self.rng.shuffle(frames)
        return frames

    def reframed_fountain(self) -> list[str]:
        """Well-formed protocol 3 frames (right CRC) of random symbols: only the MAC can refuse
        them, once enough for their claimed length have come."""
        rng = self.rng
        size = rng.choice([1, 8, 20, 41, 64, 72, 280])
        length = rng.randrange(1, 6 * size)
        batch_id = rng.randrange(2**32)
        count = -(-length // size)
        return [encode_frame(Frame(3, TYPE_ENTRIES, batch_id, rng.randrange(2**16), count,
                                   rng.randbytes(size), length)) for _ in range(count + 2)]

    KINDS = ("random_text", "random_base32", "reframed_random", "mutated", "truncated",
             "valid_shuffled", "dropped", "foreign", "signed_random", "valid_fountain",
             "dropped_fountain", "mutated_fountain", "foreign_fountain", "reframed_fountain")

    # -- checks ---------------------------------------------------------------------------------
    def run_case(self, kind: str) -> int:
        lines = getattr(self, kind)()
        collector = FrameCollector(KEY)
        completed = []
        for line in lines:
            try:
                result = collector.add(line)
                result.text("en"), result.text("nl")
            except Exception:  # noqa: BLE001 - add() must never raise
                self.crashes.append(f"{kind} add({line[:60]!r}): {traceback.format_exc(limit=3)}")
                continue
            if result.batch is not None:
                completed.append(result.batch)
        try:
            decoded = decode_lines(lines, KEY)
        except SyncError as exc:
            str(exc)
            decoded = []
        except Exception:  # noqa: BLE001
            self.crashes.append(f"{kind} decode_lines: {traceback.format_exc(limit=3)}")
            decoded = []
        for batch in completed + decoded:
            self.check_batch(kind, batch)
        self.stats[kind] += 1
        return len(lines)

    def check_batch(self, kind: str, batch) -> None:
        if kind in ("foreign", "reframed_random", "truncated", "dropped", "dropped_fountain",
                    "foreign_fountain", "reframed_fountain"):
            self.wrong.append(f"{kind}: a batch was accepted ({batch.label})")
            return
        try:
            report = exchange.import_batch(self.store, self.config, batch)
        except SyncError:
            if kind != "signed_random":
                self.wrong.append(f"{kind}: a valid batch was refused")
            return
        except Exception:  # noqa: BLE001
            self.crashes.append(f"{kind} import: {traceback.format_exc(limit=3)}")
            return
        self.stats["imports"] += 1
        if kind == "signed_random" and (report.added or report.updated):
            self.wrong.append(f"signed_random: random payload imported {report.added} entries")
        if report.conflicts:
            self.wrong.append(f"{kind}: import reported {report.conflicts} conflicts")
        for entry_id in report.changed_ids:
            stored = self.store.get(entry_id)
            sent = self.known.get(entry_id)
            if sent is None or stored is None or \
                    replace(stored, sync="-").to_dict() != replace(sent, sync="-").to_dict():
                self.wrong.append(f"{kind}: entry {entry_id} differs from what was sent")

    def final_check(self) -> None:
        for entry in self.store.entries():
            sent = self.known.get(entry.id)
            if sent is None or replace(entry, sync="-").to_dict() != \
                    replace(sent, sync="-").to_dict():
                self.wrong.append(f"store holds an entry that was never sent as is: {entry.id}")
        if self.store.conflicts():
            self.wrong.append("the store recorded conflicts")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(10**9)
    rng = random.Random(seed)
    started = time.monotonic()
    lines = 0
    with tempfile.TemporaryDirectory(prefix="kiosk-fuzz-") as tmp:
        fuzzer = Fuzzer(rng, Path(tmp) / "station")
        # weights: mostly cheap hostile input, some full valid batches for the import path
        weights = (18, 8, 8, 16, 6, 6, 5, 4, 3, 6, 4, 10, 3, 3)
        for _ in range(args.inputs):
            lines += fuzzer.run_case(rng.choices(Fuzzer.KINDS, weights)[0])
        fuzzer.final_check()
        stored = fuzzer.store.count()
        fuzzer.store.close()
    seconds = time.monotonic() - started
    stats = fuzzer.stats
    print(f"inputs:         {args.inputs} generated cases, {lines} scanned lines "
          f"(seed {seed}, {seconds:.1f} s, {args.inputs / seconds:,.0f} cases/s)")
    print("  by kind:      " + ", ".join(f"{k} {stats[k]}" for k in Fuzzer.KINDS))
    print(f"  imports into the real store: {stats['imports']} (store holds {stored} entries, "
          f"{len(fuzzer.known)} distinct were sent)")
    print(f"crashes:        {len(fuzzer.crashes)}")
    print(f"wrong imports:  {len(fuzzer.wrong)}")
    for note in (fuzzer.crashes + fuzzer.wrong)[:10]:
        print("  " + note.strip().replace("\n", "\n  "))
    return 0 if not fuzzer.crashes and not fuzzer.wrong else 1


if __name__ == "__main__":
    sys.exit(main())
