"""Sync codec: protocol 2 frame format, strict decoding with clear messages, payload, dictionary,
receipts. Protocol 3 (fountain-coded frames): test_sync_fountain.py; the collector:
test_sync_collect.py."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.entries import Entry, Response, Suggestion
from kiosk.i18n import load_strings, text_for
from kiosk.sync import codec, payload, qr
from kiosk.sync.codec import (CYCLE_VERSION, MAX_FRAMES, PROTOCOL_VERSION, TYPE_ENTRIES,
                              TYPE_RETURN, decode_frame, decode_lines, encode_frame, open_blob,
                              seal, split)
from kiosk.sync.errors import BatchError, FrameError, PayloadError, ReceiptError, SyncError
from kiosk.sync.receipt import normalise_receipt, receipt_code
from kiosk.sync.zdict import ZDICT
from support.samples import sample_entries

KEY = "site-key-for-the-tests-0123456789"
OTHER_KEY = "another-site-key-0123456789abcdef"
HEADER = {"t": TYPE_ENTRIES, "f": "kiosk-a1", "m": "2025-03-03T06:00:00.000Z"}
BATCH_ID = 0x1234ABCD


def sealed(entries: list[Entry] | None = None, key: str = KEY, batch_id: int = BATCH_ID) -> bytes:
    entries = sample_entries(6, seed=4) if entries is None else entries
    return seal(payload.compress(payload.pack_entries(entries, HEADER)), key, TYPE_ENTRIES,
                batch_id)


def frames_of(blob: bytes, max_chars: int = 120) -> list[str]:
    return split(blob, TYPE_ENTRIES, BATCH_ID, max_chars)


def refram(body: bytes) -> str:
    """A frame text around `body` (header + chunk) with a correct CRC."""
    body += struct.pack(">I", zlib.crc32(body))
    return "KS" + base64.b32encode(body).decode().rstrip("=")


def same(a: Entry, b: Entry) -> bool:
    return replace(a, sync="x").to_dict() == replace(b, sync="x").to_dict()


# -- frames ---------------------------------------------------------------------------------------
def test_frames_are_base32_with_a_fixed_header_and_fit_the_qr_size():
    blob = sealed()
    frames = frames_of(blob, 122)  # QR version 5 at error correction M
    assert len(frames) > 3
    for index, text in enumerate(frames):
        assert re.fullmatch(r"KS[A-Z2-7]+", text)
        assert len(text) <= qr.alphanumeric_capacity(5)
        frame = decode_frame(text)
        assert (frame.version, frame.batch_type, frame.batch_id) == \
            (CYCLE_VERSION, "E", BATCH_ID)
        assert (frame.index, frame.total) == (index, len(frames))
    # all frames of a batch start alike: magic, version, type and batch id are visible
    assert len({text[:12] for text in frames}) == 1


def test_frames_decode_case_insensitively_and_with_surrounding_whitespace():
    text = frames_of(sealed())[0]
    assert decode_frame(f"  {text.lower()}\r\n") == decode_frame(text)


@pytest.mark.parametrize("position", [2, 10, 40, -1])
def test_a_changed_character_fails_the_frame_check(position):
    text = frames_of(sealed())[0]
    chars = list(text)
    chars[position] = "A" if chars[position] != "A" else "B"
    with pytest.raises(FrameError) as caught:
        decode_frame("".join(chars))
    assert caught.value.key in ("frame.crc", "frame.cut_short")


def test_a_scanner_with_a_german_layout_is_recognised():
    text = next(t for t in frames_of(sealed()) if "Y" in t or "Z" in t)
    with pytest.raises(FrameError, match="QWERTZ") as caught:
        decode_frame(text.translate(str.maketrans("YZ", "ZY")))
    assert "Y and Z" in str(caught.value)
    assert "QWERTZ" in caught.value.text("nl")


def test_a_scanner_with_a_french_layout_is_recognised():
    text = frames_of(sealed())[0]
    with pytest.raises(FrameError, match="AZERTY"):
        decode_frame(text.translate(str.maketrans("234567", "é\"'(-§")))


def test_a_cut_short_frame_is_refused():
    text = frames_of(sealed())[0]
    for cut in (1, 3, 8, len(text) - 20):
        with pytest.raises(FrameError):
            decode_frame(text[:-cut])


@pytest.mark.parametrize("line, key", [
    ("", "frame.not_ours"), ("hello world", "frame.not_ours"), ("KS", "frame.cut_short"),
    ("KS" + "A" * 40, "frame.crc"), ("KS" + "A" * 39 + "1", "frame.bad_chars"),
    ("KS" + "A" * 9000, "frame.too_long"),
])
def test_lines_that_are_not_frames_get_a_clear_message(line, key):
    with pytest.raises(FrameError) as caught:
        decode_frame(line)
    assert caught.value.key == key
    assert not str(caught.value).startswith("sync.")  # a real sentence, not a key


def test_another_protocol_version_is_refused_with_advice():
    newer = refram(struct.pack(">BcIHH", PROTOCOL_VERSION + 1, b"E", 1, 0, 1) + b"data")
    with pytest.raises(FrameError, match="newer kiosk app") as caught:
        decode_frame(newer)
    assert caught.value.key == "frame.version_newer" and "this app reads 2-3" in str(caught.value)
    older = refram(struct.pack(">BcIHH", CYCLE_VERSION - 1, b"E", 1, 0, 1) + b"data")
    with pytest.raises(FrameError, match="older kiosk app"):
        decode_frame(older)


@pytest.mark.parametrize("index, total, key", [
    (0, 60000, "frame.absurd_total"), (0, MAX_FRAMES + 1, "frame.absurd_total"),
    (0, 0, "frame.absurd_total"), (5, 5, "frame.bad_index"), (9, 3, "frame.bad_index"),
])
def test_absurd_frame_numbers_are_refused(index, total, key):
    with pytest.raises(FrameError) as caught:
        decode_frame(refram(struct.pack(">BcIHH", CYCLE_VERSION, b"E", 7, index, total) + b"data"))
    assert caught.value.key == key


def test_unknown_batch_type_and_empty_frames_are_refused():
    with pytest.raises(FrameError, match="unknown kind"):
        decode_frame(refram(struct.pack(">BcIHH", CYCLE_VERSION, b"Q", 7, 0, 1) + b"data"))
    with pytest.raises(FrameError) as caught:
        decode_frame(refram(struct.pack(">BcIHH", CYCLE_VERSION, b"E", 7, 0, 1)))
    assert caught.value.key == "frame.cut_short"


# -- batches --------------------------------------------------------------------------------------
def test_a_batch_round_trips_exactly():
    entries = sample_entries(30, seed=9, answered=0.3)
    frames = frames_of(sealed(entries), 483)
    [batch] = decode_lines(list(reversed(frames)) + frames[:2], KEY)  # any order, duplicates
    back = payload.unpack_entries(batch.document)
    assert len(back) == 30
    assert all(same(a, b) for a, b in zip(sorted(entries, key=lambda e: e.id), back))
    assert batch.batch_type == TYPE_ENTRIES and batch.frames == len(frames)


def test_a_foreign_site_key_is_refused():
    frames = frames_of(sealed(key=OTHER_KEY))
    with pytest.raises(BatchError) as caught:
        decode_lines(frames, KEY)
    assert caught.value.reason.key == "batch.foreign_key"
    assert "different site key" in str(caught.value)


def test_a_tampered_batch_is_refused_even_with_correct_frame_checks():
    blob = bytearray(sealed())
    blob[40] ^= 0x01  # one bit of the compressed entries
    with pytest.raises(BatchError) as caught:
        decode_lines(frames_of(bytes(blob)), KEY)
    assert caught.value.reason.key == "batch.bad_mac"


def test_frames_reassembled_from_another_batch_id_fail_the_signature():
    blob = sealed()
    with pytest.raises(BatchError) as caught:
        decode_lines(split(blob, TYPE_ENTRIES, BATCH_ID + 1, 120), KEY)
    assert caught.value.reason.key == "batch.bad_mac"
    with pytest.raises(BatchError):  # an entries batch presented as a return batch
        decode_lines(split(blob, TYPE_RETURN, BATCH_ID, 120), KEY)


def test_a_missing_frame_names_the_missing_numbers():
    frames = frames_of(sealed())
    with pytest.raises(BatchError) as caught:
        decode_lines(frames[:1] + frames[3:], KEY)
    assert caught.value.reason.key == "batch.incomplete"
    assert f"2-3 of {len(frames)}" in str(caught.value)


def test_frames_that_disagree_on_the_total_are_refused():
    blob = sealed()
    mixed = frames_of(blob, 120)[:2] + frames_of(blob, 200)[1:]
    with pytest.raises(BatchError) as caught:
        decode_lines(mixed, KEY)
    assert caught.value.reason.key == "batch.totals_differ"


def test_two_different_frames_with_one_number_are_refused():
    frames = frames_of(sealed())
    first = decode_frame(frames[0])
    forged = encode_frame(replace(first, chunk=bytes(len(first.chunk))))
    with pytest.raises(BatchError) as caught:
        decode_lines(frames + [forged], KEY)
    assert caught.value.reason.key == "batch.same_number"


def test_a_file_line_that_is_not_a_frame_is_named():
    frames = frames_of(sealed())
    with pytest.raises(FrameError, match="line 2:"):
        decode_lines([frames[0], "garbage", *frames[1:]], KEY)
    with pytest.raises(BatchError):
        decode_lines(["", "  "], KEY)


def _sealed_payload(data: bytes, codec_byte: int = payload.CODEC_DEFLATE) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zdict=ZDICT)
    return seal(bytes([codec_byte]) + packer.compress(data) + packer.flush(), KEY, TYPE_ENTRIES,
                BATCH_ID)


def test_a_decompression_bomb_is_refused_without_unpacking_it():
    bomb = _sealed_payload(b"{" + b" " * (payload.MAX_PAYLOAD_BYTES + 10) + b"}")
    assert len(bomb) < 40_000
    with pytest.raises(BatchError) as caught:
        open_blob(bomb, KEY, TYPE_ENTRIES, BATCH_ID, 1)
    assert caught.value.key == "payload.too_big"


def test_truncated_or_padded_compressed_data_is_refused_even_when_signed():
    whole = payload.compress(payload.pack_entries(sample_entries(3), HEADER))
    cut = seal(whole[:-5], KEY, TYPE_ENTRIES, BATCH_ID)
    with pytest.raises(PayloadError) as caught:
        open_blob(cut, KEY, TYPE_ENTRIES, BATCH_ID, 1)
    assert caught.value.key in ("payload.cut_short", "payload.damaged")
    padded = seal(whole + b"extra", KEY, TYPE_ENTRIES, BATCH_ID)
    with pytest.raises(PayloadError) as caught:
        open_blob(padded, KEY, TYPE_ENTRIES, BATCH_ID, 1)
    assert caught.value.key == "payload.trailing"
    with pytest.raises(BatchError) as caught:
        open_blob(b"short", KEY, TYPE_ENTRIES, BATCH_ID, 1)
    assert caught.value.key == "batch.too_short"


@pytest.mark.parametrize("data, key", [
    (b"[1, 2]", "payload.detail"), (b"not json", "payload.not_json"),
    (b'{"t":"R","y":1,"e":[]}', "payload.detail"),  # type inside differs from the frames
    (b'{"t":"E","y":99,"src":[],"au":[],"len":0}', "payload.schema_newer"),
    (b'{"t":"E","y":1,"src":[],"au":[],"len":1,"d":[1],"i":["X"]}', "payload.bad_entry"),
    (b'{"t":"E","y":1,"src":[],"au":[],"len":2,"d":[1,2],"i":[1,2]}', "payload.bad_entry"),
    (b'{"t":"E","y":1,"src":[],"au":[],"len":2,"d":[1],"i":[1]}', "payload.detail"),
    (b'{"t":"E","y":1,"src":[],"au":[],"len":1,"d":[1],"i":[1],"a":[0],"w":["x"]}',
     "payload.bad_entry"),  # an author index, but no author table
])
def test_signed_but_malformed_content_is_refused_with_a_reason(data, key):
    with pytest.raises(PayloadError) as caught:
        batch = open_blob(_sealed_payload(data), KEY, TYPE_ENTRIES, BATCH_ID, 1)
        payload.unpack_entries(batch.document)
    assert caught.value.key == key


def test_an_unknown_compression_is_refused():
    with pytest.raises(PayloadError) as caught:
        open_blob(_sealed_payload(b"{}", codec_byte=9), KEY, TYPE_ENTRIES, BATCH_ID, 1)
    assert caught.value.key == "payload.codec"


# -- payload --------------------------------------------------------------------------------------
def test_payload_keeps_unusual_but_valid_values_exactly():
    base = sample_entries(1, seed=2)[0]
    odd = [
        replace(base, created="2025-03-03T07:00:00+01:00", updated=""),
        replace(base, id=sample_entries(2, seed=5)[1].id, updated="2025-03-03T06:30:00Z",
                author=None, station="Ünïcode ✓ station", language="nl", kind="idea",
                category="teamwork", visibility="supervisor", status="declined",
                status_reason="No budget \"this\" year\n— sorry", seen=True,
                suggestions=[Suggestion("idea", "Try 🙂", "bank", "edited", "Tried"),
                             Suggestion("category", "flow", "bm25", None, None),
                             Suggestion("question", "Why?", "bank", "dismissed", "")],
                responses=[Response("2025-03-04T09:00:00.001Z", "Team leader", "OK"),
                           Response("2025-03-04T10:00:00+02:00", "Shift lead", "")]),
    ]
    document = payload.unpack_document(payload.pack_entries(odd, HEADER))
    back = payload.unpack_entries(document)
    assert [e.to_dict() for e in sorted(odd, key=lambda e: e.id)] == \
        [replace(e, sync=o.sync).to_dict() for e, o in zip(back, sorted(odd, key=lambda e: e.id))]


def test_the_payload_is_a_table_with_short_forms_that_round_trip():
    own, foreign = sample_entries(2, seed=4, kiosk_id="kiosk-a1")
    foreign = replace(foreign, kiosk_id="kiosk-b2", author=None)  # kiosk-b2 did not make its id
    prefix = "The first parts"
    own = replace(own, what_happened=prefix + " had burrs.", title=prefix, suggestions=[
        Suggestion("title", prefix, "smollm2", "accepted"),
        Suggestion("title", "Burrs", "smollm2", "edited", prefix)])
    packed = payload.pack_entries([own, foreign], HEADER)
    document = payload.unpack_document(packed)
    assert not set(payload.BATCH_KEYS) & set(payload.COLUMNS)
    assert set(document) <= {*payload.BATCH_KEYS, *payload.COLUMNS}
    assert document["len"] == 2 and all(len(document[key]) == 2 for key in payload.COLUMNS
                                        if key in document)
    rows = sorted([own, foreign], key=lambda e: e.id)
    mine = rows.index(own)
    assert isinstance(document["i"][mine], int) and document["i"][1 - mine] == foreign.id[10:]
    assert document["h"][mine] == len(prefix)  # the title is the start of what happened
    assert document["u"][mine] == [[2, 0, 0, 1], [2, "Burrs", 0, 2, 0]]  # 0: the title
    assert document["au"] == [own.author] and document["a"][mine] == 0
    assert document["a"][1 - mine] is None  # anonymous
    assert packed.count(prefix.encode()) == 1
    back = payload.unpack_entries(document)
    assert [e.to_dict() for e in back] == [e.to_dict() for e in rows]


def test_big_batches_compress_in_blocks_and_small_ones_do_not_pay_for_it():
    for count in (1, 200):
        packed = payload.pack_entries(sample_entries(count, seed=5), HEADER)
        assert len(packed.cuts) == 2
        one_block = payload.compress(bytes(packed))
        best = payload.compress(packed)
        assert len(best) <= len(one_block)
        assert payload.decompress(best) == packed
        if count == 200:
            assert len(best) < 0.98 * len(one_block)


def test_payload_is_compact():
    entries = sample_entries(100, seed=3)
    packed = payload.pack_entries(entries, HEADER)
    plain = sum(len(str(e.to_dict())) for e in entries)
    assert len(packed) < plain / 2
    assert len(payload.compress(packed)) < len(packed) / 3


def test_the_preset_dictionary_is_pinned_and_helps_small_batches():
    # Part of protocol 2: a changed dictionary makes every existing frame unreadable.
    assert hashlib.sha256(ZDICT).hexdigest() == \
        "5f4018f92339ff98465a1394e3b3fa861aacc95a2d49954496c94ce36dca4178"
    assert len(ZDICT) <= 1 << 15  # DEFLATE's window: more would silently use only the end
    one = payload.pack_entries(sample_entries(1, seed=8), HEADER)
    plain = zlib.compressobj(9, zlib.DEFLATED, -15)
    assert len(payload.compress(one)) < 0.85 * len(plain.compress(one) + plain.flush())


def test_urgent_entries_travel_as_a_column_and_raise_the_batch_schema():
    calm, urgent = sample_entries(2, seed=9)
    urgent = replace(urgent, urgent=True)
    document = payload.unpack_document(payload.pack_entries([calm, urgent], HEADER))
    assert document["y"] == 2 and document["ug"] == [0, 1]
    assert [e.urgent for e in payload.unpack_entries(document)] == [False, True]
    # no urgent entry: no column, and the batch is one an app of schema 1 reads too
    document = payload.unpack_document(payload.pack_entries([calm], HEADER))
    assert "ug" not in document and document["y"] == 1
    assert payload.unpack_entries(document)[0].urgent is False


def test_a_batch_of_an_older_app_imports_as_not_urgent():
    """An app of entry schema 1 sent `y` 1 and never a `ug` column."""
    document = payload.unpack_document(payload.pack_entries(sample_entries(4, seed=3), HEADER))
    old = {key: value for key, value in document.items() if key != "ug"}
    back = payload.unpack_entries({**old, "y": 1})
    assert [e.urgent for e in back] == [False] * 4 and all(e.schema == 2 for e in back)


@pytest.mark.parametrize(("changes", "detail"), [
    ({"y": 1, "ug": [1]}, "urgent: not in schema 1"),
    ({"y": 2, "ug": [2]}, "urgent: not 0 or 1"),
    ({"y": 2, "ug": [True]}, "urgent: not 0 or 1"),
])
def test_a_wrong_urgent_column_is_refused(changes, detail):
    document = payload.unpack_document(payload.pack_entries(sample_entries(1, seed=3), HEADER))
    with pytest.raises(PayloadError, match=detail):
        payload.unpack_entries({**document, **changes})


def test_replies_round_trip():
    entries = sample_entries(5, seed=6, answered=1.0)
    replies = [payload.Reply.of(replace(e, status="declined", status_reason="too costly"))
               for e in entries]
    document = payload.unpack_document(payload.pack_replies(
        replies, {"t": TYPE_RETURN, "to": "kiosk-a1"}))
    assert payload.unpack_replies(document) == sorted(replies, key=lambda r: r.id)


# -- receipts and messages ------------------------------------------------------------------------
def test_receipt_codes_are_short_typeable_and_bound_to_key_batch_and_content():
    code = receipt_code(KEY, "E", 1, "ab" * 32)
    assert re.fullmatch(r"[A-Z2-7]{4}-[A-Z2-7]{4}", code)
    assert code != receipt_code(OTHER_KEY, "E", 1, "ab" * 32)
    assert code != receipt_code(KEY, "E", 2, "ab" * 32)
    assert code != receipt_code(KEY, "R", 1, "ab" * 32)
    assert code != receipt_code(KEY, "E", 1, "cd" * 32)
    assert normalise_receipt(f" {code.lower().replace('-', ' ')} ") == code
    assert normalise_receipt("k0qd-m1x8") == "KOQD-MIXB"  # digits typed for look-alike letters
    for bad in ("", "ABC", "ABCD-EFGHI", "ABCD-EF!H"):
        with pytest.raises(ReceiptError):
            normalise_receipt(bad)


def test_every_sync_message_key_has_english_and_dutch_text():
    source = "".join(p.read_text() for p in Path(codec.__file__).parent.glob("*.py"))
    keys = set(re.findall(r'"((?:frame|batch|payload|scan|receipt|import|export)\.[a-z_]+)"',
                          source))
    assert len(keys) > 40
    for language in ("en", "nl"):
        strings = load_strings(language)
        # text_for: a key may also be a plural table (sync.scan.complete.one / .other)
        assert not {k for k in keys if text_for(strings, f"sync.{k}", {}) is None}, language


def test_sync_errors_are_value_errors_with_english_and_dutch_text():
    error = SyncError("batch.named", label="AB", problem=SyncError("frame.crc"))
    assert isinstance(error, ValueError)
    assert str(error).startswith("batch AB: This code failed")
    assert error.text("nl").startswith("pakket AB: Deze code klopt niet")
    assert error.reason.key == "frame.crc"


def test_a_batch_too_big_for_the_frame_limit_says_what_to_do():
    with pytest.raises(BatchError, match="fewer entries"):
        split(bytes(MAX_FRAMES * 20), TYPE_ENTRIES, 1, 40)


def test_a_signed_table_claiming_a_huge_length_is_refused_without_building_it():
    import tracemalloc

    document = {"t": "E", "y": 1, "src": [], "au": [], "len": 2_000_000,
                "d": [1] * 2_000_000, "i": [1] * 2_000_000}  # 20 other columns left out
    data = json.dumps(document).encode()
    tracemalloc.start()
    try:
        with pytest.raises(PayloadError):
            payload.unpack_entries(payload.unpack_document(data))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100 * 1024 * 1024  # the two sent columns, not 20 built ones (~320 MB)
