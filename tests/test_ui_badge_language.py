"""Who is greeted how, in which language (issue 16 items 14 and 15a): each badge keeps the language
it chose with F8 (at the login or during its session), on this kiosk only; an anonymous writer is
told plainly that the entry has no name. Real stores, the real string files."""

from __future__ import annotations

import pytest

from kiosk.identity import pseudonym
from kiosk.store import Store
from kiosk.sync.codec import decode_lines
from kiosk.sync.exchange import export_entries, import_batch
from kiosk.ui.screens.capture import CaptureScreen
from kiosk.ui.screens.login import LoginScreen
from tests.test_ui_worker import BADGE, login, type_text
from tests.ui_helpers import make_test_app, pick_language, screen_text


def notifications(app) -> str:
    return " ".join(str(n.message) for n in app._notifications)


async def logout(pilot) -> None:
    await pilot.press("f10")
    await pilot.pause()
    assert isinstance(pilot.app.screen, LoginScreen)


async def test_f8_in_a_session_keeps_the_text_and_is_this_badges_language_next_time(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await type_text(pilot, "Glue dripped")
        await pick_language(pilot, "nl")
        assert isinstance(app.screen, CaptureScreen) and app.language == "nl"
        assert "Wat gebeurde er?" in screen_text(app)
        assert app.screen.query_one("#what_happened").text == "Glue dripped"
        assert app.screen.query_one("#what_happened").has_focus
        await pilot.press("f4")  # every screen of the session follows
        await pilot.pause()
        assert "Mijn notities" in screen_text(app)

        await logout(pilot)
        assert app.language == "en"  # the login is the kiosk's again
        await login(pilot, "OTHER-77")
        assert app.language == "en"  # another badge: the kiosk's language
        await logout(pilot)
        await login(pilot)
        assert app.language == "nl" and "Wat gebeurde er?" in screen_text(app)
        assert app.screen.query_one("#what_happened").text == "Glue dripped"
        await pick_language(pilot, "en")
        await logout(pilot)
        await login(pilot)
        assert app.language == "en"  # changed back, for good

    author = pseudonym(app.config.site_key, BADGE)
    assert Store(tmp_path, readonly=True).get_meta(f"language:{author}") == "en"


async def test_f8_at_the_login_is_kept_for_the_badge_scanned_next(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pick_language(pilot, "nl")
        await login(pilot)
        assert app.language == "nl"
        await logout(pilot)
        assert app.language == "en"
        await login(pilot)  # no F8 this time
        assert app.language == "nl"


async def test_the_remembered_language_stays_on_the_kiosk(tmp_path):
    """Kept in the kiosk's meta under the pseudonym: not in the entries, so not in the batch a
    supervisor station imports."""
    app, store, _ = make_test_app(tmp_path / "kiosk")
    async with app.run_test(size=(80, 24)) as pilot:
        await pick_language(pilot, "nl")
        await login(pilot)
        await type_text(pilot, "Forklift horn is broken")
        await pilot.press("f2")
        await pilot.pause()
    author = pseudonym(app.config.site_key, BADGE)
    assert store.get_meta(f"language:{author}") == "nl"
    [batch] = decode_lines(export_entries(store, app.config).frames(), app.config.site_key)
    station_config = app.config.with_changes(data_dir=tmp_path / "station", mode="supervisor")
    station = Store(station_config.data_dir)
    assert import_batch(station, station_config, batch).added == 1
    station_files = "".join(p.read_text() for p in station_config.data_dir.rglob("*.json*"))
    assert author in station_files and "language:" not in station_files


@pytest.mark.parametrize("language, greeting", [
    ("en", "You are writing without a badge: your entry has no name."),
    ("nl", "Je schrijft zonder pas: je notitie krijgt geen naam."),
])
async def test_an_anonymous_writer_is_told_the_entry_has_no_name(tmp_path, language, greeting):
    app, _, _ = make_test_app(tmp_path, language=language)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        assert app.session.anonymous
        said = notifications(app)
        assert greeting in said
        assert "logged in" not in said and "ingelogd" not in said
