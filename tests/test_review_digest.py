"""The weekly digest of themes per station: counted themes, small stations hidden, AI kept apart."""

from __future__ import annotations

from kiosk.coach.suggest import Coach
from kiosk.entries import Entry
from kiosk.review.digest import weekly_digest
from kiosk.review.queue import ReviewIndex
from support.fake_engine import FakeEngine


def fill(store, station: str, texts: list[str]) -> None:
    for text in texts:
        store.save(Entry.new(kiosk_id="k", station=station, line="L", author=None,
                             language="en", what_happened=text))


def test_themes_per_station_with_minimum_group_and_template(store, demo_config):
    fill(store, "Packing 1", ["The label printer jammed on thin labels"] * 3 +
         ["Label printer jammed again, thin labels"] * 3)
    fill(store, "Assembly 1", ["Forklift in the walking route"] * 2)
    index = ReviewIndex(store)
    index.load()
    week, digests = weekly_digest(index, language="en", min_group_size=5)
    by_station = {d.station: d for d in digests}
    packing = by_station["Packing 1"]
    assert packing.entries == 6
    assert any("label printer" == t.text for t in packing.phrases)
    assert "label printer" in packing.summary and packing.ai_summary == ""
    small = by_station["Assembly 1"]
    assert small.entries is None and not small.words and "Fewer than 5" in small.summary
    assert "Forklift" not in small.summary


def test_model_sentence_is_kept_apart_and_gated(store, demo_config):
    fill(store, "Packing 1", ["The label printer jammed on thin labels"] * 6)
    index = ReviewIndex(store)
    index.load()
    good = (" Several", " people", " had", " label", " printer", " jams", " this", " week", ".")
    coach = Coach(demo_config, engine=FakeEngine(tokens=good, delay=0.0))
    coach.start_loading()
    assert coach.wait_ready(5)
    _, [digest] = weekly_digest(index, language="en", min_group_size=5, coach=coach)
    assert digest.ai_summary == "Several people had label printer jams this week."
    assert digest.ai_source == "fake-model"
    assert "label printer" in digest.summary  # the counted template stays
    garbage = Coach(demo_config, engine=FakeEngine(tokens=(" ###", " ###"), delay=0.0))
    garbage.start_loading()
    assert garbage.wait_ready(5)
    _, [digest] = weekly_digest(index, language="en", min_group_size=5, coach=garbage)
    assert digest.ai_summary == ""
