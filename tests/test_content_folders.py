"""Every language folder is complete, not only en and nl: report labels, stop words, demo texts,
the coach's content (question bank, templates, categories, prompts) and a held-out set. The UI
strings are checked in tests/test_content.py; this file covers the other content folders."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from kiosk.coach import gate
from kiosk.coach.bank import GENERAL, bank
from kiosk.coach.classify import Classifier
from kiosk.coach.prompts import prompt_set
from kiosk.coach.templates import templates
from kiosk.coach.text import fold, words
from kiosk.demo import AREAS, load_content
from kiosk.entries import CATEGORIES, KINDS
from kiosk.i18n import available_languages, stopwords
from kiosk.paths import content_dir

PLACEHOLDER = re.compile(r"{(\w+)}")
HELDOUT = content_dir().parent / "tests" / "data"


def coach_languages() -> list[str]:
    folder = content_dir() / "coach"
    return sorted(p.name for p in folder.iterdir() if (p / "questions.toml").is_file())


def labels(language: str) -> dict[str, set[str]]:
    """content/review/<lang>.toml: each label (a plural table counts as one) -> its placeholders,
    the forms of a table together, its count value left out."""
    data = tomllib.loads((content_dir() / "review" / f"{language}.toml").read_text("utf-8"))
    out: dict[str, set[str]] = {}

    def walk(prefix: str, table: dict) -> None:
        for key, value in table.items():
            if isinstance(value, dict) and "count" in value:
                out[prefix + key] = {p for form, text in value.items() if form != "count"
                                     for p in PLACEHOLDER.findall(text)} - {value["count"]}
            elif isinstance(value, dict):
                walk(f"{prefix}{key}.", value)
            else:
                out[prefix + key] = set(PLACEHOLDER.findall(value))

    walk("", data)
    return out


def test_the_new_languages_have_folders():
    assert {"de", "pl", "tr"} <= set(available_languages())
    assert {"de", "pl", "tr"} <= set(coach_languages())


@pytest.mark.parametrize("language", available_languages())
def test_report_labels_have_every_key_and_placeholder_of_english(language):
    english, own = labels("en"), labels(language)
    assert set(own) == set(english), (language, set(own) ^ set(english))
    for key, wanted in english.items():
        assert own[key] == wanted, (language, key)


@pytest.mark.parametrize("language", available_languages())
def test_every_language_has_stop_words(language):
    assert len(stopwords(language)) >= 100
    assert stopwords(language) <= stopwords(language, themes=True)


@pytest.mark.parametrize("language", available_languages())
def test_demo_texts_cover_every_area_kind_and_category(language):
    content = load_content(language)
    assert content.language == language
    assert len(content.templates) >= 30
    assert len({t.title for t in content.templates}) == len(content.templates)
    assert {t.kind for t in content.templates} == set(KINDS)
    assert {t.category for t in content.templates} == set(CATEGORIES)
    assert {t.area for t in content.templates} == set(AREAS)
    assert all(len(t.title) <= 80 for t in content.templates)


def asks_late(question: str, language: str) -> bool:
    """A question of a language whose question word stands before the verb, at the end
    (language.toml `question_words_anywhere`, Turkish): one with a question word anywhere."""
    own = tomllib.loads((content_dir() / "coach" / language / "language.toml").read_text("utf-8"))
    asked = {fold(w) for w in own.get("question_words", [])}
    return bool(own.get("question_words_anywhere")) and question.endswith("?") and \
        any(w in asked for w in words(question))


@pytest.mark.parametrize("language", coach_languages())
def test_the_question_bank_is_full_and_every_question_is_one_in_form(language):
    b = bank(language)
    for category in (*CATEGORIES, GENERAL):
        questions = b.questions[category]
        assert len(questions) >= 15, (language, category)
        assert len(set(questions)) == len(questions), (language, category)
        assert len(b.ideas[category]) >= 5, (language, category)
        for question in questions:
            verdict = gate.check(question, "question", language, question)
            assert verdict.ok or verdict.reason == "echo" or (
                verdict.reason == "not_a_question" and asks_late(question, language)), \
                (language, question, verdict)


@pytest.mark.parametrize("language", coach_languages())
def test_templates_name_the_subject_and_use_known_slots(language):
    found = 0
    for part, table in templates(language).items():
        for category, kinds in table.items():
            assert category in (*CATEGORIES, GENERAL), (language, category)
            for items in kinds.values():
                for template in items:
                    found += 1
                    slots = re.findall(r"\{([^{}]*)\}", template)
                    assert {"subject", "Subject"} & set(slots), (language, template)
                    for slot in slots:
                        assert slot in ("subject", "Subject") or "|" in slot, (language, template)
                    end = "?" if part == "questions" else "."
                    assert template.endswith(end), (language, template)
    assert found >= 60, language


@pytest.mark.parametrize("language", coach_languages())
def test_categories_and_prompts_load(language):
    classifier = Classifier(language)
    assert all(len(classifier.keywords[c]) >= 20 for c in CATEGORIES if c != "other"), language
    prompts = prompt_set(language)
    assert len(prompts.examples) >= 3


@pytest.mark.parametrize("language", coach_languages())
def test_every_coach_language_has_a_held_out_set(language):
    rows = [json.loads(line) for line in
            (HELDOUT / f"heldout_{language}.jsonl").read_text("utf-8").splitlines() if line.strip()]
    assert len(rows) >= 25
    assert {r["category"] for r in rows} == set(CATEGORIES)
    for row in rows:
        assert row["text"].strip() and row["subject"] and row["category"] in CATEGORIES, row
