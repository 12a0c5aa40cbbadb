"""QR sync size and speed: bytes per entry, entries per frame, frames per batch, timings.

Usage: .venv/bin/python bench/sync.py [--seed 1]
Entries: kiosk.demo (the `kiosk demo-data` generator, four reflection fields filled in),
tests/support/samples.py (entries the length of the dev-set observations, with coach suggestions),
"short": one sentence each, and "free": the 15 dev-set observations (../shared/eval) as written,
once each. The generated sets are built from phrase lists, so a big batch of them repeats words
more than people do; "free" shows what text nobody generated costs per character.
Target (DESIGN.md): at least 8 entries per frame at 120x40; every rendered frame decodes.
Then: the station's collector under a flood of hostile frames (each claiming the maximum
number of parts) against frames of small batches: microseconds per frame.
Last: frames needed to complete a batch of 15 and of 300 entries at 80x24 and 120x40 with 0%,
10% and 20% of the frames missed at random, protocol 2's cycle of numbered parts beside
protocol 3's fountain-coded frames (the real RaptorQ decoder, fed symbols without the text).
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import zxingcpp

from kiosk.config import DEMO_SITE_KEY, load_config
from kiosk.demo import generate
from kiosk.entries import REFLECTION_FIELDS, Entry, new_id
from kiosk.sync import fountain, payload, qr
from kiosk.sync.codec import (CYCLE_VERSION, MAX_FRAMES, TYPE_ENTRIES, FountainFrames, Frame,
                              chunk_bytes_for, decode_frame, encode_frame, new_batch_id, seal,
                              split, symbol_bytes_for)
from kiosk.sync.collect import FrameCollector
from kiosk.sync.receipt import receipt_code

# The sample-entry generator is test support (tests/support/samples.py), not part of the package:
# put the repository's tests/ folder on the import path to reach it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support.samples import sample_entries  # noqa: E402

SIZES = (1, 10, 100, 300)
DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "observations_dev.jsonl"
SCREENS = ((80, 24), (120, 40))
CONFIG = load_config(env={})


def text_chars(entry: Entry) -> int:
    fields = sum(len(getattr(entry, name)) for name in (*REFLECTION_FIELDS, "title"))
    return fields + sum(len(s.text) for s in entry.suggestions)


def sources(seed: int) -> dict[str, list[Entry]]:
    demo = [e for e in generate(CONFIG, count=400, seed=seed) if e.visibility != "private"]
    samples = sample_entries(300, seed=seed, kiosk_id=CONFIG.kiosk_id, answered=0.1)
    short = [replace(e, noticed="", learned="", next_step="", title="", suggestions=[],
                     what_happened=e.what_happened.split(". ")[0][:90]) for e in samples]
    return {"demo": demo[:300], "samples": samples, "short": short, "free": free_text()}


def free_text() -> list[Entry]:
    """One entry per dev-set observation, its text as the worker's "what happened"."""
    if not DEV_SET.exists():
        return []
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line]
    start = 1740988800.0  # 2025-03-03 08:00 UTC, 20 minutes apart
    return [Entry(id=new_id(at=start + 1200 * n, kiosk_id=CONFIG.kiosk_id),
                  kiosk_id=CONFIG.kiosk_id, station="Assembly 1", line=CONFIG.line,
                  author="w-5KQ2M7TA", language=row["lang"], kind="observation",
                  category=row["category"], what_happened=row["text"]).validate()
            for n, row in enumerate(rows)]


def blob_of(entries: list[Entry]) -> tuple[bytes, int, int]:
    header = {"t": TYPE_ENTRIES, "f": CONFIG.kiosk_id, "m": "2025-03-03T06:00:00.000Z"}
    packed = payload.pack_entries(entries, header)
    compressed = payload.compress(packed)
    return seal(compressed, CONFIG.site_key, TYPE_ENTRIES, new_batch_id()), len(packed), \
        len(compressed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--trials", type=int, default=1000,
                        help="runs per case of the frames-needed simulation")
    parser.add_argument("--example", action="store_true",
                        help="only print the worked example of docs/sync-protocol.md")
    args = parser.parse_args()
    if args.example:
        worked_example()
        return
    sets = sources(args.seed)
    frame_sizes = {screen: qr.frame_size_for(*screen) for screen in SCREENS}
    print("QR frames: " + ", ".join(
        f"{w}x{h} cells -> version {s.version}, {s.max_chars} chars, "
        f"{chunk_bytes_for(s.max_chars)} data bytes" for (w, h), s in frame_sizes.items()))
    print("Set: the entries; chars = mean text characters per entry (reflection fields, title, "
          "suggestions)")
    print(f"{'set':8} {'chars':>5} {'n':>4} {'JSON B/e':>8} {'sent B/e':>8} "
          f"{'frames 80x24':>12} {'frames 120x40':>13} {'e/frame 120x40':>14}")
    for name, entries in sets.items():
        if not entries:
            continue
        chars = statistics.mean(text_chars(e) for e in entries)
        for n in sorted({min(n, len(entries)) for n in SIZES}):
            blob, packed, _ = blob_of(entries[:n])
            frames = {screen: -(-len(blob) // chunk_bytes_for(s.max_chars))
                      for screen, s in frame_sizes.items()}
            print(f"{name:8} {chars:5.0f} {n:4d} {packed / n:8.0f} {len(blob) / n:8.1f} "
                  f"{frames[(80, 24)]:12d} {frames[(120, 40)]:13d} "
                  f"{n / frames[(120, 40)]:14.2f}")

    print("\nsent B/e = bytes in frames per entry (compressed payload + 20 bytes key id and MAC,"
          " shared by the batch)")
    for name in ("samples", "free"):
        entries = [e for e in sets[name] if e.what_happened][:15]
        if entries:
            chars = sum(len(e.what_happened) for e in entries)
            text = "\n".join(e.what_happened for e in entries).encode("utf-8")
            print(f"  {name}: 15 'what happened' texts alone, {chars} characters -> "
                  f"{len(payload.compress(text)) - 1} bytes compressed "
                  f"({(len(payload.compress(text)) - 1) / chars:.2f} bytes per character)")
    entries = sets["demo"]
    start = time.perf_counter()
    blob, _, _ = blob_of(entries)
    build = time.perf_counter() - start
    size = frame_sizes[(120, 40)]
    stream = FountainFrames(blob, TYPE_ENTRIES, 1, size.max_chars)
    frames = stream.frames(0, stream.count + 4)  # source frames and some repair frames
    start = time.perf_counter()
    cells = [qr.render_cells(f, size.version) for f in frames]
    render = time.perf_counter() - start
    start = time.perf_counter()
    decoded = [zxingcpp.read_barcodes(qr.rasterise(c, 3), formats=zxingcpp.BarcodeFormat.QRCode)[0].text
               for c in cells]
    read = time.perf_counter() - start
    assert decoded == frames
    print(f"300 demo entries at 120x40 (protocol 3, source and repair frames): "
          f"pack+compress+seal {build * 1000:.0f} ms, "
          f"render {len(frames)} frames {render * 1000 / len(frames):.1f} ms each, "
          f"rasterise+zxing-cpp {read * 1000 / len(frames):.1f} ms each; all {len(frames)} "
          f"frames decoded")
    period = CONFIG.frame_period
    for screen, s in frame_sizes.items():
        n = -(-len(blob) // chunk_bytes_for(s.max_chars))
        count = FountainFrames(blob, TYPE_ENTRIES, 1, s.max_chars).count
        print(f"  showing them at {screen[0]}x{screen[1]}: protocol 2 {n} frames x {period} s = "
              f"{n * period / 60:.1f} min per pass; protocol 3 {count} frames = "
              f"{count * period / 60:.1f} min with none missed, about "
              f"{count / 0.8 * period / 60:.1f} min with a fifth missed")

    collector_flood()
    frames_needed(sets["samples"], args.trials, args.seed)


EXAMPLE_ENTRY = {  # the entry of the worked example in docs/sync-protocol.md
    "id": "01JNDA0KEGGPHFPGQR7SCKGARX", "kiosk_id": "kiosk-a1", "station": "Assembly 1",
    "line": "Line A", "author": "w-5KQ2M7TA", "language": "en", "kind": "observation",
    "category": "quality",
    "what_happened": "The first parts from press 3 had burrs after the tool change.",
    "learned": "Measure the first part after every change.",
    "title": "The first parts from press 3", "visibility": "team", "suggestions": [
        {"kind": "question", "text": "What did you notice just before it happened?",
         "source": "bank", "verdict": "accepted", "final_text": None},
        {"kind": "title", "text": "The first parts from press 3",
         "source": "smollm2-135m-instruct-q4_1", "verdict": "accepted", "final_text": None}],
    "created": "2025-03-03T06:10:10.000Z", "updated": "2025-03-03T06:10:10.000Z"}


def worked_example() -> None:
    """The entry above sealed as batch 0x5EC0FFEE with the demo site key, in protocol 3 frames
    at 80x24, decoded again from frames with one of the batch's own frames missed."""
    batch_id = 0x5EC0FFEE
    header = {"t": TYPE_ENTRIES, "f": "kiosk-a1", "m": "2025-03-03T16:00:00.000Z"}
    packed = payload.compress(payload.pack_entries([Entry.from_dict(EXAMPLE_ENTRY)], header))
    blob = seal(packed, DEMO_SITE_KEY, TYPE_ENTRIES, batch_id)
    max_chars = qr.frame_size_for(80, 24).max_chars
    stream = FountainFrames(blob, TYPE_ENTRIES, batch_id, max_chars)
    frames = stream.frames(0, stream.count + 2)
    print(f"sealed batch: {len(blob)} bytes; at 80x24: {max_chars} characters a frame, symbols of "
          f"{symbol_bytes_for(max_chars)} bytes, K = {stream.count} source frames")
    for number, frame in enumerate(frames):
        kind = "source" if number < stream.count else "repair"
        print(f"  {kind} {number}: {frame}")
    body = base64.b32decode(frames[0][2:] + "=" * (-len(frames[0][2:]) % 8))
    print(f"frame 0 body, {len(body)} bytes: {body[:1].hex()} {body[1:2].hex()} {body[2:6].hex()} "
          f"{body[6:9].hex()} {body[9:11].hex()} | {len(body) - 15} symbol bytes | "
          f"{body[-4:].hex()}")
    collector, batch = FrameCollector(DEMO_SITE_KEY), None
    for number in (4, 3, 2, 0):  # read in this order; source frames 0 and 1 missed at first
        result = collector.add(frames[number])
        batch = batch or result.batch
        print(f"  station reads frame {number}: {result.text()}")
    print(f"decoded: batch {batch.label}, digest {batch.digest[:16]}..., receipt code "
          f"{receipt_code(DEMO_SITE_KEY, TYPE_ENTRIES, batch_id, batch.digest)}")
    large = FountainFrames(blob, TYPE_ENTRIES, batch_id, qr.frame_size_for(120, 40).max_chars)
    print(f"at 120x40: K = {large.count}, a frame of {len(large.frames()[0])} characters")


def cycle_needed(total: int, missed: float, rng: random.Random) -> int:
    """Protocol 2: frames shown, parts 1..n again and again, until every part was read once."""
    unread, shown = set(range(total)), 0
    while unread:
        if rng.random() >= missed:
            unread.discard(shown % total)
        shown += 1
    return shown


def fountain_needed(count: int, symbols: list[bytes], blob: bytes, missed: float,
                    rng: random.Random) -> tuple[int, int]:
    """Protocol 3: (frames shown, frames read) until the real RaptorQ decoder (the collector's
    SymbolDecoder) gives the blob; source frames first, then repair frames."""
    decoder = fountain.SymbolDecoder(len(blob), len(symbols[0]))
    read = 0
    for shown, symbol in enumerate(symbols, 1):
        if rng.random() < missed:
            continue
        read += 1
        result = decoder.add(shown - 1, symbol)
        if result is not None:
            assert result == blob
            return shown, read
    raise AssertionError("more repair frames were needed than the simulation made")


def frames_needed(entries: list[Entry], trials: int, seed: int) -> None:
    """Frames needed to complete a batch when a share of the frames shown is missed at random,
    protocol 2's cycle beside protocol 3, `trials` runs each (seeded: the same figures each run)."""
    print(f"\nFrames shown until a batch is complete, frames missed at random ({trials:,} trials "
          f"each; n = protocol 2 parts, K = protocol 3 source frames; mean / 99th percentile, "
          f"and as a multiple of n or K; p3 read: the share of trials that decoded from the "
          f"first K frames read, and the most extra frames any trial needed)")
    print(f"{'entries':>7} {'screen':>6} {'missed':>6} | {'n':>3} {'p2 cycle':>11} {'x n':>9} | "
          f"{'K':>3} {'p3 shown':>11} {'x K':>9} | {'p3 read':>12}")
    goal = []
    for size in (15, 300):
        blob, _, _ = blob_of(entries[:size])
        for screen in SCREENS:
            max_chars = qr.frame_size_for(*screen).max_chars
            total = len(split(blob, TYPE_ENTRIES, 1, max_chars))
            stream = FountainFrames(blob, TYPE_ENTRIES, 1, max_chars)
            count = stream.count
            symbols = [decode_frame(f).chunk for f in stream.frames(0, 4 * count + 40)]
            for missed in (0.0, 0.1, 0.2):
                rng = random.Random(f"{seed}-{size}-{screen}-{missed}")
                cycle = sorted(cycle_needed(total, missed, rng) for _ in range(trials))
                runs = [fountain_needed(count, symbols, blob, missed, rng) for _ in range(trials)]
                shown = sorted(s for s, _ in runs)
                read = statistics.mean(r for _, r in runs) / count
                exact = sum(r == count for _, r in runs) / trials
                most = max(r for _, r in runs) - count
                c99, s99 = cycle[int(0.99 * trials) - 1], shown[int(0.99 * trials) - 1]
                print(f"{size:7d} {screen[0]:>3}x{screen[1]:<2} {missed:6.0%} | {total:3d} "
                      f"{statistics.mean(cycle):6.1f}/{c99:<4d} "
                      f"{statistics.mean(cycle) / total:4.2f}/{c99 / total:4.2f} | {count:3d} "
                      f"{statistics.mean(shown):6.1f}/{s99:<4d} "
                      f"{statistics.mean(shown) / count:4.2f}/{s99 / count:4.2f} | "
                      f"{exact:6.1%} K+{most}")
                if missed == 0.2:
                    goal.append((statistics.mean(shown) / count, s99 / count,
                                 statistics.mean(shown) / (count / 0.8), read))
    worst = [max(g[i] for g in goal) for i in range(4)]
    print(f"Goal (20% missed: protocol 3 within 1.15 x K on average, 1.3 x K in 99%): frames "
          f"shown, worst case above: {worst[0]:.2f} x K mean, {worst[1]:.2f} x K in 99%. With a "
          f"fifth of the frames missed no code can do with fewer than K / 0.8 = 1.25 x K shown; "
          f"protocol 3 needs at most {worst[2]:.3f} x that on average, and the frames read are "
          f"at most {worst[3]:.3f} x K.")


def collector_flood(count: int = 10_000, batches: int = 2000) -> None:
    """Time per frame of adding `count` full frames of `batches` batches to one collector."""
    chunk = b"\xab" * 1200
    figures = []
    for claimed in (MAX_FRAMES, 8):
        lines = [encode_frame(Frame(CYCLE_VERSION, TYPE_ENTRIES, n % batches, n // batches,
                                    claimed, chunk)) for n in range(count)]
        collector = FrameCollector(CONFIG.site_key)
        start = time.perf_counter()
        for line in lines:
            collector.add(line)
        spent = time.perf_counter() - start
        figures.append(f"claiming {claimed} parts {spent * 1e6 / count:.0f} us/frame "
                       f"({spent:.2f} s)")
    print(f"collector flood, {count:,} frames of {batches:,} batches: " + ", ".join(figures))


if __name__ == "__main__":
    main()
