"""Follow-up and pulse answers travel kiosk -> station in the entries batch: over real QR codes
(drawn as the export screen draws them, read by zxing-cpp), in protocol 3 and 2, idempotent,
confirmed by the receipt; older batches without them still import."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from kiosk.config import Config
from kiosk.entries import Entry
from kiosk.learning.followup import DueFollowUp, mark_asked, record_answer
from kiosk.learning.pulse import record_pulse
from kiosk.learning.records import learning_records
from kiosk.store import Store
from kiosk.sync import exchange, qr
from kiosk.sync.codec import decode_frame, decode_lines
from kiosk.sync.collect import FrameCollector
from kiosk.sync.errors import PayloadError
from kiosk.sync.learning_batch import unpack_learning
from support.samples import sample_entries
from support.screen_codes import files_of, scan_screen
from tests.test_sync_roundtrip import config, kiosk, station, station_config  # noqa: F401

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)




def planned(config: Config, count: int, seed: int = 1, **changes) -> list[Entry]:
    entries = sample_entries(count, seed=seed, kiosk_id=config.kiosk_id)
    return [replace(e, author=e.author or "w-TESTTEST", next_step=f"Try plan {i}", **changes)
            for i, e in enumerate(entries)]


def answer(store: Store, entry: Entry, said: str, note: str = "") -> None:
    mark_asked(store, DueFollowUp(entry, None), NOW)
    record_answer(store, entry.id, said, note)


def pulse(store: Store, config: Config, learned: int, heard: int, pressure: int) -> None:
    record_pulse(store, config, NOW, {"learned": learned, "heard": heard, "pressure": pressure})


def scan_into_station(frames: list[str], size: qr.FrameSize, station_config: Config):
    collector = FrameCollector(station_config.site_key)
    results = [collector.add(text) for text in reversed(scan_screen(frames, size))]
    assert results[-1].status == "complete"
    return results[-1].batch


# -- over the screen ------------------------------------------------------------------------------
@pytest.mark.parametrize("protocol", [3, 2])
def test_follow_ups_and_pulses_go_over_real_qr_codes_once(config, kiosk, station_config,
                                                           station, protocol):
    entries = planned(config, 4, seed=protocol)
    kiosk.save_many(entries)
    answer(kiosk, entries[0], "worked", "The new jig held all shift, no burrs.")
    answer(kiosk, entries[1], "not_yet")
    answer(kiosk, entries[2], "did_not_work", "Glue still dripped — ‘zu heiß’?")
    pulse(kiosk, config, 4, 2, 5)
    pulse(kiosk, config, 1, 3, 3)

    batch = exchange.export_entries(kiosk, config)
    size = qr.frame_size_for(80, 24)
    frames = batch.frames(size.max_chars, protocol=protocol)
    assert {decode_frame(f).version for f in frames} == {protocol}
    opened = scan_into_station(frames, size, station_config)
    report = exchange.import_batch(station, station_config, opened)

    assert (report.added, report.followups, report.pulses) == (4, 3, 2)
    assert "3 follow-ups of planned tries" in report.message().text("en")
    assert "2 sets antwoorden op de weekvragen" in report.message().text("nl")
    here = {f.entry_id: (f.answer, f.note, f.ask) for f in learning_records(station).followups()}
    assert here == {entries[0].id: ("worked", "The new jig held all shift, no burrs.", 1),
                    entries[1].id: ("not_yet", "", 1),
                    entries[2].id: ("did_not_work", "Glue still dripped — ‘zu heiß’?", 1)}
    pulses = learning_records(station).pulses()
    assert sorted((p.learned, p.heard, p.pressure) for p in pulses) == [(1, 3, 3), (4, 2, 5)]
    assert {(p.week, p.station, p.line) for p in pulses} == {("2026-W48", config.station,
                                                              config.line)}

    before = files_of(station_config.data_dir)
    again = exchange.import_batch(station, station_config, opened)
    assert files_of(station_config.data_dir) == before
    assert (again.again, again.followups, again.pulses) == (True, 0, 0)

    receipt = exchange.apply_receipt(kiosk, config, report.receipt)
    assert receipt.message().text("en") == "Receipt for batch %s: 4 entries are now synced. " \
        "Also 5 follow-up and pulse answers." % report.label
    assert learning_records(kiosk).pulses() == []  # confirmed: no longer on the kiosk
    assert {f.sync for f in learning_records(kiosk).followups() if f.answer} == {"synced"}
    assert exchange.export_entries(kiosk, config) is None


def test_what_is_sent_has_no_author_time_or_private_follow_up(config, kiosk, station_config):
    shared, private = planned(config, 2, seed=9)
    private = replace(private, visibility="private")
    kiosk.save_many([shared, private])
    answer(kiosk, shared, "partly", "half of it")
    answer(kiosk, private, "worked", "SECRET follow-up")
    pulse(kiosk, config, 5, 5, 1)
    [opened] = decode_lines(exchange.export_entries(kiosk, config).frames(), config.site_key)
    document = opened.document
    assert "SECRET" not in str(document)
    assert document["fu"] == [[shared.id, 1, "half of it", 1]]
    [row] = document["pu"]
    assert row[:4] == ["2026-W48", 5, 5, 1] and row[5:] == [config.station, config.line]
    assert len(row) == 7 and "w-" not in str(row) and "T10:" not in str(row)


def test_a_batch_of_follow_ups_only_once_every_entry_is_synced(config, kiosk, station_config,
                                                                station):
    entries = planned(config, 2, seed=3)
    kiosk.save_many(entries)
    first = exchange.import_batch(station, station_config,
                                  decode_lines(exchange.export_entries(kiosk, config).frames(),
                                               station_config.site_key)[0])
    exchange.apply_receipt(kiosk, config, first.receipt)
    assert exchange.export_entries(kiosk, config) is None

    answer(kiosk, entries[1], "not_yet")
    batch = exchange.export_entries(kiosk, config)
    assert batch.entry_ids == []
    size = qr.frame_size_for(80, 24)
    report = exchange.import_batch(station, station_config,
                                   scan_into_station(batch.frames(size.max_chars), size,
                                                     station_config))
    assert (report.added, report.unchanged, report.followups) == (0, 0, 1)

    # asked again two days later: "worked" at the second showing replaces "not yet"
    mark_asked(kiosk, DueFollowUp(entries[1], learning_records(kiosk).followup(entries[1].id)),
               NOW)
    record_answer(kiosk, entries[1].id, "worked")
    newer = decode_lines(exchange.export_entries(kiosk, config).frames(),
                         station_config.site_key)[0]
    assert exchange.import_batch(station, station_config, newer).followups == 1
    older = decode_lines(batch.frames(), station_config.site_key)[0]
    assert exchange.import_batch(station, station_config, older).followups == 0  # stays newer
    record = learning_records(station).followup(entries[1].id)
    assert (record.answer, record.ask) == ("worked", 2)
    # the first receipt is for an older answer: it stays unsynced and goes again
    exchange.apply_receipt(kiosk, config, report.receipt)
    assert learning_records(kiosk).followup(entries[1].id).sync != "synced"


def test_the_same_unchanged_answers_give_the_same_batch_again(config, kiosk):
    entries = planned(config, 1, seed=4)
    kiosk.save_many(entries)
    answer(kiosk, entries[0], "worked")
    pulse(kiosk, config, 3, 3, 3)
    first = exchange.export_entries(kiosk, config)
    again = exchange.export_entries(kiosk, config)
    assert (again.label, again.blob) == (first.label, first.blob)


# -- older batches --------------------------------------------------------------------------------
# The worked example of docs/sync-protocol.md, section 4: one entry, made by the app before the
# follow-up and pulse keys existed (DEMO_SITE_KEY), in protocol 2 and in protocol 3.
OLD_PROTOCOL_2 = [
    "KSAJCV5QH75YAAAAAD4JO7EHC3RJT2RSE5EDDEIIAEDPENUYQPAHBRN2EJVCQW4DCEEGDGN6CDHUIR53EOWBFQ2DNBCHQ"
    "AG2RYHBRISBTQJDV6BCYNUTACESRL",
    "KSAJCV5QH75YAACAADNAYPKDRU6I2Q64KERYHHB2GDAI5RMHTUA2LBMRSGQZAIPAXEICQWQ2DIMBWI4HEURAG3NRMQB"
    "QCS5XQVRQQQP5UBVJJGQGYDX2H53CCF",
    "KSAJCV5QH75YAAEAADKEIFEQ7JYHB52F3SPICOD3N2PKYCQMNSQDCQQPB2KAFW7FBDNMZZDTUJYWGLKWQA3PDNCMQ",
]
OLD_PROTOCOL_3 = [
    "KSANCV5QH75YAABIQAADRF34Q4LOFGPKGITUQMMRBAAQN4RWTCB4A4GFXIRGUKC3QMIQQYMZXYIM6RCHXMR2YEWDINUEI"
    "6AA3KHA4GFCIGOBEOXYELBXBJYLOS",
    "KSANCV5QH75YAABIQAAGSGQMHVBY2PENIPOFCI4DTQ5DBQEOYWDZ2ANFQWIZDIMQEHQLSEBILINBUGA3EODSKIQDNWYWI"
    "AYBJO3YKYYIIH62A2UUTIDPRWQKLX",
    "KSANCV5QH75YAABIQAAIB34UIQKJB6TQOD3ULXE6QE4HW3U6VQFAY3FAGFBA6DUUALN6KCG2ZTSHHITRMMWVNAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAACYRQ757",
]


@pytest.mark.parametrize("frames", [OLD_PROTOCOL_2, OLD_PROTOCOL_3], ids=["protocol2", "protocol3"])
def test_an_older_apps_batch_without_the_new_keys_still_imports(station_config, station, frames):
    [opened] = decode_lines(frames, station_config.site_key)
    assert "fu" not in opened.document and "pu" not in opened.document
    report = exchange.import_batch(station, station_config, opened)
    assert (report.added, report.followups, report.pulses) == (1, 0, 0)
    assert report.receipt == "GLZN-KZ6K"
    assert station.get("01JNDA0KEGGPHFPGQR7SCKGARX").learned.startswith("Measure the first")
    assert learning_records(station).followups() == [] and learning_records(station).pulses() == []


@pytest.mark.parametrize("document", [
    {"fu": "no list"}, {"fu": [["01JNDA0KEGGPHFPGQR7SCKGARX", 0, "", 1, "extra"]]},
    {"fu": [["not an id", 0, "", 1]]}, {"fu": [["01JNDA0KEGGPHFPGQR7SCKGARX", 9, "", 1]]},
    {"fu": [["01JNDA0KEGGPHFPGQR7SCKGARX", 0, "", 0]]},
    {"fu": [["01JNDA0KEGGPHFPGQR7SCKGARX", 0, "x" * 301, 1]]},
    {"pu": [["2026-W54", 1, 2, 3, "abc", "", ""]]}, {"pu": [["2026-W48", 0, 2, 3, "abc", "", ""]]},
    {"pu": [["2026-W48", 1, 2, True, "abc", "", ""]]}, {"pu": [["2026-W48", 1, 2, 3, "", "", ""]]},
    {"pu": [["2026-W48", 1, 2, 3, "abc", 7, ""]]},
])
def test_malformed_learning_keys_are_refused_with_a_reason(document):
    with pytest.raises(PayloadError):
        unpack_learning(document)


def test_a_damaged_learning_file_does_not_hold_the_entries_back(config, kiosk):
    entries = planned(config, 2, seed=5)
    kiosk.save_many(entries)
    (config.data_dir / "learning.json").write_text("{not json", encoding="utf-8")
    batch = exchange.export_entries(kiosk, config)
    assert sorted(batch.entry_ids) == sorted(e.id for e in entries)
    [opened] = decode_lines(batch.frames(), config.site_key)
    assert "fu" not in opened.document and "pu" not in opened.document
    assert list((config.data_dir / "corrupt").glob("learning.json.*"))  # kept aside for IT
