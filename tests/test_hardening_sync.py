"""Hardening: hostile sync input at the station, end to end into a real store.

Codec-level proofs already exist (test_sync_codec.py: decompression bomb, absurd frame totals,
foreign key, tampering, two different frames with one number; test_sync_props.py: hypothesis
on random text, random Base32, re-framed random chunks, signed random payloads). These tests add
what the person at the station meets: bounded memory and time for a flood of frames, a clear
message, and nothing in the store - through the `kiosk import` command and the collector.
The long fuzz run is bench/fuzz_import.py.
"""

from __future__ import annotations

import os
import random
import struct
import time
import tracemalloc
import zlib

import pytest

from kiosk.cli import main
from kiosk.config import load_config
from kiosk.store import Store
from kiosk.sync import payload
from kiosk.sync.codec import (CYCLE_VERSION, FOUNTAIN_VERSION, MAX_FRAMES, TYPE_ENTRIES, Frame,
                              FountainFrames, encode_frame, seal, split)
from kiosk.sync.collect import FrameCollector
from kiosk.sync.zdict import ZDICT
from support.samples import sample_entries

HEADER = {"t": TYPE_ENTRIES, "f": "kiosk-a1", "m": "2025-03-03T06:00:00.000Z"}


@pytest.fixture
def station(tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_MODE", "supervisor")
    config = load_config().with_changes(data_dir=tmp_path / "station")
    assert config.mode == "supervisor"
    return config


def frames_for(key: str, batch_id: int, entries=None, raw: bytes | None = None,
               chars: int = 300) -> list[str]:
    body = raw if raw is not None else payload.compress(
        payload.pack_entries(entries or sample_entries(4, seed=batch_id), HEADER))
    return split(seal(body, key, TYPE_ENTRIES, batch_id), TYPE_ENTRIES, batch_id, chars)


def bomb(key: str) -> list[str]:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zdict=ZDICT)
    body = bytes([payload.CODEC_DEFLATE]) + packer.compress(
        b"{" + b" " * (payload.MAX_PAYLOAD_BYTES * 4) + b"}") + packer.flush()
    return frames_for(key, 4242, raw=body, chars=2000)


def run_import(tmp_path, config, lines: list[str], capsys) -> tuple[int, str]:
    path = tmp_path / "scanned.txt"
    path.write_text("\n".join(lines) + "\n")
    code = main(["--data-dir", str(config.data_dir), "import", "--text", str(path)])
    out = capsys.readouterr()
    return code, out.out + out.err


def station_count(config) -> int:
    if not config.data_dir.exists():
        return 0
    with Store(config.data_dir, readonly=True) as store:
        return store.count()


RANDOM = random.Random(20261127)

CASES = {
    "decompression bomb": (lambda key: bomb(key), "unpacks to more than 16 MB"),
    "another site key": (lambda key: frames_for("someone-elses-key-0123456789", 7),
                         "different site key"),
    # seeded: an unseeded run now and then makes a piece that starts with "ks" (a frame prefix)
    # and is then reported as a damaged frame, a different (also correct) message
    "random bytes": (lambda key: [RANDOM.randbytes(200).decode("latin-1").replace("\n", " ")
                                  for _ in range(50)], "No sync codes found"),
    "a frame claiming 65535 parts": (
        lambda key: [encode_frame(Frame(CYCLE_VERSION, TYPE_ENTRIES, 9, 0, 65535, b"x" * 40))],
        "claims its batch has 65535 parts"),
    "a fountain frame claiming 4097 parts": (
        lambda key: [encode_frame(Frame(FOUNTAIN_VERSION, TYPE_ENTRIES, 9, 0, 0, b"x" * 40,
                                        (MAX_FRAMES + 1) * 40))],
        "claims its batch has 4097 parts"),
    "a fountain batch of another site key": (
        lambda key: FountainFrames(bytes(20) + b"x" * 600, TYPE_ENTRIES, 5, 200).frames(0, 9),
        "different site key"),
    "one batch id, two contents": (
        lambda key: [*frames_for(key, 77, sample_entries(6, seed=1), chars=120)[:2],
                     *frames_for(key, 77, sample_entries(6, seed=2), chars=120)],
        ""),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_scans_give_a_clear_message_and_import_nothing(tmp_path, station, capsys, case):
    make, message = CASES[case]
    lines = make(station.site_key)
    started = time.process_time()
    tracemalloc.start()
    code, said = run_import(tmp_path, station, lines, capsys)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # CPU seconds of this process (other programs on the machine do not count): each case
    # once took minutes; now well under one (bench/sync.py prints the speed).
    assert time.process_time() - started < 30
    assert peak < 64 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
    assert code != 0, said
    assert "Traceback" not in said and said.strip()
    assert message in said
    assert station_count(station) == 0


def test_two_batches_with_one_id_but_different_content_are_dropped_by_the_collector(station):
    first = frames_for(station.site_key, 77, sample_entries(6, seed=1), chars=120)
    second = frames_for(station.site_key, 77, sample_entries(6, seed=2), chars=120)
    assert len(first) == len(second) > 2
    collector = FrameCollector(station.site_key)
    results = [collector.add(line) for line in (*first[:-1], second[0], *second[1:])]
    assert not any(r.batch for r in results)
    assert "failed" in [r.status for r in results]
    failed = next(r for r in results if r.status == "failed")
    assert "different" in failed.text("en").lower() or "conflict" in failed.text("en").lower() \
        or "twice" in failed.text("en").lower(), failed.text("en")


def flood(claimed: int, batches: int = 200, parts: int = 5, version: int = CYCLE_VERSION
          ) -> list[str]:
    """`batches` x `parts` frames with full chunks, each claiming `claimed` parts, interleaved
    (frame 1 of every batch, then frame 2, ...) so that none is ever complete. Protocol 3:
    symbols of 1,200 bytes of a batch as long as `claimed` of them."""
    chunk = b"\xab" * 1200
    return [encode_frame(Frame(version, TYPE_ENTRIES, n % batches, n // batches, claimed, chunk,
                               claimed * len(chunk) if version == FOUNTAIN_VERSION else 0))
            for n in range(batches * parts)]


def add_all(site_key: str, lines: list[str]) -> tuple[float, FrameCollector]:
    """CPU seconds to add every line to a new collector (each must be "added"), and it."""
    collector = FrameCollector(site_key)
    started = time.process_time()
    for line in lines:
        assert collector.add(line).status == "added"
    return time.process_time() - started, collector


@pytest.mark.parametrize("version", [CYCLE_VERSION, FOUNTAIN_VERSION])
def test_a_flood_of_frames_keeps_the_collector_bounded_in_memory_and_time(station, version):
    """Frames of 200 batches each claiming the maximum number of parts: the collector keeps at
    most a few batches and a bounded number of bytes, and a frame costs about what a frame
    of a small batch costs (measured in the same run), not more for the parts it claims.
    Protocol 3: no RaptorQ decoder is made for a batch that is not K frames long."""
    claiming_most, claiming_few = flood(MAX_FRAMES, version=version), flood(8, version=version)
    runs: dict[str, list[float]] = {"most": [], "few": []}
    for _ in range(2):  # interleaved, so a busy moment of the machine hits both alike
        spent, collector = add_all(station.site_key, claiming_most)
        runs["most"].append(spent)
        assert len(collector.incomplete()) <= collector.max_batches
        assert collector._stored_bytes() <= collector.max_bytes
        assert all(total == MAX_FRAMES for _, _, total in collector.incomplete())
        runs["few"].append(add_all(station.site_key, claiming_few)[0])
    # Walking every claimed part per frame made this hundreds of times slower (minutes).
    assert min(runs["most"]) < 5 * min(runs["few"]) + 0.05, runs


def test_a_frame_can_never_claim_a_million_parts():
    """The header holds the total in 16 bits: 10^6 cannot even be written, and every total
    above MAX_FRAMES is refused before anything is kept."""
    with pytest.raises(struct.error):
        encode_frame(Frame(CYCLE_VERSION, TYPE_ENTRIES, 1, 0, 10**6, b"x"))
    collector = FrameCollector("k" * 20)
    result = collector.add(encode_frame(Frame(CYCLE_VERSION, TYPE_ENTRIES, 1, 0, MAX_FRAMES + 1,
                                              b"x")))
    assert result.status == "ignored" and collector.incomplete() == []
