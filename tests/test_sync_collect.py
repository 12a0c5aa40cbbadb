"""The collector of scanned frames (kiosk/sync/collect.py): protocol 2's numbered parts and
protocol 3's fountain-coded ones, any order, duplicates, stray text, foreign batches."""

from __future__ import annotations

import random
from dataclasses import replace

from kiosk.sync import payload
from kiosk.sync.codec import (TYPE_ENTRIES, FountainFrames, decode_frame, encode_frame, seal,
                              split)
from kiosk.sync.collect import FrameCollector, collect_batches
from support.samples import sample_entries

KEY = "site-key-for-the-tests-0123456789"
OTHER_KEY = "another-site-key-0123456789abcdef"
HEADER = {"t": TYPE_ENTRIES, "f": "kiosk-a1", "m": "2025-03-03T06:00:00.000Z"}
BATCH_ID = 0x1234ABCD


def sealed(entries=None, key: str = KEY, batch_id: int = BATCH_ID) -> bytes:
    entries = sample_entries(6, seed=4) if entries is None else entries
    return seal(payload.compress(payload.pack_entries(entries, HEADER)), key, TYPE_ENTRIES,
                batch_id)


def frames_of(blob: bytes, max_chars: int = 120) -> list[str]:
    return split(blob, TYPE_ENTRIES, BATCH_ID, max_chars)


def stream_of(blob: bytes, max_chars: int = 122, batch_id: int = BATCH_ID) -> FountainFrames:
    return FountainFrames(blob, TYPE_ENTRIES, batch_id, max_chars)


# -- protocol 2 -----------------------------------------------------------------------------------
def test_collector_reports_progress_missing_frames_and_completes_in_any_order():
    blob = sealed()
    frames = frames_of(blob)
    collector = FrameCollector(KEY)
    result = collector.add(frames[2])
    assert result.status == "added" and collector.total == len(frames)
    assert collector.missing()[:3] == [1, 2, 4] and not collector.fountain
    assert collector.add("not a frame").status == "ignored"
    assert collector.add(frames[2]).status == "duplicate"
    assert collector.received == 1
    for text in reversed(frames):
        result = collector.add(text.lower())
    assert result.status == "complete" and result.batch is not None
    assert result.batch.document["f"] == "kiosk-a1"
    assert collector.current is None and collector.missing() == []
    assert "compleet" in result.text("nl")


def test_collector_keeps_two_batches_apart():
    first = frames_of(sealed(sample_entries(5, seed=1)))
    other = split(sealed(sample_entries(5, seed=2), batch_id=99), TYPE_ENTRIES, 99, 120)
    collector = FrameCollector(KEY)
    done = []
    for a, b in zip(first, other):
        done += [r.batch for r in (collector.add(a), collector.add(b)) if r.batch]
    for text in first[len(other):] + other[len(first):]:
        result = collector.add(text)
        if result.batch:
            done.append(result.batch)
    assert sorted(b.batch_id for b in done) == [99, BATCH_ID]


def test_collector_refuses_a_foreign_batch_and_can_start_again():
    collector = FrameCollector(KEY)
    results = [collector.add(text) for text in frames_of(sealed(key=OTHER_KEY))]
    assert results[-1].status == "failed" and results[-1].batch is None
    assert "different site key" in results[-1].text()
    assert collector.current is None
    results = [collector.add(text) for text in frames_of(sealed())]
    assert results[-1].batch is not None


def test_collector_drops_a_batch_with_two_different_frames_of_one_number():
    frames = frames_of(sealed())
    first = decode_frame(frames[0])
    collector = FrameCollector(KEY)
    collector.add(frames[0])
    result = collector.add(encode_frame(replace(first, chunk=b"x" * len(first.chunk))))
    assert result.status == "failed" and "part 1" in result.text()


# -- protocol 3 -----------------------------------------------------------------------------------
def test_any_k_or_so_fountain_frames_complete_the_batch_and_progress_says_about():
    blob = sealed(sample_entries(12, seed=3))
    stream = stream_of(blob)
    count = stream.count
    assert count >= 8
    pool = stream.frames(0, 3 * count)
    rng = random.Random(7)
    for _ in range(20):
        lines = rng.sample(pool, count + 2)  # source and repair frames, any of them
        collector = FrameCollector(KEY)
        results = [collector.add(line) for line in lines]
        done = [r for r in results if r.status == "complete"]
        assert len(done) == 1 and done[0].batch.document["len"] == 12
        assert results.index(done[0]) >= count - 1  # never before K frames
        assert all(r.status == "duplicate" for r in results[results.index(done[0]) + 1:])
        first = results[0]
        assert first.text() == f"Part 1 of about {count} read - keep scanning."
        assert first.text("nl") == f"Deel 1 van ongeveer {count} gelezen - scan verder."


def test_a_fountain_batch_keeps_coming_after_it_is_complete_and_is_not_imported_twice():
    stream = stream_of(sealed())
    collector = FrameCollector(KEY)
    results = [collector.add(line) for line in stream.frames(0, stream.count + 5)]
    assert [r.status for r in results].count("complete") == 1
    assert results[-1].status == "duplicate" and "already complete" in results[-1].text()
    assert collector.current is None and collector.incomplete() == []


def test_fountain_progress_counts_distinct_frames_and_a_repeat_is_a_duplicate():
    stream = stream_of(sealed())
    frames = stream.frames(0, stream.count)
    collector = FrameCollector(KEY)
    collector.add(frames[3])
    again = collector.add(frames[3].lower())
    assert again.status == "duplicate" and collector.received == 1 and collector.fountain
    assert again.text() == \
        f"This part was already read (1 of about {stream.count}) - keep scanning."
    assert collector.missing() == [] and collector.missing_text() == ""


def test_a_fountain_frame_with_the_id_of_another_but_other_content_drops_the_batch():
    stream = stream_of(sealed())
    frames = stream.frames(0, stream.count)
    collector = FrameCollector(KEY)
    collector.add(frames[0])
    forged = decode_frame(frames[0])
    result = collector.add(encode_frame(replace(forged, chunk=bytes(len(forged.chunk)))))
    assert result.status == "failed" and collector.current is None


def test_a_fountain_batch_of_a_foreign_key_or_tampered_is_refused_whole():
    foreign = stream_of(sealed(key=OTHER_KEY))
    collector = FrameCollector(KEY)
    results = [collector.add(line) for line in foreign.frames(foreign.count, foreign.count)]
    assert results[-1].status == "failed" and "different site key" in results[-1].text()
    blob = bytearray(sealed())
    blob[40] ^= 0x01
    tampered = stream_of(bytes(blob))
    results = [collector.add(line) for line in tampered.frames(3, tampered.count)]
    assert results[-1].status == "failed" and "changed or forged" in results[-1].text()
    assert not any(r.batch for r in results)


def test_one_batch_cut_for_two_screen_sizes_is_kept_apart_and_each_completes():
    blob = sealed()
    small, large = stream_of(blob, 122), stream_of(blob, 300)
    collector = FrameCollector(KEY)
    lines = small.frames(0, small.count - 1) + large.frames(0, large.count) + \
        small.frames(small.count, 1)
    done = [r.batch for r in map(collector.add, lines) if r.batch]
    assert len(done) == 2 and done[0].digest == done[1].digest


def test_protocol_2_and_3_frames_of_one_sealed_batch_give_the_same_batch():
    blob = sealed()
    stream = stream_of(blob)
    [old], _ = collect_batches(frames_of(blob), KEY)
    [new], _ = collect_batches(stream.frames(stream.count, stream.count + 1), KEY)
    assert (old.document, old.digest) == (new.document, new.digest)


def test_collect_batches_says_how_many_more_fountain_parts_are_needed():
    stream = stream_of(sealed())
    batches, problems = collect_batches(stream.frames(0, stream.count - 2), KEY)
    assert batches == []
    [problem] = problems
    assert f"{stream.count - 2} parts read, about {stream.count} needed" in problem.text()
    assert problem.text("nl").startswith("pakket ") and "ongeveer" in problem.text("nl")
