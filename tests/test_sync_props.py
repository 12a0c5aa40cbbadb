"""Property tests for the sync codec: any input gives a correct batch or a clear error, never a
crash and never a wrong entry; for protocol 2's numbered frames and protocol 3's fountain-coded
ones."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from dataclasses import replace
from datetime import timedelta, timezone

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kiosk.entries import (CATEGORIES, KINDS, STATUSES, SUGGESTION_KINDS, VERDICTS, VISIBILITIES,
                           Entry, Response, Suggestion)
from kiosk.sync import payload
from kiosk.sync.codec import (MIN_FRAME_CHARS, TYPE_ENTRIES, FountainFrames, assemble,
                              decode_frame, open_blob, seal, split)
from kiosk.sync.collect import FrameCollector
from kiosk.sync.errors import SyncError
from support.samples import sample_entries

KEY = "site-key-for-the-tests-0123456789"
BATCH_ID = 77
HEADER = {"t": TYPE_ENTRIES, "f": "kiosk-a1", "m": "2025-03-03T06:00:00.000Z"}
ENTRIES = sample_entries(8, seed=21, answered=0.5)
BLOB = seal(payload.compress(payload.pack_entries(ENTRIES, HEADER)), KEY, TYPE_ENTRIES, BATCH_ID)
FRAMES = split(BLOB, TYPE_ENTRIES, BATCH_ID, 90)  # QR version 4 frames: many small ones
DOCUMENT = open_blob(BLOB, KEY, TYPE_ENTRIES, BATCH_ID, len(FRAMES)).document
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def collect(lines: list[str]) -> tuple[FrameCollector, list]:
    collector = FrameCollector(KEY)
    return collector, [collector.add(line) for line in lines]


def test_the_fixture_batch_has_many_frames():
    assert len(FRAMES) >= 10


@FAST
@given(order=st.permutations(range(len(FRAMES))),
       repeats=st.lists(st.integers(0, len(FRAMES) - 1), max_size=10),
       lower=st.lists(st.booleans(), min_size=len(FRAMES), max_size=len(FRAMES)))
def test_shuffled_duplicated_lower_cased_frames_give_the_same_batch(order, repeats, lower):
    lines = [FRAMES[i].lower() if lower[i] else FRAMES[i] for i in order]
    for position, i in enumerate(repeats):
        lines.insert(position * 2 % (len(lines) + 1), FRAMES[i])
    _, results = collect(lines)
    complete = [r for r in results if r.status == "complete"]
    assert len(complete) == 1 and complete[0].batch.document == DOCUMENT
    assert all(r.ok for r in results)


@FAST
@given(kept=st.sets(st.integers(0, len(FRAMES) - 1), max_size=len(FRAMES) - 1))
def test_dropped_frames_give_no_batch_and_the_exact_missing_list(kept):
    collector, results = collect([FRAMES[i] for i in sorted(kept)])
    assert all(r.batch is None for r in results)
    if kept:
        assert collector.missing() == [i + 1 for i in range(len(FRAMES)) if i not in kept]


@FAST
@given(frame=st.integers(0, len(FRAMES) - 1), position=st.integers(0, 10_000),
       replacement=st.sampled_from(ALPHABET + "01890-+ $%*./:"), again=st.booleans())
def test_a_corrupted_frame_is_refused_and_never_imports_a_wrong_entry(frame, position,
                                                                      replacement, again):
    text = FRAMES[frame]
    position = 2 + position % (len(text) - 2)
    assume(text[position] != replacement)
    broken = text[:position] + replacement + text[position + 1:]
    collector, results = collect([broken, *(FRAMES if again else FRAMES[:frame])])
    assert results[0].status == "ignored"
    batches = [r.batch for r in results if r.batch is not None]
    assert all(b.document == DOCUMENT for b in batches)
    assert len(batches) == (1 if again else 0)


@FAST
@given(lines=st.lists(st.text(max_size=300), max_size=8))
def test_random_text_never_crashes_the_collector(lines):
    _, results = collect(lines)
    assert all(r.status == "ignored" and r.batch is None for r in results)
    assert all(r.text() and r.text("nl") for r in results)


@FAST
@given(bodies=st.lists(st.text(alphabet=ALPHABET + ALPHABET.lower(), min_size=20, max_size=200),
                       max_size=6))
def test_random_base32_after_the_magic_never_crashes_the_collector(bodies):
    _, results = collect(["KS" + body for body in bodies])
    assert all(r.batch is None for r in results)


def _with_crc(body: bytes) -> str:
    body += struct.pack(">I", zlib.crc32(body))
    return "KS" + base64.b32encode(body).decode().rstrip("=")


@FAST
@given(frames=st.lists(st.tuples(st.integers(0, 255), st.sampled_from([b"E", b"R", b"?"]),
                                 st.integers(0, 3), st.integers(0, 2 ** 16 - 1),
                                 st.integers(0, 2 ** 16 - 1), st.binary(max_size=60)),
                       max_size=12))
def test_well_formed_frames_with_random_content_never_import_anything(frames):
    lines = [_with_crc(struct.pack(">BcIHH", version, kind, batch, index % max(total, 1),
                                   total) + chunk)
             for version, kind, batch, index, total, chunk in frames]
    _, results = collect(lines)
    assert all(r.batch is None for r in results)
    assert all(r.status in ("added", "duplicate", "ignored", "failed") for r in results)


@FAST
@given(blob=st.binary(max_size=400))
def test_random_blobs_only_raise_sync_errors(blob):
    try:
        open_blob(blob, KEY, TYPE_ENTRIES, 1, 1)
    except SyncError:
        return
    raise AssertionError("a random blob was accepted")


@FAST
@given(data=st.binary(max_size=400))
def test_signed_random_payloads_only_raise_sync_errors(data):
    try:
        batch = open_blob(seal(data, KEY, TYPE_ENTRIES, 1), KEY, TYPE_ENTRIES, 1, 1)
        payload.unpack_entries(batch.document)
    except SyncError:
        pass


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                    | st.text(max_size=30),
                    lambda inner: st.lists(inner, max_size=5)
                    | st.dictionaries(st.text(max_size=3), inner, max_size=5), max_leaves=20)


@st.composite
def nonsense_documents(draw) -> dict:
    """Well-formed tables (mostly: a column of the wrong length now and then) of random values."""
    count = draw(st.integers(0, 3))
    length = st.integers(0, 3) if draw(st.integers(0, 9)) == 0 else st.just(count)
    columns = draw(st.dictionaries(st.sampled_from(payload.COLUMNS),
                                   length.flatmap(lambda n: st.lists(JSON, min_size=n,
                                                                     max_size=n)), max_size=10))
    shared = draw(st.dictionaries(st.sampled_from(["k", "st", "l", "g", "src", "au", "y", "len"]),
                                  JSON, max_size=2))
    return {"t": "E", "y": 1, "src": ["bank"], "au": ["w-1"], "len": count, **shared, **columns}


@FAST
@given(document=nonsense_documents())
def test_signed_but_nonsense_documents_are_refused_with_a_payload_error(document):
    data = json.dumps(document).encode()
    try:
        batch = open_blob(seal(payload.compress(data), KEY, TYPE_ENTRIES, 1), KEY,
                          TYPE_ENTRIES, 1, 1)
        entries = payload.unpack_entries(batch.document)
    except SyncError:
        return
    assert all(isinstance(e, Entry) and e.validate() for e in entries)


@settings(max_examples=80, deadline=None)
@given(blob=st.binary(min_size=1, max_size=2500), max_chars=st.integers(MIN_FRAME_CHARS, 700))
def test_any_blob_splits_into_frames_that_fit_and_reassemble(blob, max_chars):
    frames = split(blob, TYPE_ENTRIES, 5, max_chars)
    assert all(len(f) <= max_chars for f in frames)
    assert assemble([decode_frame(f.lower()) for f in reversed(frames)]) == blob


# -- entries survive the payload exactly ----------------------------------------------------------
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
STAMPS = st.datetimes(timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=2))]))


def _stamp(moment, style: int) -> str:
    if style == 0:
        moment = moment.astimezone(timezone.utc)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return moment.isoformat(timespec="seconds" if style == 1 else "microseconds")


stamps = st.builds(_stamp, STAMPS, st.integers(0, 2))
suggestions = st.builds(Suggestion, st.sampled_from(SUGGESTION_KINDS), TEXT,
                        st.sampled_from(["bank", "smollm2", "x"]),
                        st.sampled_from((None, *VERDICTS)), st.none() | TEXT)
responses = st.builds(Response, stamps, TEXT, TEXT)


@st.composite
def entries(draw) -> Entry:
    base = ENTRIES[draw(st.integers(0, len(ENTRIES) - 1))]
    what_happened = draw(TEXT.filter(str.strip))
    # a title that is the start of what happened, and suggestions that repeat the title, have
    # short forms in the payload; so do ids made by the entry's own kiosk (not by another one)
    title = draw(TEXT | st.integers(1, len(what_happened)).map(lambda n: what_happened[:n]))
    suggestion_list = draw(st.lists(suggestions, max_size=3))
    if suggestion_list and draw(st.booleans()):
        suggestion_list[0] = replace(suggestion_list[0], text=title,
                                     final_text=draw(st.sampled_from([None, title, "x"])))
    fields = dict(
        kiosk_id=draw(st.sampled_from([base.kiosk_id, "kiosk-b2"])),
        author=draw(st.none() | st.text(min_size=1, max_size=10).filter(str.strip)),
        station=draw(TEXT), line=draw(TEXT), language=draw(st.sampled_from(["en", "nl"])),
        kind=draw(st.sampled_from(KINDS)), category=draw(st.sampled_from(CATEGORIES)),
        what_happened=what_happened, noticed=draw(TEXT), title=title,
        visibility=draw(st.sampled_from(VISIBILITIES)), status=draw(st.sampled_from(STATUSES)),
        status_reason=draw(TEXT), seen=draw(st.booleans()), urgent=draw(st.booleans()),
        suggestions=suggestion_list,
        responses=draw(st.lists(responses, max_size=2)),
        created=draw(stamps), updated=draw(st.just("") | stamps),
    )
    return replace(base, **fields).validate()


@settings(max_examples=150, deadline=None)
@given(batch=st.lists(entries(), min_size=1, max_size=5, unique_by=lambda e: e.id))
def test_any_valid_entries_survive_the_payload_exactly(batch):
    data = payload.decompress(payload.compress(payload.pack_entries(batch, HEADER)))
    back = payload.unpack_entries(payload.unpack_document(data))
    expected = sorted(batch, key=lambda e: e.id)
    assert [e.to_dict() for e in back] == [replace(e, sync="pending").to_dict() for e in expected]


# -- protocol 3: fountain-coded frames ------------------------------------------------------------
STREAM = FountainFrames(BLOB, TYPE_ENTRIES, BATCH_ID, 90)
POOL = STREAM.frames(0, 3 * STREAM.count)  # source frames, then twice as many repair frames


def test_the_fountain_fixture_has_many_frames():
    assert STREAM.count >= 10


@FAST
@given(data=st.data(), extra=st.integers(3, 12), repeats=st.integers(0, 6),
       lower=st.booleans())
def test_any_k_plus_a_few_fountain_frames_in_any_order_give_the_same_batch(data, extra, repeats,
                                                                           lower):
    chosen = data.draw(st.permutations(range(len(POOL))))[:STREAM.count + extra]
    lines = [POOL[i].lower() if lower and i % 2 else POOL[i] for i in chosen]
    for _ in range(repeats):
        again = POOL[data.draw(st.sampled_from(chosen))]
        lines.insert(data.draw(st.integers(0, len(lines))), again)
    _, results = collect(lines)
    complete = [r for r in results if r.status == "complete"]
    assert len(complete) == 1 and complete[0].batch.document == DOCUMENT
    assert all(r.ok for r in results)


@FAST
@given(chosen=st.sets(st.integers(0, 3 * STREAM.count - 1), max_size=STREAM.count - 1))
def test_fewer_than_k_fountain_frames_never_give_a_batch(chosen):
    collector, results = collect([POOL[i] for i in sorted(chosen)])
    assert all(r.batch is None and r.ok for r in results)
    assert collector.received == len(chosen)


@FAST
@given(frame=st.integers(0, 3 * STREAM.count - 1), position=st.integers(0, 10_000),
       replacement=st.sampled_from(ALPHABET + "01890-+ $%*./:"))
def test_a_corrupted_fountain_frame_is_refused_and_never_imports_a_wrong_entry(frame, position,
                                                                             replacement):
    text = POOL[frame]
    position = 2 + position % (len(text) - 2)
    assume(text[position] != replacement)
    broken = text[:position] + replacement + text[position + 1:]
    _, results = collect([broken, *POOL])
    assert results[0].status == "ignored"
    batches = [r.batch for r in results if r.batch is not None]
    assert len(batches) == 1 and batches[0].document == DOCUMENT


@FAST
@given(frames=st.lists(st.tuples(st.sampled_from([b"E", b"R", b"?"]), st.integers(0, 3),
                                 st.integers(0, 2 ** 24 - 1), st.integers(0, 2 ** 16 - 1),
                                 st.binary(max_size=90)), max_size=12))
def test_well_formed_fountain_frames_with_random_content_never_import_anything(frames):
    lines = [_with_crc(struct.pack(">BcI", 3, kind, batch) + length.to_bytes(3, "big") +
                       esi.to_bytes(2, "big") + symbol)
             for kind, batch, length, esi, symbol in frames]
    _, results = collect(lines)
    assert all(r.batch is None for r in results)
    assert all(r.status in ("added", "duplicate", "ignored", "failed") for r in results)


@settings(max_examples=60, deadline=None)
@given(blob=st.binary(min_size=1, max_size=2500), max_chars=st.integers(MIN_FRAME_CHARS, 700),
       start=st.integers(0, 40))
def test_any_blob_goes_into_fountain_frames_that_fit_and_come_back(blob, max_chars, start):
    stream = FountainFrames(blob, TYPE_ENTRIES, 5, max_chars)
    frames = stream.frames(start, stream.count + 2)
    assert all(len(f) <= max_chars for f in frames)
    assert assemble([decode_frame(f.lower()) for f in reversed(frames)]) == blob
