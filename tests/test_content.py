"""Content files: every language has every UI string, and format placeholders match."""

from __future__ import annotations

import re

from kiosk.i18n import Strings, available_languages, load_strings

PLACEHOLDER = re.compile(r"{(\w+)}")


def test_dutch_and_english_are_available():
    assert {"en", "nl"} <= set(available_languages())


def test_every_language_has_the_same_keys_and_placeholders():
    english = load_strings("en")
    for language in available_languages():
        strings = load_strings(language)
        assert set(strings) == set(english), (language, set(strings) ^ set(english))
        for key, text in english.items():
            assert set(PLACEHOLDER.findall(strings[key])) == set(PLACEHOLDER.findall(text)), key


def test_strings_fall_back_to_english_then_to_the_key():
    nl = Strings("nl")
    assert nl("capture.what_happened") == "Wat gebeurde er?"
    assert nl("login.answers_waiting", count=2).startswith("2 ")
    assert nl("no.such.key") == "no.such.key"
