"""The cases of issue 12, without the model: the worker's own subject is named, the bank's picks
touch what the text is about and never say the same twice, the category is right; and the
held-out sets (tests/data/heldout_<lang>.jsonl) meet the targets that bench/suggest_eval.py
prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.suggest_eval import load_heldout, near_duplicates, suggestion_quality
from kiosk.coach.bank import bank
from kiosk.coach.suggest import BANK, TEMPLATE, Coach
from kiosk.coach.text import similar
from kiosk.config import load_config
from kiosk.entries import CATEGORIES

HEARING = {"nl": "Collega droeg geen gehoorbescherming bij de zaagmachine omdat de oordopjes op "
                 "waren.",
           "en": "A colleague was working at the band saw without hearing protection because the "
                 "earplugs had run out."}
LABELS = {"nl": "Drie dozen hadden het verkeerde etiket en zijn zo naar de klant gegaan.",
          "en": "Three boxes went out with the wrong labels and the customer sent them back."}
FORKLIFT = {"nl": "De heftruck reed achteruit het gangpad in zonder te toeteren; ik kon net opzij "
                  "stappen.",
            "en": "A forklift came round the corner at dock 4 without sounding the horn and almost "
                  "hit me."}


@pytest.fixture(scope="module")
def coach():
    coach = Coach(load_config(env={}).with_changes(coach_enabled=False))
    yield coach
    coach.close()


def questions(coach, text, lang):
    return [q.text.lower() for q in coach.suggest(text, lang).questions]


@pytest.mark.parametrize("lang,words", [("nl", ("gehoorbescherming", "oordopjes")),
                                        ("en", ("hearing protection", "earplugs"))])
def test_the_hearing_protection_text_gets_a_question_about_it(coach, lang, words):
    result = coach.suggest(HEARING[lang], lang)
    asked = [q.text.lower() for q in result.questions]
    assert any(w in q for q in asked for w in words), asked
    named = [q for q in result.questions if any(w in q.text.lower() for w in words)]
    assert named[0].source == TEMPLATE and not named[0].is_ai  # curated, shown like the bank
    assert not near_duplicates([q.text for q in result.questions], lang)
    if lang == "nl":  # the bank's own question about the protection, through the synonyms
        assert "zijn de beschermingsmiddelen die hier nodig zijn makkelijk te pakken?" in asked


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_wrong_label_text_gets_no_mould_question(coach, lang):
    asked = questions(coach, LABELS[lang], lang)
    for word in ("matrijs", "wisselplaat", "mould", "insert", "gereedschap", "tool"):
        assert not any(word in q for q in asked), asked
    assert any(w in q for q in asked for w in ("dozen", "etiket", "boxes", "labels"))
    picked = bank(lang).pick_questions(LABELS[lang], "quality", 17)
    assert not any("matrijs" in q or "mould" in q for q in picked)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_forklift_near_miss_is_safety_and_gets_no_horn_question(coach, lang):
    result = coach.suggest(FORKLIFT[lang], lang)
    assert "nobody" not in FORKLIFT[lang] and "niemand" not in FORKLIFT[lang]
    assert result.category.category == "safety"
    asked = [q.text.lower() for q in result.questions]
    assert not any(w in q for q in asked for w in ("horn", "toeter", "claxon")), asked
    assert any(w in q for q in asked for w in ("forklift", "heftruck"))


def test_never_two_questions_that_say_the_same():
    a, b = "Wat moet een nieuwe collega over deze plek weten?", \
        "Wat moet een nieuwe collega hierover weten?"
    assert similar(a, b, "nl") and not similar(a, "Hoe lang speelt dit al?", "nl")
    nl = bank("nl")
    for text in ("Een nieuwe collega wist niet waar de nooduitgang is op deze plek.",
                 HEARING["nl"], LABELS["nl"]):
        picked = nl.pick_questions(text, "safety", 10)
        assert not (a in picked and b in picked)
        assert not [(x, y) for i, x in enumerate(picked) for y in picked[i + 1:]
                    if similar(x, y, "nl")]
    assert a not in nl.pick_questions("Iets met de nieuwe collega op deze plek.", "safety", 10,
                                      avoid=(b,))


def test_a_bank_question_about_a_thing_needs_the_text_to_touch_it():
    nl = bank("nl")
    machine = "Is de machine zo nog veilig te gebruiken?"
    assert machine in nl.pick_questions("De compressor maakt lawaai en wordt heet.",
                                        "maintenance", 16)  # a compressor is a machine
    assert machine not in nl.pick_questions("De koffie in de kantine is koud.", "maintenance", 16)
    en = bank("en")
    spare = "Are the spare parts for this in stock?"
    assert spare in en.pick_questions("The bearing of the fan squeals.", "maintenance", 16)
    assert spare not in en.pick_questions("The forklift drove too fast.", "maintenance", 16)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_held_out_sets_are_new_and_complete(lang):
    rows = load_heldout(lang)
    assert len(rows) >= 40
    assert {r["category"] for r in rows} <= set(CATEGORIES)
    for row in rows:
        assert row["subject"] and all(w.lower() in row["text"].lower() for w in row["subject"])
    dev = Path(__file__).resolve().parents[2] / "shared" / "eval" / "observations_dev.jsonl"
    if dev.exists():
        texts = {json.loads(line)["text"] for line in dev.read_text().splitlines() if line}
        assert not texts & {r["text"] for r in rows}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_held_out_targets_are_met_without_the_model(coach, lang, capsys):
    figures = suggestion_quality(f"held-out {lang}", load_heldout(lang), coach, False)
    assert figures["named"] >= 0.9 and figures["category"] >= 0.9, capsys.readouterr().out
    assert figures["dupes"] == 0 and figures["empty"] == 0
    assert all(q.source in (BANK, TEMPLATE) for q in coach.suggest(HEARING[lang], lang).questions)


@pytest.mark.parametrize("lang,text", [
    ("nl", "Olie op de vloer bij de pers, iemand gleed bijna uit."),
    ("nl", "Bijna uitgegleden over olie op de vloer bij de pers."),
    ("en", "Almost slipped on oil on the floor near the press."),
])
def test_a_near_slip_on_oil_is_safety_not_maintenance(coach, lang, text):
    """Issue 16 item 11: an anonymous near-slip reached the station as another category."""
    assert coach.suggest(text, lang).category.category == "safety"


@pytest.mark.parametrize("lang", ["pl", "tr", "de"])
def test_the_new_languages_meet_their_targets_without_the_model(coach, lang, capsys):
    """Issue 14: at least 20 samples per new language, category and subject named >= 85%."""
    rows = load_heldout(lang)
    assert len(rows) >= 20 and {r["category"] for r in rows} <= set(CATEGORIES)
    figures = suggestion_quality(f"held-out {lang}", rows, coach, False)
    assert figures["named"] >= 0.85 and figures["category"] >= 0.85, capsys.readouterr().out
    assert figures["dupes"] == 0 and figures["empty"] == 0
