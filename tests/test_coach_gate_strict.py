"""The stricter quality gate on model text (kiosk.coach.gate_rules): negation flips and opposites
contradict the worker, vague shells and questions built on words the worker did not write are
turned down; the rejections stay visible in what `kiosk suggest --json` prints."""

from __future__ import annotations

import json

import pytest

from kiosk.coach import gate
from kiosk.coach.engine import Status
from kiosk.coach.explain import suggestion_data
from kiosk.coach.suggest import Coach
from kiosk.config import load_config
from support.fake_engine import FakeEngine

FORKLIFT = "A forklift came round the corner at dock 4 without sounding the horn and almost hit me."
HEFTRUCK = "De heftruck reed achteruit het gangpad in zonder te toeteren; ik kon net opzij stappen."
BOLTS = "The bolts on the motor mounts were under-tightened; the torque wrench was set to 20."
BEARING = "The bearing on conveyor 5 squeals when the belt starts."


def verdict(text, kind, lang, source):
    return gate.check(text, kind, lang, source)


@pytest.mark.parametrize("text,lang,source", [
    ("What made the horn sound so loud?", "en", FORKLIFT),
    ("Waarom toeterde de heftruck zo hard?", "nl", HEFTRUCK),
    ("Why did the light curtain stop the robot?", "en",
     "The light curtain on the packing robot did not stop the robot when I put my hand in."),
    ("Wanneer werkte de scanner weer goed?", "nl", "De scanner werkte niet na de pauze."),
])
def test_a_flipped_negation_contradicts_the_worker(text, lang, source):
    result = verdict(text, "question", lang, source)
    assert result.reason == "contradicts" and "did not happen" in result.detail, result


@pytest.mark.parametrize("text,lang,source", [
    ("Why was the horn not sounded at the corner?", "en", FORKLIFT),  # says "not" itself
    ("What could have happened if the forklift had hit someone?", "en", FORKLIFT),
    ("Waarom toeterde de heftruck niet bij het gangpad?", "nl", HEFTRUCK),
    # naming the missing thing is no contradiction
    ("Waar liggen de reserve oordopjes bij de zaagmachine?", "nl",
     "Collega droeg geen gehoorbescherming bij de zaagmachine omdat de oordopjes op waren."),
    ("Where is the hearing protection for the band saw kept?", "en",
     "A colleague worked at the band saw without hearing protection today."),
])
def test_what_keeps_to_what_the_worker_wrote_passes(text, lang, source):
    assert verdict(text, "question", lang, source).ok, verdict(text, "question", lang, source)


def test_an_opposite_contradicts_and_a_title_keeps_under():
    over = verdict("Over-tightened bolts", "title", "en", BOLTS)
    assert over.reason == "contradicts" and "'over'" in over.detail
    assert verdict("Under-tightened bolts on the mounts", "title", "en", BOLTS).ok
    dutch = "De bouten van het deksel waren te licht aangedraaid; bij de lektest kwam er lucht uit."
    assert verdict("Waarom zaten de bouten te vast?", "question", "nl", dutch).reason == \
        "contradicts"
    assert verdict("Hoe komt het dat de bouten te licht zijn aangedraaid?", "question", "nl",
                   dutch).ok


def test_a_question_built_on_a_thing_the_worker_did_not_write_is_turned_down():
    grease = verdict("How long did it take to grease the bearing?", "question", "en", BEARING)
    assert grease.reason == "new_words" and "grease" in grease.detail
    assert verdict("When did the bearing start to squeal?", "question", "en", BEARING).ok
    nl = verdict("Wanneer is de matrijs van de pers vervangen?", "question", "nl",
                 "Drie dozen hadden het verkeerde etiket.")
    assert not nl.ok  # mould and press: not what the worker wrote
    # an idea may propose something new
    assert verdict("Ask maintenance to grease the bearing today.", "idea", "en", BEARING).ok


@pytest.mark.parametrize("text,lang,source", [
    ("What kind of rack could be restacked?", "en",
     "Someone stacked pallets in the rack next to the walkway."),
    ("What kind of bearing could be replaced?", "en", BEARING),
    ("Wat voor soort heftruck zou daar kunnen staan?", "nl", HEFTRUCK),
    ("How much more could the motor mount be?", "en", BOLTS),
])
def test_a_vague_shell_is_turned_down(text, lang, source):
    assert verdict(text, "question", lang, source).reason == "vague"


def test_rejections_are_listed_in_the_suggest_json(tmp_path):
    tokens = (" Over-tightened bolts\n", "Question: How long did it take to grease the bolts?\n",
              "Question: What kind of bolts could be tightened?\n",
              "Question: Who set the torque wrench to 20?\n", "Idea: Check the torque wrench.\n")
    config = load_config(env={}).with_changes(data_dir=tmp_path)
    coach = Coach(config, engine=FakeEngine(tokens=tokens, delay=0))
    result = coach.suggest(BOLTS, "en")
    reasons = {(r.kind, r.reason) for r in result.rejected}
    assert {("title", "contradicts"), ("question", "new_words"), ("question", "vague")} <= reasons
    assert "under-tightened" in result.title.text and not result.title.is_ai
    data = json.loads(json.dumps(suggestion_data(result, Status("ready"), "fake-model", [], "")))
    assert {(r["kind"], r["reason"]) for r in data["rejected"]} == reasons
    assert any(r["text"] == "Over-tightened bolts" for r in data["rejected"])
    assert data["questions"][0] == {"kind": "question", "text": "Who set the torque wrench to 20?",
                                    "source": "fake-model"}
    assert all(r in gate.REASONS for _, r in reasons)
    coach.close()
