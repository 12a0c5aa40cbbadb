"""Sync end to end on real stores: export, QR cells on screen, zxing-cpp, import, receipts and
the return batch."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.config import Config, load_config
from kiosk.demo import generate
from kiosk.entries import Entry, Response, now_iso
from kiosk.store import Store
from kiosk.sync import exchange, qr
from kiosk.sync.codec import decode_frame, decode_lines
from kiosk.sync.collect import FrameCollector
from kiosk.sync.errors import BatchError, ReceiptError
from support.samples import sample_entries
from support.screen_codes import files_of, scan_screen

SIZES = {(80, 24): (4, 5), (120, 40): (12, 13)}  # widget size -> acceptable QR versions


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(env={}).with_changes(data_dir=tmp_path / "kiosk")


@pytest.fixture
def kiosk(config: Config):
    with Store(config.data_dir) as store:
        yield store


@pytest.fixture
def station_config(config: Config, tmp_path: Path) -> Config:
    return config.with_changes(kiosk_id="station-1", mode="supervisor",
                               data_dir=tmp_path / "station")


@pytest.fixture
def station(station_config: Config):
    with Store(station_config.data_dir) as store:
        yield store


def demo_entries(config: Config, count: int, seed: int = 1) -> list[Entry]:
    return list(generate(config, count=count, seed=seed))


def comparable(entry: Entry) -> dict:
    return replace(entry, sync="-").to_dict()


# -- the round trip through the screen ------------------------------------------------------------
@pytest.mark.parametrize("protocol", [3, 2])  # protocol 2 frames (an older kiosk) still import
@pytest.mark.parametrize("width, height, count", [(80, 24, 5), (120, 40, 16)])
def test_entries_go_through_the_rendered_screen_into_a_fresh_store(
        config, kiosk, station_config, station, width, height, count, protocol):
    entries = demo_entries(config, count * 2, seed=width)
    kiosk.save_many(entries)
    batch = exchange.export_entries(kiosk, config, max_entries=count)
    size = qr.frame_size_for(width, height)
    assert size.version in SIZES[(width, height)]
    frames = batch.frames(size.max_chars, protocol=protocol)
    assert {decode_frame(f).version for f in frames} == {protocol}

    collector = FrameCollector(station_config.site_key)
    results = [collector.add(text) for text in reversed(scan_screen(frames, size))]
    assert [r.status for r in results] == ["added"] * (len(frames) - 1) + ["complete"]
    report = exchange.import_batch(station, station_config, results[-1].batch)

    sent = [e for e in entries if e.id in batch.entry_ids]
    assert len(sent) == min(count, len(exchange.entries_to_send(kiosk)) + 0) or len(sent) == count
    assert report.added == len(sent)
    assert [comparable(station.get(e.id)) for e in sent] == [comparable(e) for e in sent]
    assert all(station.get(e.id).sync == "synced" for e in sent)


def test_every_frame_of_a_big_batch_decodes_from_the_screen_at_120x40(config, kiosk):
    kiosk.save_many(sample_entries(60, seed=3, kiosk_id=config.kiosk_id))
    size = qr.frame_size_for(120, 40)
    frames = exchange.export_entries(kiosk, config).frames(size.max_chars)
    assert scan_screen(frames, size) == frames


def test_png_frames_decode(config, kiosk, tmp_path):
    kiosk.save_many(sample_entries(8, seed=4, kiosk_id=config.kiosk_id))
    frames = exchange.export_entries(kiosk, config).frames(qr.frame_size_for(120, 40).max_chars)
    paths = [qr.save_png(text, tmp_path / f"{i}.png", 13) for i, text in enumerate(frames)]
    assert sorted(qr.read_images(paths)) == sorted(frames)


# -- what is sent ---------------------------------------------------------------------------------
def test_private_and_synced_entries_are_not_sent_and_nothing_is_deleted(config, kiosk):
    entries = [
        *sample_entries(3, seed=1, kiosk_id=config.kiosk_id),
        replace(sample_entries(1, seed=2, kiosk_id=config.kiosk_id)[0], visibility="private",
                what_happened="SECRET private reflection"),
        replace(sample_entries(1, seed=3, kiosk_id=config.kiosk_id)[0], sync="synced"),
    ]
    kiosk.save_many(entries)
    batch = exchange.export_entries(kiosk, config)
    assert sorted(batch.entry_ids) == sorted(e.id for e in entries[:3])
    [opened] = decode_lines(batch.frames(), config.site_key)
    assert "SECRET" not in str(opened.document)
    assert kiosk.count() == 5
    assert {kiosk.get(e.id).sync for e in entries[:3]} == {"exported"}
    assert kiosk.get(entries[3].id).sync == "pending"


def test_nothing_to_send_gives_no_batch(config, kiosk):
    assert exchange.export_entries(kiosk, config) is None
    kiosk.save(replace(sample_entries(1, kiosk_id=config.kiosk_id)[0], visibility="private"))
    assert exchange.export_entries(kiosk, config) is None


# -- import at the station ------------------------------------------------------------------------
def export_and_open(store: Store, config: Config, reader: Config, **options):
    batch = exchange.export_entries(store, config, **options)
    [opened] = decode_lines(batch.frames(), reader.site_key)
    return batch, opened


def test_importing_the_same_batch_twice_changes_nothing(config, kiosk, station_config, station):
    kiosk.save_many(sample_entries(12, seed=5, kiosk_id=config.kiosk_id))
    _, opened = export_and_open(kiosk, config, station_config)
    first = exchange.import_batch(station, station_config, opened)
    before = files_of(station_config.data_dir)
    again = exchange.import_batch(station, station_config, opened)
    assert files_of(station_config.data_dir) == before
    assert (again.added, again.unchanged, again.again) == (0, 12, True)
    assert again.receipt == first.receipt


def test_an_urgent_entry_stays_urgent_at_the_station(config, kiosk, station_config, station):
    calm, urgent = sample_entries(2, seed=8, kiosk_id=config.kiosk_id)
    urgent = replace(urgent, urgent=True)
    kiosk.save_many([calm, urgent])
    _, opened = export_and_open(kiosk, config, station_config)
    assert exchange.import_batch(station, station_config, opened).added == 2
    assert station.get(urgent.id).urgent is True and station.get(calm.id).urgent is False
    assert comparable(station.get(urgent.id)) == comparable(urgent)


def test_a_foreign_key_or_tampered_batch_imports_nothing(config, kiosk, station_config, station):
    kiosk.save_many(sample_entries(4, seed=6, kiosk_id=config.kiosk_id))
    batch = exchange.export_entries(kiosk, config)
    before = files_of(station_config.data_dir)
    foreign = station_config.with_changes(site_key="a-different-site-key-0123456789")
    collector = FrameCollector(foreign.site_key)
    results = [collector.add(text) for text in batch.frames(120)]
    assert results[-1].status == "failed" and results[-1].batch is None
    tampered = bytearray(batch.blob)
    tampered[-3] ^= 0x40
    with pytest.raises(BatchError):
        decode_lines(replace(batch, blob=bytes(tampered)).frames(), station_config.site_key)
    assert files_of(station_config.data_dir) == before and station.count() == 0


def test_a_later_edit_replaces_the_text_and_keeps_the_answers(config, kiosk, station_config,
                                                              station):
    entry = sample_entries(1, seed=7, kiosk_id=config.kiosk_id)[0]
    kiosk.save(entry)
    _, opened = export_and_open(kiosk, config, station_config)
    exchange.import_batch(station, station_config, opened)
    answer = Response("2025-03-03T12:00:00.000Z", "Team leader", "Thanks!")
    station.save(replace(station.get(entry.id), responses=[answer], status="seen"))

    edited = entry.touched(learned="Added later by the worker.", sync="pending")
    kiosk.save(edited)
    _, opened = export_and_open(kiosk, config, station_config)
    report = exchange.import_batch(station, station_config, opened)
    assert (report.updated, report.conflicts) == (1, 0)
    merged = station.get(entry.id)
    assert merged.learned == "Added later by the worker."
    assert (merged.responses, merged.status) == ([answer], "seen")
    assert station.conflicts() == []


def test_same_id_from_elsewhere_is_a_conflict_kept_beside_the_original(
        config, kiosk, station_config, station):
    entry = sample_entries(1, seed=8, kiosk_id=config.kiosk_id)[0]
    station.save(replace(entry, sync="synced"))
    forged = entry.touched(kiosk_id="other-kiosk", what_happened="Forged text")
    kiosk.save(forged)
    _, opened = export_and_open(kiosk, config, station_config)
    report = exchange.import_batch(station, station_config, opened)
    assert report.conflicts == 1
    assert station.get(entry.id).what_happened == entry.what_happened  # not overwritten
    [conflict] = station.conflicts()
    assert conflict["entry"]["what_happened"] == "Forged text"
    assert "kiosk_id" in conflict["reason"]
    before = files_of(station_config.data_dir)
    exchange.import_batch(station, station_config, opened)  # recorded once
    assert len(station.conflicts()) == 1 and files_of(station_config.data_dir) == before


def test_an_edit_older_than_the_stations_copy_is_a_conflict(config, kiosk, station_config,
                                                            station):
    entry = sample_entries(1, seed=9, kiosk_id=config.kiosk_id)[0]
    newer = replace(entry, what_happened="Station copy", updated="2030-01-01T00:00:00.000Z")
    station.save(newer)
    kiosk.save(replace(entry, what_happened="Older kiosk text",
                       updated="2029-01-01T00:00:00.000Z"))
    _, opened = export_and_open(kiosk, config, station_config)
    assert exchange.import_batch(station, station_config, opened).conflicts == 1
    assert station.get(entry.id).what_happened == "Station copy"


def test_a_batch_with_a_private_entry_is_refused(config, kiosk, station_config, station):
    from kiosk.sync import payload
    from kiosk.sync.codec import TYPE_ENTRIES, Batch

    entry = replace(sample_entries(1, kiosk_id=config.kiosk_id)[0], visibility="private")
    document = payload.unpack_document(payload.pack_entries([entry], {"t": TYPE_ENTRIES}))
    with pytest.raises(BatchError, match="private"):
        exchange.import_batch(station, station_config, Batch(TYPE_ENTRIES, 1, document, "x", 1))
    assert station.count() == 0


# -- receipts -------------------------------------------------------------------------------------
def test_the_receipt_marks_exactly_the_entries_of_its_batch(config, kiosk, station_config,
                                                             station):
    first = sample_entries(6, seed=10, kiosk_id=config.kiosk_id)
    kiosk.save_many(first)
    _, opened = export_and_open(kiosk, config, station_config)
    receipt = exchange.import_batch(station, station_config, opened).receipt

    edited = first[0].touched(noticed="Edited after the export", sync="pending")
    kiosk.save(edited)
    later = sample_entries(2, seed=11, kiosk_id=config.kiosk_id,
                           start=pytest.importorskip("datetime").datetime(2025, 4, 1,
                           tzinfo=pytest.importorskip("datetime").timezone.utc))
    kiosk.save_many(later)

    report = exchange.apply_receipt(kiosk, config, receipt.lower().replace("-", " "))
    assert (report.marked, report.edited) == (5, 1)
    states = {e.id: e.sync for e in kiosk.entries()}
    assert [states[e.id] for e in first[1:]] == ["synced"] * 5
    assert states[first[0].id] == "pending" and {states[e.id] for e in later} == {"pending"}
    assert exchange.apply_receipt(kiosk, config, receipt).again
    resend = exchange.export_entries(kiosk, config)
    assert sorted(resend.entry_ids) == sorted([first[0].id, *(e.id for e in later)])


def test_a_wrong_receipt_code_changes_nothing(config, kiosk):
    kiosk.save_many(sample_entries(3, seed=12, kiosk_id=config.kiosk_id))
    exchange.export_entries(kiosk, config)
    before = files_of(config.data_dir)
    with pytest.raises(ReceiptError, match="does not belong"):
        exchange.apply_receipt(kiosk, config, "ABCD-EFGH")
    foreign = config.with_changes(site_key="a-different-site-key-0123456789")
    batch_label, record = next(iter(kiosk.get_meta(exchange.SENT).items()))
    from kiosk.sync.receipt import receipt_code

    with pytest.raises(ReceiptError):  # right batch, wrong site key: not accepted
        exchange.apply_receipt(kiosk, config,
                               receipt_code(foreign.site_key, "E", record["id"], record["digest"]))
    assert files_of(config.data_dir) == before


# -- the return batch -----------------------------------------------------------------------------
def test_answers_travel_back_and_the_kiosk_receipt_stops_resending(config, kiosk, station_config,
                                                                   station):
    entries = sample_entries(5, seed=13, kiosk_id=config.kiosk_id)
    kiosk.save_many(entries)
    _, opened = export_and_open(kiosk, config, station_config)
    exchange.import_batch(station, station_config, opened)
    assert exchange.export_replies(station, station_config) is None  # nothing answered yet

    answer = Response(now_iso(), "Team leader", "Good idea, we try it next week.")
    station.save(station.get(entries[1].id).touched(status="trying", responses=[answer]))
    station.save(station.get(entries[3].id).touched(status="declined", status_reason="Too costly"))
    ret = exchange.export_replies(station, station_config)
    assert sorted(ret.entry_ids) == sorted([entries[1].id, entries[3].id])
    assert ret.to == config.kiosk_id

    size = qr.frame_size_for(80, 24)
    collector = FrameCollector(config.site_key)
    result = [collector.add(t) for t in scan_screen(ret.frames(size.max_chars), size)][-1]
    before = {e.id: e.updated for e in kiosk.entries()}
    report = exchange.import_batch(kiosk, config, result.batch)
    assert (report.updated, report.skipped) == (2, 0)
    assert sorted(report.changed_ids) == sorted([entries[1].id, entries[3].id])
    got = kiosk.get(entries[1].id)
    assert got.responses == [answer] and got.status == "trying"
    assert kiosk.get(entries[3].id).status_reason == "Too costly"
    assert {e.id: e.updated for e in kiosk.entries()} == before  # answers are not worker edits

    files = files_of(config.data_dir)
    assert exchange.import_batch(kiosk, config, result.batch).updated == 0
    assert files_of(config.data_dir) == files

    assert exchange.apply_receipt(station, station_config, report.receipt).marked == 2
    assert exchange.export_replies(station, station_config) is None


def test_a_return_batch_for_another_kiosk_or_an_older_one_is_refused(
        config, kiosk, station_config, station):
    entries = sample_entries(2, seed=14, kiosk_id=config.kiosk_id)
    station.save_many(entries)
    station.save(entries[0].touched(status="seen"))
    older = exchange.export_replies(station, station_config)
    station.save(entries[1].touched(status="adopted"))
    newer = exchange.export_replies(station, station_config)
    kiosk.save_many(entries)

    other = config.with_changes(kiosk_id="kiosk-b")
    [opened] = decode_lines(newer.frames(), config.site_key)
    with pytest.raises(BatchError, match="for kiosk demo-kiosk-1"):
        exchange.import_batch(kiosk, other, opened)
    exchange.import_batch(kiosk, config, opened)
    [stale] = decode_lines(older.frames(), config.site_key)
    with pytest.raises(BatchError, match="older"):
        exchange.import_batch(kiosk, config, stale)
    assert kiosk.get(entries[1].id).status == "adopted"


def test_the_station_needs_to_know_which_kiosk_to_answer(station_config, station):
    with pytest.raises(BatchError, match="nothing to send back"):
        exchange.export_replies(station, station_config)
    station.save_many([*sample_entries(1, seed=1, kiosk_id="k1"),
                       *sample_entries(1, seed=2, kiosk_id="k2")])
    with pytest.raises(BatchError, match="k1, k2"):
        exchange.export_replies(station, station_config)
    assert exchange.export_replies(station, station_config, "k1") is None


def test_entries_are_only_imported_at_a_supervisor_station(config, kiosk, station_config):
    kiosk.save_many(sample_entries(2, seed=15, kiosk_id=config.kiosk_id))
    _, opened = export_and_open(kiosk, config, config)
    with Store(config.data_dir.parent / "other-kiosk") as other:
        with pytest.raises(BatchError, match="supervisor station"):
            exchange.import_batch(other, config, opened)
        assert other.count() == 0
