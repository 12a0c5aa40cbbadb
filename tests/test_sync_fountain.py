"""Sync protocol 3: fountain-coded frames (RaptorQ through the `raptorq` package): the frame
format, decoding from any K or so frames in any order, strict refusal of malformed frames, and
the guards that keep malformed input away from the Rust decoder (which panics on it)."""

from __future__ import annotations

import base64
import random
import re
import struct
import zlib
from dataclasses import replace

import pytest
import raptorq

from kiosk.sync import fountain, payload, qr
from kiosk.sync.codec import (FOUNTAIN_VERSION, MAX_FRAMES, REPAIR_FRAMES, TYPE_ENTRIES,
                              FountainFrames, decode_frame, decode_lines, encode_frame, seal,
                              split, symbol_bytes_for)
from kiosk.sync.errors import BatchError, FrameError
from support.samples import sample_entries

KEY = "site-key-for-the-tests-0123456789"
HEADER = {"t": TYPE_ENTRIES, "f": "kiosk-a1", "m": "2025-03-03T06:00:00.000Z"}
BATCH_ID = 0x5EC0FFEE
BLOB = seal(payload.compress(payload.pack_entries(sample_entries(10, seed=6), HEADER)), KEY,
            TYPE_ENTRIES, BATCH_ID)


def stream(max_chars: int = 122, blob: bytes = BLOB) -> FountainFrames:
    return FountainFrames(blob, TYPE_ENTRIES, BATCH_ID, max_chars)


def body3(length: int, esi: int, symbol: bytes, kind: bytes = b"E") -> str:
    """A protocol 3 frame around these values, with a correct CRC."""
    body = struct.pack(">BcI", FOUNTAIN_VERSION, kind, 7) + length.to_bytes(3, "big") + \
        esi.to_bytes(2, "big") + symbol
    body += struct.pack(">I", zlib.crc32(body))
    return "KS" + base64.b32encode(body).decode().rstrip("=")


def test_frames_fit_the_qr_code_and_carry_length_and_symbol_id():
    frames = stream(122)
    texts = frames.frames(0, frames.count + 3)
    assert frames.count == -(-len(BLOB) // symbol_bytes_for(122))
    for esi, text in enumerate(texts):
        assert re.fullmatch(r"KS[A-Z2-7]+", text) and len(text) <= qr.alphanumeric_capacity(5)
        frame = decode_frame(text)
        assert (frame.version, frame.batch_type, frame.batch_id, frame.index) == \
            (3, "E", BATCH_ID, esi)
        assert (frame.total, frame.length, len(frame.chunk)) == (frames.count, len(BLOB), 60)
    # the source frames are the sealed batch itself, in order
    assert b"".join(decode_frame(t).chunk for t in texts[:frames.count])[:len(BLOB)] == BLOB
    assert len({text[:16] for text in texts}) == 1  # magic, version, type, id and length


@pytest.mark.parametrize("max_chars", [60, 122, 483, 2000])
def test_any_k_plus_two_frames_in_any_order_decode_exactly(max_chars):
    frames = stream(max_chars)
    pool = frames.frames(0, 2 * frames.count + 10)
    rng = random.Random(max_chars)
    for _ in range(10):
        lines = rng.sample(pool, min(len(pool), frames.count + 2))
        [batch] = decode_lines([t.lower() if rng.random() < .3 else t for t in lines], KEY)
        assert batch.document["len"] == 10 and batch.frames == frames.count


def test_fewer_than_k_frames_never_decode_and_say_how_many_are_needed():
    frames = stream()
    with pytest.raises(BatchError) as caught:
        decode_lines(frames.frames(5, frames.count - 1), KEY)
    assert caught.value.reason.key == "batch.incomplete_fountain"
    assert f"about {frames.count} needed" in str(caught.value)


def test_the_frames_are_the_same_every_time_and_go_on_without_end():
    frames = stream()
    assert frames.frames(0, 50) == stream().frames(0, 50)
    cycle = frames.count + REPAIR_FRAMES
    assert frames.frames(cycle - 1, 3) == frames.frames(cycle - 1, 1) + frames.frames(0, 2)
    assert len(set(frames.frames(0, cycle))) == cycle


def test_frames_of_two_cuts_or_two_protocols_are_not_mixed_in_a_file():
    mixed = stream(122).frames(0, 3) + stream(300).frames(0, 9)
    with pytest.raises(BatchError) as caught:
        decode_lines(mixed, KEY)
    assert caught.value.reason.key == "batch.sizes_differ"
    with pytest.raises(BatchError) as caught:
        decode_lines(split(BLOB, TYPE_ENTRIES, BATCH_ID, 122)[:2] + stream().frames(), KEY)
    assert caught.value.reason.key == "batch.sizes_differ"


def test_one_symbol_id_with_two_contents_is_refused_in_a_file():
    frames = stream().frames()
    frame = decode_frame(frames[0])
    other = encode_frame(replace(frame, chunk=bytes(len(frame.chunk))))
    with pytest.raises(BatchError) as caught:
        decode_lines([*frames, other], KEY)
    assert caught.value.reason.key == "batch.same_number"


@pytest.mark.parametrize("length, size, key", [
    (100, 65, "frame.bad_size"), (100, 70, "frame.bad_size"), (0, 20, "frame.absurd_total"),
    (MAX_FRAMES * 20 + 1, 20, "frame.absurd_total"), (2**24 - 1, 8, "frame.absurd_total"),
])
def test_malformed_fountain_frames_are_refused_before_any_decoding(length, size, key):
    with pytest.raises(FrameError) as caught:
        decode_frame(body3(length, 0, bytes(size)))
    assert caught.value.key == key
    assert not str(caught.value).startswith("sync.")


def test_a_fountain_frame_with_no_symbol_is_cut_short():
    with pytest.raises(FrameError) as caught:
        decode_frame(body3(10, 0, b""))
    assert caught.value.key == "frame.cut_short"


def test_the_symbol_size_rule_is_the_packages_own():
    """The encoder keeps a symbol size up to 64 and rounds larger ones down to a multiple of 8:
    frames are cut to sizes it keeps, and frames of other sizes are refused. If a new version of
    the package changes the rule, this fails (and the protocol needs a look)."""
    rng = random.Random(3)
    for size in [*range(1, 140), *rng.sample(range(140, 5200), 60)]:
        length = rng.randrange(1, 40 * size)
        packet = raptorq.Encoder.with_defaults(bytes(length), size).get_encoded_packets(0)[0]
        assert len(packet) - 4 == fountain.usable_symbol_size(size), size


def test_the_largest_batch_is_one_source_block():
    max_chars = 6574  # symbols of 4,088 bytes: 4,096 of them still fit the 3-byte length
    size = symbol_bytes_for(max_chars)
    blob = random.Random(1).randbytes(MAX_FRAMES * size)
    frames = FountainFrames(blob, TYPE_ENTRIES, 1, max_chars)
    assert (size, frames.count) == (4088, MAX_FRAMES)
    assert len(frames.frames(MAX_FRAMES - 1, 2)) == 2  # made and checked: block 0, ids in order
    with pytest.raises(BatchError, match="4097 parts"):
        FountainFrames(blob + b"x", TYPE_ENTRIES, 1, max_chars)
    with pytest.raises(BatchError, match="MB that sync codes can hold"):
        FountainFrames(blob + bytes(MAX_FRAMES * 8), TYPE_ENTRIES, 1, 8192)


@pytest.mark.parametrize("length, size", [(0, 20), (10, 0), (10, 65), (2**24, 8), (10**6, 1)])
def test_the_symbol_decoder_refuses_bad_shapes_with_a_value_error(length, size):
    with pytest.raises(ValueError):
        fountain.SymbolDecoder(length, size)


def test_the_symbol_decoder_refuses_a_symbol_of_another_size_or_id():
    decoder = fountain.SymbolDecoder(100, 20)
    for esi, symbol in ((0, b"x" * 19), (0, b"x" * 21), (-1, b"x" * 20), (2**16, b"x" * 20)):
        with pytest.raises(ValueError):
            decoder.add(esi, symbol)
    decoder.add(3, b"x" * 20)
    with pytest.raises(ValueError):
        decoder.add(3, b"x" * 20)
    assert list(decoder.symbols) == [3]
