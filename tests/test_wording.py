"""Words workers and IT read (issue 16 item 13): numbers use the plural tables, no zero lines,
no file names or English in the Dutch text, key names that read like the others. Real screens
at 80x24, real stores, the real string files."""

from __future__ import annotations

import re
import tomllib

import pytest

from kiosk.i18n import Strings
from kiosk.paths import content_dir
from kiosk.sync.exchange import ImportReport, ReceiptReport
from tests.ui_helpers import make_test_app, screen_text


async def pin(pilot, digits: str) -> None:
    await pilot.press("f12", *digits, "enter")
    await pilot.pause()


@pytest.mark.parametrize("language, one_left, locked", [
    ("nl", "Nog 1 poging.", "Probeer het over 5 minuten opnieuw."),
    ("en", "1 try left.", "Try again in 5 minutes."),
])
async def test_pin_tries_and_lock_out_read_as_words(tmp_path, language, one_left, locked):
    app, _, _ = make_test_app(tmp_path, language=language)
    async with app.run_test(size=(80, 24)) as pilot:
        await pin(pilot, "0000")
        for _ in range(3):
            await pilot.press(*"0000", "enter")
            await pilot.pause()
        assert one_left in screen_text(app)
        await pilot.press(*"0000", "enter")
        await pilot.pause()
        text = screen_text(app)
        assert locked in text and "300" not in text


async def test_the_pause_key_is_named_like_the_others(tmp_path):
    from kiosk.demo import fill_demo_data

    app, store, _ = make_test_app(tmp_path, language="nl")
    fill_demo_data(store, app.config, count=4, seed=2)
    async with app.run_test(size=(80, 24)) as pilot:
        await pin(pilot, "1234")
        await pilot.click("#export")
        await pilot.pause()
        keys = [str(k.render()) for k in app.screen.query("KeyButton")]
        assert any("Spatie" in k and "Pauze" in k for k in keys), keys
        assert not any("SPACE" in k for k in keys)


async def test_dutch_bank_questions_are_not_each_marked_and_no_model_file_name_shows(tmp_path):
    from tests.test_ui_coach import coach_for, write_and_ask

    # A kiosk that offers Dutch only: the coach asks in Dutch whatever the text looks like.
    app, _, _ = make_test_app(tmp_path / "k", coach=coach_for(tmp_path / "c"), language="nl",
                              languages=("nl",))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await write_and_ask(pilot, app)
        text = screen_text(app)
        assert "vragenbank" in text and "[vragenbank]" not in text and "[jij]" not in text
        assert "fake-model" not in text and app.coach.model_name == "fake-model"
        assert any(o.s.source == "bank" for o in screen.offers.items)


@pytest.mark.parametrize("language", ["en", "nl"])
def test_no_zero_lines_and_plurals_in_receipts_and_imports(language):
    synced = ReceiptReport("E", "BATCH01", 3, edited=0).message().text(language)
    assert ": 0" not in synced and "0" not in synced.replace("BATCH01", "")
    edited = ReceiptReport("E", "BATCH01", 2, edited=1).message().text(language)
    assert {"en": "1 entry was edited", "nl": "1 notitie is na het versturen bewerkt"}[
        language] in edited
    entries = ImportReport("E", "BATCH01", "kiosk-b2", "K7QD-M2XA", added=3,
                           conflicts=1).message().text(language)
    assert "0" not in entries.replace("BATCH01", "")
    assert {"en": "3 new, 1 conflict to look at.", "nl": "3 nieuw, 1 conflict om te bekijken."}[
        language] in entries
    answers = ImportReport("R", "BATCH01", "station-1", "K7QD-M2XA", updated=1,
                           unchanged=2).message().text(language)
    assert "0" not in answers.replace("BATCH01", "") and "no longer" not in answers


def test_writing_another_entry_says_what():
    assert Strings("nl")("saved.new") == "Nog een notitie schrijven"
    assert "nog een notitie schrijven" in Strings("nl")("saved.next_hint")


def test_doctor_counts_one_entry_in_the_singular(tmp_path):
    import subprocess
    import sys

    from kiosk.store import Store
    from tests.conftest import build_entry

    store = Store(tmp_path / "data")
    store.save(build_entry())
    store.close()
    result = subprocess.run([sys.executable, "-m", "kiosk", "--data-dir", str(tmp_path / "data"),
                             "doctor", "--only", "entries"], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert "1 entry read without error" in result.stdout, result.stdout + result.stderr
    assert "1 entries" not in result.stdout


# -- every string file ----------------------------------------------------------------------
def plain_strings(language: str) -> dict[str, str]:
    """Every string that is not a plural table, by dotted key."""
    out: dict[str, str] = {}

    def walk(prefix: str, table: dict) -> None:
        for key, value in table.items():
            if isinstance(value, dict) and "count" in value:
                continue
            if isinstance(value, dict):
                walk(f"{prefix}{key}.", value)
            else:
                out[prefix + key] = value

    for file in sorted((content_dir() / "strings" / language).glob("*.toml")):
        walk(f"{file.stem}.", tomllib.loads(file.read_text(encoding="utf-8")))
    return out


COUNTED = {  # words that follow a count and change with it
    "en": r"entries|parts|tries|days|minutes|hours|answers|conflicts|items|files",
    "nl": r"notities|delen|pogingen|dagen|minuten|antwoorden|conflicten|items|bestanden",
}
# A placeholder that is never 1 where it is used: the limits and totals of a refused batch.
NEVER_ONE = {"sync.frame.absurd_total", "sync.batch.too_many_frames", "sync.frame.too_long",
             "digest.no_themes", "digest.too_few", "supervisor.insights_title"}


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_count_before_a_plural_word_uses_a_plural_table(language):
    pattern = re.compile(rf"\{{\w+\}} (?:\w+ )?(?:{COUNTED[language]})\b")
    found = {key: text for key, text in plain_strings(language).items()
             if pattern.search(text) and key not in NEVER_ONE}
    assert found == {}


def test_dutch_text_has_no_english_words_or_file_names():
    english = re.compile(r"\b(supervisorstation|items?|entries|batch|receipt|synced|"
                         r"smollm\w*|gguf)\b", re.IGNORECASE)
    allowed = {"coach.reason.not_gguf", "coach.reason.no_runtime", "digest.prompt",
               "sync.batch.not_station", "sync.export.then_receipt"}  # IT, commands, the prompt
    found = {key: text for key, text in plain_strings("nl").items()
             if english.search(text) and key not in allowed}
    assert found == {}
