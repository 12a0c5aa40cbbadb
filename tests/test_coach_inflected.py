"""Templates that name the worker's subject in a language whose nouns change with case (Polish,
Turkish, German): subjects.toml `article`, `drop_modifiers` and `[forms]` (kiosk/coach/
templates.py `named`). A small Polish coach in a temporary copy of content/, so the test does
not depend on the real Polish word lists."""

from __future__ import annotations

import shutil

import pytest

from kiosk.coach.templates import pick
from kiosk.paths import content_dir
from tests.support.languages import TINY_POLISH_COACH, clear_content_caches

SUBJECTS = '''article = ""
drop_modifiers = true
adjectives = ["zepsuty", "zepsutego"]

[kinds.machine]
words = ["czujnik", "pompa"]

[forms]
czujnik = ["czujnika", "czujnikiem"]
'''
TEMPLATES = '''[questions.maintenance]
machine = ["{Subject}: kiedy ostatnio ktoś to sprawdzał?"]
'''


@pytest.fixture
def inflected_polish(tmp_path, monkeypatch):
    copy = tmp_path / "content"
    shutil.copytree(content_dir(), copy)
    coach = copy / "coach" / "pl"
    shutil.rmtree(coach, ignore_errors=True)
    coach.mkdir(parents=True)
    for name, text in {**TINY_POLISH_COACH, "subjects.toml": SUBJECTS,
                       "templates.toml": TEMPLATES}.items():
        (coach / name).write_text(text, encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONTENT_DIR", str(copy))
    clear_content_caches()
    yield
    monkeypatch.delenv("KIOSK_CONTENT_DIR")
    clear_content_caches()


def test_an_inflected_subject_is_named_in_its_base_form_without_an_article(inflected_polish):
    found = pick("questions", "Od rana nie ma sygnału z czujnika przy taśmie.", "pl",
                 "maintenance")
    assert found is not None and found[0] == "Czujnik: kiedy ostatnio ktoś to sprawdzał?"


def test_a_subject_found_by_its_stem_is_named_as_listed(inflected_polish):
    found = pick("questions", "Pompy przy linii dwa znowu cieknie olej.", "pl", "maintenance")
    assert found is not None and found[0] == "Pompa: kiedy ostatnio ktoś to sprawdzał?"
    assert not found[0].lower().startswith("the ")
