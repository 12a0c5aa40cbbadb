"""Messages for people (kiosk.messages): every error key the code uses has a text in every
language with the same placeholders, errors read in the reader's language while `str()` stays
English, and the coach and the supervisor's themes share one stop word list per language."""

from __future__ import annotations

import errno
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest

import kiosk
from kiosk.entries import NAMED_FIELDS, Entry, EntryError
from kiosk.i18n import Strings, available_languages, load_strings, stopwords, text_for
from kiosk.messages import Message, MessageError
from kiosk.review.actions import ReviewError, answer, mark_seen, set_status
from kiosk.store import Store
from kiosk.store_errors import StoreCorrupt, StoreError, StoreWriteError
from kiosk.sync.errors import SyncError
from tests.conftest import build_entry

PLACEHOLDER = re.compile(r"{(\w+)}")
KEY_IN_SOURCE = re.compile(r"""["'](errors\.[a-z_]+(?:\.[a-z_]+)+)["']""")


def keys_in_source() -> set[str]:
    """Every "errors.<...>" key written out in the package, and those the code builds from a
    name: the entry fields people fill in, the answer's and the reason's checks."""
    keys: set[str] = set()
    for path in Path(kiosk.__file__).parent.rglob("*.py"):
        keys |= set(KEY_IN_SOURCE.findall(path.read_text(encoding="utf-8")))
    keys |= {f"errors.entry.field.{name}" for name in NAMED_FIELDS}
    keys |= {f"errors.review.{what}.{check}" for what in ("answer", "reason")
             for check in ("not_text", "empty", "too_long", "broken")}
    return keys


def test_every_error_key_has_a_text_in_every_language_with_the_same_placeholders():
    keys = keys_in_source()
    assert len(keys) > 40 and "errors.store.disk.full" in keys and "errors.entry.too_long" in keys
    english = load_strings("en")
    for language in available_languages():
        strings = load_strings(language)
        for key in sorted(keys):
            text = text_for(strings, key, {})
            assert text, (language, key)
            assert set(PLACEHOLDER.findall(text)) == \
                set(PLACEHOLDER.findall(text_for(english, key, {}))), (language, key)


# -- real errors, real stores --------------------------------------------------------------------
def entry_errors() -> list[EntryError]:
    good = build_entry()
    broken = [replace(good, title="t" * 121), replace(good, kind="rant"),
              replace(good, what_happened="", noticed="", learned="", next_step=""),
              replace(good, created="yesterday"), replace(good, id="nope"),
              replace(good, next_step="bad \ud800"), replace(good, seen="yes"),
              replace(good, author="")]
    found = []
    for entry in broken:
        with pytest.raises(EntryError) as caught:
            entry.validate()
        found.append(caught.value)
    for data in ([1], {**good.to_dict(), "colour": "red"}, {**good.to_dict(), "schema": 99},
                 {**good.to_dict(), "responses": ["ok"]}):
        with pytest.raises(EntryError) as caught:
            Entry.from_dict(data)
        found.append(caught.value)
    return found


def review_errors(store: Store, data_dir: Path) -> list[ReviewError]:
    observation = store.save(build_entry())
    idea = store.save(build_entry(kind="idea"))
    calls = [lambda: set_status(store, idea.id, "done", by="Anna"),
             lambda: set_status(store, idea.id, "declined", by="Anna"),
             lambda: set_status(store, observation.id, "trying", by="Anna"),
             lambda: answer(store, observation.id, " ", by="Anna"),
             lambda: answer(store, observation.id, "x" * 4001, by="Anna"),
             lambda: answer(store, observation.id, "ok", by=" "),
             lambda: answer(store, observation.id, "ok", by="A" * 81),
             lambda: mark_seen(store, "not-an-id", by="Anna"),
             lambda: mark_seen(Store(data_dir, readonly=True), observation.id, by="Anna")]
    found = []
    for call in calls:
        with pytest.raises(ReviewError) as caught:
            call()
        found.append(caught.value)
    return found


def store_errors(data_dir: Path) -> list[StoreError]:
    found: list[StoreError] = [StoreWriteError(data_dir / "x.json", OSError(code, "fail"))
                               for code in (errno.ENOSPC, errno.EIO, errno.EROFS, errno.ENOENT)]
    with Store(data_dir) as store:
        store.set_meta("receipt", "AB12")
    (data_dir / "meta.json").write_text("{ damaged", encoding="utf-8")
    for readonly in (True, False):  # read-only, no copy is kept
        with pytest.raises(StoreCorrupt) as caught:
            Store(data_dir, readonly=readonly)
        found.append(caught.value)
    assert [error.kept is None for error in found[-2:]] == [True, False]
    return found


def test_errors_read_in_every_language_with_all_their_values(store, data_dir, tmp_path):
    errors = [*entry_errors(), *review_errors(store, data_dir), *store_errors(tmp_path / "other")]
    keys = {error.key for error in errors}
    assert len(keys) >= 24
    for error in errors:
        assert isinstance(error, MessageError)
        assert str(error) == error.text("en")  # the logs' and the CLI's text
        for language in available_languages():
            template = text_for(load_strings(language), error.key, {})
            assert template, (language, error.key)
            assert set(PLACEHOLDER.findall(template)) == set(error.message.values), \
                (language, error.key)  # every value is used, none is missing
        assert error.text("nl") != str(error), error.key  # really Dutch


def test_an_entry_error_names_the_field_as_the_reader_knows_it():
    with pytest.raises(EntryError) as caught:
        replace(build_entry(), what_happened="x" * 4001).validate()
    assert str(caught.value) == "what_happened: longer than 4000 characters"
    assert caught.value.text("nl") == "\"Wat gebeurde er?\" is langer dan 4000 tekens"
    with pytest.raises(EntryError) as caught:
        replace(build_entry(), station="s" * 81).validate()
    assert caught.value.text("nl") == "station is langer dan 80 tekens"  # a field IT set up


def test_a_failed_write_says_why_in_the_readers_language(data_dir):
    error = StoreWriteError(data_dir / "entries" / "2026-W48.json", OSError(errno.ENOSPC, "full"))
    assert str(error) == (f"Could not save to {data_dir / 'entries' / '2026-W48.json'}: "
                          f"the disk is full. The previous data is intact.")
    assert error.reason == "the disk is full"  # in English, for logs
    assert Strings("nl").message(error.why) == "de schijf is vol"
    assert "de schijf is vol" in error.text("nl") and "nog heel" in error.text("nl")
    other = StoreWriteError(data_dir / "x.json", OSError(errno.ENAMETOOLONG, "File name too long"))
    assert other.reason == "File name too long"
    assert Strings("nl").message(other.why) == "het systeem meldt: File name too long"


def test_strings_show_a_message_an_error_with_one_or_any_other_error():
    nl = Strings("nl")
    assert nl.message(Message("errors.store.disk.full")) == "de schijf is vol"
    assert nl.message(ReviewError("errors.review.reason.empty")).startswith(
        "Een idee afwijzen kan alleen met een reden")
    assert nl.message(SyncError("frame.crc")).startswith("Deze code klopt niet")
    assert nl.message(OSError(errno.EIO, "Input/output error")) == \
        "[Errno 5] Input/output error"  # not one of ours: its own words
    nested = StoreWriteError(Path("x.json"), OSError(errno.ENOSPC, "full"))
    assert Message("capture.save_failed", {"reason": nested.why}).text("nl") == \
        Strings("nl")("capture.save_failed", reason="de schijf is vol")


# -- report labels and stop words ----------------------------------------------------------------
def test_report_labels_load_like_strings_with_english_as_fallback():
    assert Strings.report("nl")("report.title", week_number=48, year=2026).startswith(
        "Wat we leerden: week 48")
    assert Strings.report("fr")("report.title", week_number=48, year=2026).startswith(
        "What we learned: week 48")  # no French labels: English, as for the UI strings
    assert Strings.report("nl")("no.such.label") == "no.such.label"


def test_the_coach_and_the_themes_share_one_stop_word_list_per_language():
    from kiosk.coach.text import fold, language
    from kiosk.review.insights import stop_words

    for code in ("en", "nl"):
        shared = stopwords(code)
        assert len(shared) > 100
        assert language(code).stopwords == frozenset(fold(word) for word in shared)
        assert shared < stopwords(code, themes=True) <= stop_words()
    # "week" says something in one entry ("louder than last week") but makes no theme
    assert "week" not in language("en").stopwords and "week" in stop_words()


def test_the_command_line_tells_review_errors_in_the_configured_language(run_kiosk, store,
                                                                         data_dir):
    idea = store.save(build_entry(kind="idea"))
    store.close()
    refuse = ("--data-dir", str(data_dir), "review", "status", idea.id, "declined", "--by", "Anna")
    dutch = run_kiosk(*refuse, env={"KIOSK_LANGUAGE": "nl"})
    assert dutch.returncode == 1
    assert dutch.stderr == "kiosk: Een idee afwijzen kan alleen met een reden: de medewerker " \
                           "leest die.\n"
    english = run_kiosk(*refuse)
    assert english.stderr == "kiosk: Declining an idea needs a reason: the worker reads it.\n"


def test_a_locked_data_folder_is_told_in_the_readers_language(store, data_dir):
    from kiosk.store_errors import StoreLocked

    with pytest.raises(StoreLocked) as caught:
        Store(data_dir)
    assert str(caught.value).startswith(f"Another kiosk program (pid {os.getpid()}) is already")
    assert caught.value.text("nl").startswith(f"Een ander kioskprogramma (pid {os.getpid()})")
