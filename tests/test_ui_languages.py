"""F8's list of languages (issue 14): every offered language in its own words, by keyboard and
mouse; picking one changes every visible label; a new language is a folder under content/ plus a
line in the config (a test-only language in a temporary copy of content/, tests/support)."""

from __future__ import annotations

import re

from kiosk.config import (DEMO_ADMIN_PIN_HASH, DEMO_SITE_KEY, DEMO_SUPERVISOR_PIN_HASH,
                          load_config)
from kiosk.i18n import language_name, load_strings
from kiosk.store import Store
from kiosk.ui.app import make_app
from kiosk.ui.screens.capture import CaptureScreen
from kiosk.ui.screens.language import LanguagePicker
from kiosk.ui.screens.login import LoginScreen
from tests.support.languages import (TEST_LANGUAGE, TEST_LANGUAGE_NAME,  # noqa: F401
                                     test_language_content)
from tests.test_ui_worker import login, type_text
from tests.ui_helpers import FIXED_NOW, FakeClock, make_test_app, pick_language, screen_text


def foreign_labels(text: str, language: str) -> set[str]:
    """English labels (4+ characters) on screen that `language` words differently: none may be
    left after picking `language`. The list's language names are each in their own words."""
    own = set(load_strings(language).values())
    names = {language_name(code) for code in load_config(env={}).languages}
    return {value for value in load_strings("en").values()
            if len(value) > 3 and value not in own and value not in names
            and re.search(r"(?<!\w)" + re.escape(value) + r"(?!\w)", text)}


async def wait_for(pilot, condition) -> None:
    for _ in range(600):
        if condition():
            return
        await pilot.pause(0.1)
    assert condition()


async def test_picking_each_language_changes_every_visible_label(tmp_path, test_language_content):
    app, _, _ = make_test_app(tmp_path)
    others = [code for code in app.languages if code != "en"]
    assert TEST_LANGUAGE in others and "nl" in others
    async with app.run_test(size=(120, 40)) as pilot:
        assert foreign_labels(screen_text(app), "nl")  # the English screen has English labels
        for language in others:
            await pick_language(pilot, language)
            own = load_strings(language)
            seen = [screen_text(app)]
            assert own["login.title"] in seen[0], language
            await login(pilot)
            assert isinstance(app.screen, CaptureScreen) and app.language == language
            seen.append(screen_text(app))
            assert own["capture.what_happened"] in seen[-1], language
            await pilot.press("f3")
            await pilot.pause()
            seen.append(screen_text(app))
            for text in seen:
                assert foreign_labels(text, language) == set(), (language, text)
            await pilot.press("escape", "f10")
            await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
            assert app.language == "en"  # the login is the kiosk's language again
            app.clear_notifications()


async def test_the_list_shows_each_language_in_its_own_words_and_answers_keys_and_clicks(
        tmp_path, test_language_content):
    app, _, _ = make_test_app(tmp_path, languages=("nl", "en", TEST_LANGUAGE))
    async with app.run_test(size=(80, 24)) as pilot:
        hint = screen_text(app)
        assert f"F8: Nederlands · English · {TEST_LANGUAGE_NAME}" in hint
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, LanguagePicker))
        listed = screen_text(app)
        assert ["Nederlands", "English", TEST_LANGUAGE_NAME] == \
            [line for line in listed.splitlines() if line in
             ("Nederlands", "English", TEST_LANGUAGE_NAME)]
        await pilot.press("escape")  # Esc keeps the language
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        assert app.language == "en"

        await pilot.press("f8", "f8", "f8", "enter")  # F8 again steps down the list
        await wait_for(pilot, lambda: app.language == "nl")

        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, LanguagePicker))
        options = app.screen.query_one("#languages")
        row = options.region.y + 1 + 2  # the list's border, then the third language
        await pilot.click(offset=(options.region.x + 4, row))
        await wait_for(pilot, lambda: app.language == TEST_LANGUAGE)
        assert isinstance(app.screen, LoginScreen)
        await login(pilot)
        assert app.language == TEST_LANGUAGE  # the badge takes the language picked at the login
        await pilot.press("f10")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        assert app.language == "en"
        await login(pilot)
        assert app.language == TEST_LANGUAGE  # and keeps it at its next login


async def test_a_badge_scanned_with_the_list_open_logs_in(tmp_path):
    app, _, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, LanguagePicker))
        await login(pilot)  # a burst: the test's clock stands still, as for a scanner's keys
        await wait_for(pilot, lambda: isinstance(app.screen, CaptureScreen))
        assert app.language == "en" and app.session.badge_hint.endswith("42")


async def test_a_new_language_is_a_folder_and_a_line_in_the_config(tmp_path,
                                                                    test_language_content):
    """The kiosk started from a config file that offers the test-only language and has it as
    its default: its login and capture screens speak it, and an entry saved there is kept."""
    config_file = tmp_path / "kiosk.toml"
    config_file.write_text(
        f'[kiosk]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[security]\nadmin_pin_hash = "{DEMO_ADMIN_PIN_HASH}"\n'
        f'supervisor_pin_hash = "{DEMO_SUPERVISOR_PIN_HASH}"\nsite_key = "{DEMO_SITE_KEY}"\n'
        f'[ui]\nlanguages = ["nl", "{TEST_LANGUAGE}"]\nlanguage = "{TEST_LANGUAGE}"\n'
        'animations = false\n', encoding="utf-8")
    config = load_config(config_file, env={})
    assert config.languages == ("nl", TEST_LANGUAGE) and config.language == TEST_LANGUAGE
    own = load_strings(TEST_LANGUAGE)
    store = Store(config.data_dir)
    app = make_app(config, store, clock=FakeClock(), wall_clock=lambda: FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        assert own["login.title"] in screen_text(app)
        await login(pilot)
        assert own["capture.what_happened"] in screen_text(app)
        await type_text(pilot, "De lijmpomp lekt bij de koppeling van lijn twee")
        await pilot.press("f2")
        await wait_for(pilot, lambda: store.count() == 1)
    [entry] = store.entries()
    assert entry.language in config.languages
