"""Content files: every language has every UI string, and format placeholders match."""

from __future__ import annotations

import re

import pytest

from kiosk import i18n
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
            own, reference = set(PLACEHOLDER.findall(strings[key])), set(PLACEHOLDER.findall(text))
            table, _, form = key.rpartition(".")
            if form == "one" and f"{table}.count" in english:
                # The `one` form of a plural table may write "1" instead of the number's
                # placeholder (in either language), so that one is left out of the comparison.
                count = english[f"{table}.count"]
                own, reference = own - {count}, reference - {count}
            assert own == reference, key


def test_strings_fall_back_to_english_then_to_the_key():
    nl = Strings("nl")
    assert nl("capture.what_happened") == "Wat gebeurde er?"
    assert nl("login.answers_waiting", count=2).startswith("2 ")
    assert nl("no.such.key") == "no.such.key"


# -- plurals --------------------------------------------------------------------------------------

def plural_tables(strings: dict[str, str]) -> set[str]:
    return {key.removesuffix(".count") for key in strings if key.endswith(".count")}


def test_a_plural_table_picks_one_or_other_in_english_and_dutch():
    en, nl = Strings("en"), Strings("nl")
    assert en("sync.scan.complete", label="AB", total=1) == "Batch AB is complete (1 part)."
    assert en("sync.scan.complete", label="AB", total=3) == "Batch AB is complete (3 parts)."
    assert en("sync.scan.complete", label="AB", total=0) == "Batch AB is complete (0 parts)."
    assert nl("sync.scan.complete", label="AB", total=1) == "Pakket AB is compleet (1 deel)."
    assert nl("sync.scan.complete", label="AB", total=2) == "Pakket AB is compleet (2 delen)."
    assert en("transfer.batch", label="AB", count=1) == "Batch AB: 1 entry"
    assert nl("transfer.batch", label="AB", count=12) == "Pakket AB: 12 notities"
    assert nl("login.after_days", days=1) == "1 dag"
    # the supervisor screen passes numbers formatted with thousands separators
    assert en("supervisor.count", total="1", unseen="1") == "1 entry matches (1 not seen yet)."
    assert en("supervisor.count", total="1,001", unseen="0").startswith("1,001 entries match")


def test_sync_messages_and_errors_use_the_plural_forms():
    from kiosk.sync.errors import Message

    assert Message("receipt.replies", {"label": "AB", "marked": 1}).text("en") == \
        "Receipt for batch AB: the kiosk has 1 answer."
    assert Message("receipt.replies", {"label": "AB", "marked": 1}).text("nl") == \
        "Ontvangstcode van pakket AB: de kiosk heeft 1 antwoord."
    assert Message("receipt.replies", {"label": "AB", "marked": 4}).text("nl").endswith(
        "4 antwoorden.")


@pytest.fixture
def dutch_without_plural_table(tmp_path, monkeypatch):
    """content/strings with a Dutch sync.toml that lacks the `scan.complete` table."""
    for language in ("en", "nl"):
        (tmp_path / language).mkdir()
    (tmp_path / "en" / "sync.toml").write_text(
        '[scan]\ncomplete = { count = "total", one = "Batch {label} is complete (1 part).", '
        'other = "Batch {label} is complete ({total} parts)." }\n', encoding="utf-8")
    (tmp_path / "nl" / "sync.toml").write_text('[scan]\nrejected = "Geweigerd"\n',
                                               encoding="utf-8")
    real = i18n.load_strings.__wrapped__
    monkeypatch.setattr(i18n, "load_strings", lambda language: real(language, tmp_path))


def test_a_missing_dutch_plural_table_falls_back_to_english(dutch_without_plural_table):
    nl = Strings("nl")
    assert nl("sync.scan.complete", label="AB", total=1) == "Batch AB is complete (1 part)."
    assert nl("sync.scan.complete", label="AB", total=5) == "Batch AB is complete (5 parts)."
    assert nl("sync.scan.rejected") == "Geweigerd"
    assert nl("sync.no.such") == "sync.no.such"


def test_every_plural_table_has_count_one_and_other_and_uses_its_count():
    english = load_strings("en")
    assert len(plural_tables(english)) >= 12
    for language in available_languages():
        strings = load_strings(language)
        for table in plural_tables(strings):
            inside = {key.removeprefix(f"{table}.") for key in strings
                      if key.startswith(f"{table}.")}
            assert inside == {"count", *i18n.PLURAL_FORMS}, (language, table, inside)
            count = strings[f"{table}.count"]
            assert count == english[f"{table}.count"], (language, table)
            assert count in PLACEHOLDER.findall(strings[f"{table}.other"]), (language, table)
            assert table not in strings, (language, table)  # not also a plain string


def test_the_plural_rule_of_english_and_dutch():
    assert [i18n.plural_form(n) for n in (0, 1, 2, 1.0, "1", " 1 ", "1,000", "11", True)] == \
        ["other", "one", "other", "one", "one", "one", "other", "other", "other"]


def test_every_key_bar_fits_80_columns_in_every_language():
    """The key bar of each screen, compact where needed (F1Help F2Save), fits a 80-column tty."""
    import importlib
    import inspect

    from kiosk.ui.widgets.keybar import KeyBar

    screens = []
    for name in ("login", "capture", "feed", "saved", "admin", "transfer", "help", "station.login",
                 "station.queue", "station.entry", "station.insights", "station.report"):
        module = importlib.import_module(f"kiosk.ui.screens.{name}")
        screens += [cls for _, cls in inspect.getmembers(module, inspect.isclass)
                    if cls.__module__ == module.__name__ and getattr(cls, "KEYS", None)]
    assert len(screens) >= 8
    for language in available_languages():
        t = Strings(language)
        for screen in screens:
            bar = KeyBar(screen.KEYS, t)
            assert bar.width(compact=True) <= 80, (language, screen.__name__, [t(k.label) for k in bar.keys])
