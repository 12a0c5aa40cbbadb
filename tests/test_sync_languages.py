"""Sync keeps every language (issue 14): entries written in Dutch, English, Polish, Turkish,
German, and in languages the station has no folder for, go through the kiosk's rendered QR
codes (read by zxing-cpp) into the station and their answers come back, each with its language
and its letters intact; the station shows each entry's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from kiosk.config import Config, load_config
from kiosk.entries import Response, now_iso
from kiosk.review.queue import ReviewIndex
from kiosk.review.rows import QueueItem
from kiosk.store import Store
from kiosk.sync import exchange, qr
from kiosk.sync.collect import FrameCollector
from kiosk.ui.screens.station.entry import EntryReviewScreen
from kiosk.ui.screens.station.queue import ReviewScreen
from tests.conftest import build_entry
from tests.test_sync_roundtrip import scan_screen
from tests.ui_helpers import make_test_app, screen_text

WRITTEN = {
    "nl": "De lijmpomp lekt weer; de pakking is geïnstalleerd maar zit scheef.",
    "en": "The glue pump leaks again; the new seal was fitted crooked.",
    "pl": "Pompa kleju znowu cieknie: uszczelka źle założona, żółć na podłodze, łańcuch "
          "się ślizga.",
    "tr": "Tutkal pompası yine sızdırıyor; İş güvenliği için conta değişmeli, çıkış ağır.",
    "de": "Die Leimpumpe tropft wieder; die Dichtung sitzt schief, Öl läuft über den Fuß.",
    "fr": "La pompe à colle fuit encore; le joint est mal posé, ça glisse près de l'étagère.",
    "cs": "Čerpadlo lepidla zase teče; těsnění je nakřivo, podlaha klouže.",
}


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(env={}).with_changes(data_dir=tmp_path / "kiosk")


def through_the_screen(frames: list[str], site_key: str):
    size = qr.frame_size_for(80, 24)
    collector = FrameCollector(site_key)
    results = [collector.add(text) for text in scan_screen(frames, size)]
    assert results[-1].status == "complete"
    return results[-1].batch


def test_every_language_goes_to_the_station_and_back_through_the_qr_codes(config, tmp_path):
    station_config = config.with_changes(kiosk_id="station-1", mode="supervisor",
                                         data_dir=tmp_path / "station")
    entries = [build_entry(language=lang, what_happened=text, title=text[:40],
                           kiosk_id=config.kiosk_id, noticed="", learned="", next_step="")
               for lang, text in WRITTEN.items()]
    size = qr.frame_size_for(80, 24)
    with Store(config.data_dir) as kiosk, Store(station_config.data_dir) as station:
        kiosk.save_many(entries)
        batch = exchange.export_entries(kiosk, config)
        report = exchange.import_batch(station, station_config,
                                       through_the_screen(batch.frames(size.max_chars),
                                                          config.site_key))
        assert report.added == len(WRITTEN)
        for entry in entries:
            got = station.get(entry.id)
            assert (got.language, got.what_happened, got.title) == \
                (entry.language, entry.what_happened, entry.title)
        index = ReviewIndex(station)
        index.load()
        at = QueueItem._fields.index("language")
        assert {row[at] for row in index.rows()} == set(WRITTEN)

        answered = [e for e in entries if e.language in ("pl", "tr")]
        for entry in answered:
            reply = Response(now_iso(), "Kierownik", f"Dziękuję, sprawdzę to. ({entry.language})")
            station.save(station.get(entry.id).touched(responses=[reply]))
        back = exchange.export_replies(station, station_config)
        report = exchange.import_batch(kiosk, config,
                                       through_the_screen(back.frames(size.max_chars),
                                                          config.site_key))
        assert report.updated == len(answered)
        for entry in answered:
            got = kiosk.get(entry.id)
            assert got.language == entry.language and got.what_happened == entry.what_happened
            assert got.responses[0].text.startswith("Dziękuję")


async def test_the_station_shows_each_entrys_language(tmp_path):
    app, store, _ = make_test_app(tmp_path, mode="supervisor")
    polish = build_entry(language="pl", what_happened=WRITTEN["pl"], title="Pompa kleju")
    store.save(polish)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"Anna", "enter", *"4321", "enter")
        for _ in range(600):
            if isinstance(app.screen, ReviewScreen) and app.screen.query_one(DataTable).row_count:
                break
            await pilot.pause(0.1)
        table = app.screen.query_one(DataTable)
        headings = [str(column.label) for column in table.columns.values()]
        assert "Lang." in headings
        assert table.get_row_at(0)[headings.index("Lang.")] == "pl"
        app.push_screen(EntryReviewScreen(polish.id))
        for _ in range(600):
            if "Polski" in screen_text(app):
                break
            await pilot.pause(0.1)
        assert isinstance(app.screen, EntryReviewScreen)
        assert "language: Polski" in screen_text(app)
