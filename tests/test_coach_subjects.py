"""The worker's own subject: phrases found in what they wrote (kiosk.coach.subjects) and how a
template names them (kiosk.coach.templates.named), in Dutch and English."""

from __future__ import annotations

import pytest

from kiosk.coach.subjects import lexicon, subjects
from kiosk.coach.templates import named


def first(text: str, lang: str, category: str = "other") -> str:
    return named(subjects(text, lang, category)[0], lang)


def all_named(text: str, lang: str, category: str = "other") -> list[str]:
    return [named(p, lang) for p in subjects(text, lang, category)]


def test_the_hearing_protection_text_names_the_earplugs_and_the_protection():
    text = "Collega droeg geen gehoorbescherming bij de zaagmachine omdat de oordopjes op waren."
    found = subjects(text, "nl", "safety")
    assert named(found[0], "nl") == "de gehoorbescherming"  # "geen" -> "de"; the kind comes first
    assert "de oordopjes" in all_named(text, "nl", "safety")
    earplugs = next(p for p in found if p.head == "oordopjes")
    assert earplugs.plural and "ppe" in earplugs.kinds
    assert "collega" in all_named(text, "nl", "safety")[-1]  # a role comes last
    english = ("A colleague was working at the band saw without hearing protection because the "
               "earplugs had run out.")
    assert first(english, "en", "safety") == "the earplugs"
    assert "the hearing protection" in all_named(english, "en", "safety")


@pytest.mark.parametrize("text,lang,expected", [
    ("De etiketteerprinter op lijn 3 drukt de barcode vaag af.", "nl",
     "de etiketteerprinter op lijn 3"),
    ("The bearing on conveyor 5 squeals when the belt starts.", "en", "the bearing on conveyor 5"),
    ("De ketting van de transportband slipt af en toe.", "nl", "de ketting van de transportband"),
    ("The drive chain of the roller conveyor jumps off.", "en",
     "the drive chain of the roller conveyor"),
    ("Het noodstopkoord van band 2 hing los.", "nl", "het noodstopkoord van band 2"),
    ("The label printer on line 3 prints a faint barcode.", "en", "the label printer on line 3"),
])
def test_a_phrase_keeps_its_complement(text, lang, expected):
    assert first(text, lang, "maintenance") == expected


@pytest.mark.parametrize("text,lang,expected", [
    ("Voor elke pallet moeten we een formulier invullen.", "nl", "het formulier"),  # het-word
    ("Er ligt een losse trede op de trap.", "nl", "de losse trede"),
    ("Het lager maakt een schurend geluid.", "nl", "het geluid"),  # no uninflected adjective
    ("Mijn pasje opent de slagboom niet meer.", "nl", "je pasje"),
    ("Drie dozen hadden het verkeerde etiket.", "nl", "de drie dozen"),
    ("Er staan gasflessen zonder ketting.", "nl", "de gasflessen"),
    ("My badge stopped opening the barrier.", "en", "your badge"),
    ("A forklift came round the corner.", "en", "the forklift"),
    ("Three boxes went out with the wrong labels.", "en", "the three boxes"),
])
def test_the_article_comes_from_the_phrase_or_from_its_noun(text, lang, expected):
    assert expected in all_named(text, lang)


def test_the_phrase_ends_before_the_verb():
    assert "the customer" in all_named("The customer sent the boxes back.", "en")
    assert "the oven" in all_named("The night shift wrote that the oven ran hot.", "en")
    assert "the hydraulic hose" in all_named("The hydraulic hose leaks oil.", "en")
    assert "de band" in all_named("De band loopt naar één kant.", "nl")
    assert "de spuitgietmachine" in all_named("Bij de spuitgietmachine zoeken we steeds.", "nl")
    assert "de gelakte panelen" in all_named("Op de gelakte panelen zit stof.", "nl")


def test_number_and_gender():
    def phrase(text, lang, head):
        return next(p for p in subjects(text, lang) if p.head.lower() == head)

    assert phrase("De oordopjes waren op.", "nl", "oordopjes").plural
    assert not phrase("De palletwagen staat in de weg.", "nl", "palletwagen").plural
    assert phrase("Het etiket was scheef.", "nl", "etiket").gender == "het"
    assert phrase("Er zat een etiket op.", "nl", "etiket").gender == "het"  # from the list
    assert phrase("Er zat een verpakkingsetiket op.", "nl", "verpakkingsetiket").gender == "het"
    assert phrase("Er ligt een kabel.", "nl", "kabel").gender == "de"
    # the verb after an inner phrase is the sentence's, not the phrase's
    assert not phrase("De flessen uit de laatste partij hebben scheve doppen.", "nl",
                      "partij").plural
    assert not phrase("The glass is cracked.", "en", "glass").plural
    assert phrase("The caps were loose.", "en", "caps").plural


def test_what_the_sentence_is_about_comes_first():
    assert first("De flessen uit de laatste partij hebben scheve doppen.", "nl",
                 "quality") == "de flessen"
    assert first("Oil from the press has run into the walkway.", "en", "safety") == "the oil"
    # but a role at the start gives way to the thing
    assert first("De nachtdienst schreef in het overdrachtsboek dat de oven te heet werd.", "nl",
                 "teamwork") == "het overdrachtsboek"


def test_no_subject_in_a_text_without_one():
    assert subjects("Het ging goed vandaag, dank je.", "nl") == []
    assert subjects("It was fine.", "en") == []


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_lists_are_content_with_every_kind_prioritised(lang):
    lex = lexicon(lang)
    assert {"ppe", "vehicle", "machine", "part", "tool", "material", "place", "role"} <= \
        set(lex.kinds)
    assert set(lex.priority) == {"safety", "quality", "flow", "maintenance", "teamwork", "other"}
    assert all(set(order) <= set(lex.kinds) for order in lex.priority.values())
