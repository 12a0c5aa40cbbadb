"""Showing the same unsent entries twice gives the same batch (issue 16 item 16): same id, same
content, same receipt code; any change to what is sent makes a new batch. Real stores."""

from __future__ import annotations

from dataclasses import replace

from kiosk.config import load_config
from kiosk.review import actions
from kiosk.store import Store
from kiosk.sync import exchange
from kiosk.sync.codec import decode_lines
from support.samples import sample_entries


def config_for(folder, **changes):
    return load_config(env={}).with_changes(data_dir=folder, **changes)


def test_the_same_unsent_entries_give_the_same_batch_again(tmp_path):
    config = config_for(tmp_path / "kiosk")
    store = Store(config.data_dir)
    try:
        store.save_many(sample_entries(5, seed=2, kiosk_id=config.kiosk_id))
        first = exchange.export_entries(store, config)
        second = exchange.export_entries(store, config)
        assert (second.label, second.digest, second.entry_ids) == \
            (first.label, first.digest, first.entry_ids)
        assert second.frames(300) == first.frames(300)
        assert [w["label"] for w in exchange.waiting_for_receipt(store)] == [first.label]

        entry = store.get(first.entry_ids[0])  # an edit: what is sent differs
        store.save(replace(entry, learned=entry.learned + " And check it twice.",
                           updated="2099-01-01T00:00:00.000Z"))
        third = exchange.export_entries(store, config)
        assert third.label != first.label and third.digest != first.digest
        assert exchange.export_entries(store, config).label == third.label
    finally:
        store.close()


def test_a_batch_shown_twice_is_imported_once_and_either_receipt_fits(tmp_path):
    kiosk_config = config_for(tmp_path / "kiosk")
    station_config = config_for(tmp_path / "station", mode="supervisor", kiosk_id="station-1")
    kiosk, station = Store(kiosk_config.data_dir), Store(station_config.data_dir)
    try:
        kiosk.save_many(sample_entries(3, seed=5, kiosk_id=kiosk_config.kiosk_id))
        lines = exchange.export_entries(kiosk, kiosk_config).frames(400)
        again = exchange.export_entries(kiosk, kiosk_config).frames(900)  # another screen size
        [one] = decode_lines(lines, station_config.site_key)
        [two] = decode_lines(again, station_config.site_key)
        first = exchange.import_batch(station, station_config, one)
        second = exchange.import_batch(station, station_config, two)
        assert first.added == 3 and second.again and second.receipt == first.receipt
        receipt = exchange.apply_receipt(kiosk, kiosk_config, second.receipt)
        assert receipt.marked == 3
        assert exchange.export_entries(kiosk, kiosk_config) is None
    finally:
        kiosk.close()
        station.close()


def test_the_same_answers_give_the_same_return_batch_again(tmp_path):
    config = config_for(tmp_path / "station", mode="supervisor", kiosk_id="station-1")
    store = Store(config.data_dir)
    try:
        entries = sample_entries(3, seed=8, kiosk_id="kiosk-b2")
        store.save_many(entries)
        actions.answer(store, entries[0].id, "Good point, thank you", by="Anna")
        first = exchange.export_replies(store, config, "kiosk-b2")
        assert exchange.export_replies(store, config, "kiosk-b2").label == first.label
        actions.answer(store, entries[1].id, "We try it on Monday", by="Anna")
        changed = exchange.export_replies(store, config, "kiosk-b2")
        assert changed.label != first.label and changed.count == 2
    finally:
        store.close()
