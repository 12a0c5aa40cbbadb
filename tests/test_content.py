"""Content files: every language has every UI string, and format placeholders match."""

from __future__ import annotations

import re

import pytest

from kiosk import i18n, plurals
from kiosk.i18n import Strings, available_languages, load_strings

PLACEHOLDER = re.compile(r"{(\w+)}")


def test_dutch_and_english_are_available():
    assert {"en", "nl"} <= set(available_languages())


def split_tables(strings: dict[str, str]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """(plain strings, plural tables {table: {"count": .., form: text}}) of flattened strings."""
    tables = {key.removesuffix(".count"): {} for key in strings if key.endswith(".count")}
    plain = {}
    for key, text in strings.items():
        table, _, form = key.rpartition(".")
        if table in tables:
            tables[table][form] = text
        else:
            plain[key] = text
    return plain, tables


def test_every_language_has_every_key_of_english_with_the_same_placeholders():
    """Every language folder found (content/strings/<lang>/): every plain string of English with
    the same placeholders, every plural table of English with the same `count`, and each of its
    forms with the placeholders of the English `other`; a form that only ever holds one number
    (`one` in these languages) has those of the English form of that name, and may write "1"
    for the count."""
    plain_en, tables_en = split_tables(load_strings("en"))
    for language in available_languages():
        plain, tables = split_tables(load_strings(language))
        assert set(plain) == set(plain_en), (language, set(plain) ^ set(plain_en))
        assert set(tables) == set(tables_en), (language, set(tables) ^ set(tables_en))
        for key, text in plain_en.items():
            assert set(PLACEHOLDER.findall(plain[key])) == set(PLACEHOLDER.findall(text)), \
                (language, key)
        single = plurals.single_number_forms(language)
        for table, forms in tables.items():
            english = tables_en[table]
            count = english["count"]
            assert forms["count"] == count, (language, table)
            for form, text in forms.items():
                if form == "count":
                    continue
                own = set(PLACEHOLDER.findall(text))
                if form in single:  # like English "one": may say "1", may leave out what
                    reference = english.get(form, english["other"])  # one number has not
                    need = set(PLACEHOLDER.findall(reference)) - {count}
                    own -= {count}
                else:
                    need = set(PLACEHOLDER.findall(english["other"]))
                assert own == need, (language, table, form, own ^ need)


def test_every_plural_table_has_exactly_the_forms_its_language_needs_by_cldr():
    """babel's CLDR data says which forms: English and Dutch one/other, Polish one, few, many
    and other, and so on for every language folder found."""
    assert plurals.plural_forms("pl") == ("one", "few", "many", "other")
    assert plurals.plural_forms("nl") == ("one", "other")
    for language in available_languages():
        _, tables = split_tables(load_strings(language))
        needed = {"count", *plurals.plural_forms(language)}
        for table, forms in tables.items():
            assert set(forms) == needed, (language, table, set(forms) ^ needed)
            assert table not in load_strings(language), (language, table)  # not also plain


def test_every_language_names_itself_and_lists_its_letters():
    """common.language_name is the language in its own words (the F8 list); language.letters
    holds every letter beyond ASCII its strings use (kiosk doctor checks the console font)."""
    names = {language: i18n.language_name(language) for language in available_languages()}
    assert names["en"] == "English" and names["nl"] == "Nederlands"
    assert len(set(names.values())) == len(names), names
    for language in available_languages():
        strings = load_strings(language)
        listed = set(strings["language.letters"])
        used = {c for text in strings.values() for c in text if c.isalpha() and not c.isascii()}
        assert used <= listed, (language, "".join(sorted(used - listed)))
        assert all(c.isalpha() and not c.isascii() for c in listed), language


def test_strings_fall_back_to_english_then_to_the_key():
    nl = Strings("nl")
    assert nl("capture.what_happened") == "Wat gebeurde er?"
    assert nl("login.answers_waiting", count=2).startswith("2 ")
    assert nl("no.such.key") == "no.such.key"


# -- plurals --------------------------------------------------------------------------------------

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


def test_the_plural_rule_of_english_and_dutch():
    for language in ("en", "nl"):
        assert [i18n.plural_form(n, language)
                for n in (0, 1, 2, 1.0, "1", " 1 ", "1,000", "11", True, "x")] == \
            ["other", "one", "other", "one", "one", "one", "other", "other", "other", "other"]


def test_the_plural_rule_of_polish_has_few_and_many():
    assert [i18n.plural_form(n, "pl") for n in (1, 2, 4, 5, 12, 21, 22, 25, 0, "1,002", 1.5)] == \
        ["one", "few", "few", "many", "many", "many", "few", "many", "many", "few", "other"]
    assert plurals.single_number_forms("pl") == {"one"}
    assert plurals.single_number_forms("ru") == frozenset()  # one: 1, 21, 31, ...


def test_a_polish_table_picks_its_form(tmp_path, monkeypatch):
    (tmp_path / "pl").mkdir()
    (tmp_path / "pl" / "sync.toml").write_text(
        '[scan]\ncomplete = { count = "total", one = "1 część", few = "{total} części", '
        'many = "{total} części!", other = "{total} części?" }\n', encoding="utf-8")
    real = i18n.load_strings.__wrapped__
    monkeypatch.setattr(i18n, "load_strings", lambda language: real(language, tmp_path))
    pl = Strings("pl")
    assert [pl("sync.scan.complete", total=n) for n in (1, 3, 5, 1.5)] == \
        ["1 część", "3 części", "5 części!", "1.5 części?"]


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
