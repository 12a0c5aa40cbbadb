"""QR sync size and speed: bytes per entry, entries per frame, frames per batch, timings.

Usage: .venv/bin/python bench/sync.py [--seed 1]
Entries: kiosk.demo (the `kiosk demo-data` generator, four reflection fields filled in),
tests/support/samples.py (entries the length of the dev-set observations, with coach suggestions),
"short": one sentence each, and "free": the 15 dev-set observations (../shared/eval) as written,
once each. The generated sets are built from phrase lists, so a big batch of them repeats words
more than people do; "free" shows what text nobody generated costs per character.
Target (DESIGN.md): at least 8 entries per frame at 120x40; every rendered frame decodes.
Last: the station's collector under a flood of hostile frames (each claiming the maximum
number of parts) against frames of small batches: microseconds per frame.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import zxingcpp

from kiosk.config import load_config
from kiosk.demo import generate
from kiosk.entries import REFLECTION_FIELDS, Entry, new_id
from kiosk.sync import payload, qr
from kiosk.sync.codec import (CYCLE_VERSION, MAX_FRAMES, TYPE_ENTRIES, Frame, chunk_bytes_for,
                              encode_frame, new_batch_id, seal, split)
from kiosk.sync.collect import FrameCollector

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
    args = parser.parse_args()
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
    frames = split(blob, TYPE_ENTRIES, 1, size.max_chars)
    start = time.perf_counter()
    cells = [qr.render_cells(f, size.version) for f in frames]
    render = time.perf_counter() - start
    start = time.perf_counter()
    decoded = [zxingcpp.read_barcodes(qr.rasterise(c, 3))[0].text for c in cells]
    read = time.perf_counter() - start
    assert decoded == frames
    print(f"300 demo entries at 120x40: pack+compress+seal {build * 1000:.0f} ms, "
          f"render {len(frames)} frames {render * 1000 / len(frames):.1f} ms each, "
          f"rasterise+zxing-cpp {read * 1000 / len(frames):.1f} ms each; all {len(frames)} "
          f"frames decoded")
    period = CONFIG.frame_period
    for screen, s in frame_sizes.items():
        n = -(-len(blob) // chunk_bytes_for(s.max_chars))
        print(f"  showing them at {screen[0]}x{screen[1]}: {n} frames x {period} s = "
              f"{n * period / 60:.1f} min per pass")

    collector_flood()


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
