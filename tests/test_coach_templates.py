"""Every question and idea template (content/coach/<lang>/templates.toml), filled with sample
subjects of de-words, het-words and plurals (and English singulars and plurals), names the
subject with the right article, agrees with it and reads as one question (or one idea)."""

from __future__ import annotations

import re

import pytest

from kiosk.coach import gate
from kiosk.coach.subjects import subjects
from kiosk.coach.templates import fill, named, templates
from kiosk.coach.text import words
from kiosk.entries import CATEGORIES

# (sample text, the subject's head, as the template must name it, plural?, het-word?)
SAMPLES = {
    "nl": [
        ("De heftruck reed te hard door het gangpad.", "heftruck", "de heftruck", False, False),
        ("Het etiket zat scheef op de doos.", "etiket", "het etiket", False, True),
        ("De oordopjes waren op bij de zaag.", "oordopjes", "de oordopjes", True, False),
        ("Er lag een formulier op de verkeerde plek.", "formulier", "het formulier", False, True),
        ("De printer op lijn 3 drukt vaag.", "printer", "de printer op lijn 3", False, False),
        ("Drie dozen vielen van de stapel.", "dozen", "de drie dozen", True, False),
        ("Mijn pasje werkt niet bij de poort.", "pasje", "je pasje", False, True),
    ],
    "en": [
        ("The forklift came round the corner fast.", "forklift", "the forklift", False, False),
        ("The earplugs had run out at the saw.", "earplugs", "the earplugs", True, False),
        ("The bearing on conveyor 5 squeals.", "bearing", "the bearing on conveyor 5", False,
         False),
        ("Three boxes went out with the wrong labels.", "boxes", "the three boxes", True, False),
        ("My badge stopped opening the barrier.", "badge", "your badge", False, False),
        ("Someone worked without hearing protection today.", "protection",
         "the hearing protection", False, False),
    ],
}
# finite verbs that give away the number (Dutch plurals look like infinitives, so those are
# only checked right next to the subject)
SINGULAR = {"nl": {"is", "was", "ligt", "wordt", "kan", "zou", "staat", "heeft", "klopt", "moet",
                   "hoeft", "zit", "meet"},
            "en": {"is", "was", "has", "does", "runs", "needs"}}
PLURAL = {"nl": {"zijn", "waren", "liggen", "worden", "kunnen", "zouden", "staan", "hebben",
                 "kloppen", "moeten", "hoeven", "zitten"},
          "en": {"are", "were", "have", "do", "run", "need"}}
# after one of these the subject is not the sentence's subject: nothing to agree with
PREPOSITIONS = {"nl": {"bij", "met", "aan", "voor", "van", "op", "rond", "naar", "over", "in"},
                "en": {"on", "at", "with", "around", "for", "from", "of", "about", "to", "in"}}


def every_template(lang):
    for part, table in templates(lang).items():
        for category, kinds in table.items():
            for kind, items in kinds.items():
                for template in items:
                    yield part, category, kind, template


def sample_phrases(lang):
    for text, head, expected, plural, het in SAMPLES[lang]:
        phrase = next(p for p in subjects(text, lang) if p.head.lower() == head)
        assert named(phrase, lang) == expected, text
        assert phrase.plural == plural and (phrase.gender == "het") == het, text
        yield text, phrase, expected


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_template_filled_with_every_sample_reads_right(lang):
    problems = []
    for part, category, kind, template in every_template(lang):
        for text, phrase, expected in sample_phrases(lang):
            filled = fill(template, phrase, lang)
            problems += [f"{template!r} + {expected!r} -> {filled!r}: {p}"
                         for p in _problems(filled, part, expected, phrase, lang, text)]
    assert not problems, "\n".join(problems[:20])


def _problems(filled, part, expected, phrase, lang, text):
    if "{" in filled or "}" in filled or "  " in filled or " ," in filled:
        yield "leftover slot or spacing"
    if not filled[0].isupper():
        yield "does not start with a capital"
    end = "?" if part == "questions" else "."
    if not filled.endswith(end) or re.search(r"[.?!]", filled[:-1]):
        yield f"not one {'question' if end == '?' else 'sentence'}"
    low = filled.lower()
    if expected not in low:
        yield "the subject is not named as the worker's phrase"
    head = phrase.head.lower()
    other = {"de": "het", "het": "de"}
    for article in ("de", "het"):
        if lang == "nl" and f"{article} {head}" in low and f"{other[article]} {head}" in expected:
            yield f"wrong article '{article}'"
    tokens = words(low)
    mine = words(expected)
    starts = [i for i in range(len(tokens)) if tokens[i:i + len(mine)] == mine]
    for i in starts:
        before = tokens[i - 1] if i else ""
        after = tokens[i + len(mine):i + len(mine) + 4]
        after = after[:next((k for k, w in enumerate(after) if w in ("en", "and")), len(after))]
        if before in PREPOSITIONS[lang]:
            continue
        wrong = PLURAL[lang] if not phrase.plural else SINGULAR[lang]
        verb_before = before in SINGULAR[lang] | PLURAL[lang]  # then an infinitive may follow
        if before in wrong or (after and after[0] in wrong and not verb_before):
            yield f"verb does not agree ({before!r} ... {after[:1]!r})"
        if phrase.plural and set(after) & SINGULAR[lang]:
            yield "a singular verb after a plural subject"
        if lang == "nl" and after and after[0] in ("die", "dat"):
            want = "dat" if phrase.gender == "het" and not phrase.plural else "die"
            if after[0] != want:
                yield f"'{after[0]}' after {expected!r}"
    kind = "question" if part == "questions" else "idea"
    verdict = gate.check(filled, kind, lang, text)
    if not verdict.ok and verdict.reason != "new_words":  # a template may name "the guard"
        yield f"the quality gate says {verdict.reason} ({verdict.detail})"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_category_has_templates_for_any_subject(lang):
    table = templates(lang)
    for category in CATEGORIES:
        assert table["questions"][category].get("any"), (lang, category)
        assert table["ideas"][category].get("any"), (lang, category)
    assert table["questions"]["general"]["any"]


def test_a_template_with_an_unknown_slot_is_an_error():
    phrase = subjects("De heftruck reed door.", "nl")[0]
    with pytest.raises(ValueError):
        fill("Wat {deed|deden|doen} {subject}?", phrase, "nl")
    assert fill("{Subject} {is|zijn} er?", phrase, "nl") == "De heftruck is er?"
