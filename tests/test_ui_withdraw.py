"""Pilot tests: a worker deletes their own entry from "My entries" while the supervisor does not
have it yet ("the worker decides what leaves the device"). Real TinyDB store in tmp_path."""

from __future__ import annotations

import errno
import os

from textual.widgets import Button

from kiosk.identity import pseudonym
from kiosk.store import Store
from kiosk.sync import exchange
from kiosk.sync.receipt import receipt_code
from kiosk.ui.screens.capture import CaptureScreen
from kiosk.ui.screens.feed import EntryDetailScreen, FeedScreen, MineScreen
from kiosk.ui.screens.saved import SavedScreen
from tests.conftest import build_entry
from tests.test_ui_worker import BADGE, login, type_text
from tests.ui_helpers import make_test_app, screen_text

EXPORTED_WARNING = "If the supervisor scanned them, it stays at the supervisor station"


def notifications(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def stored_in_files(data_dir, entry_id: str) -> bool:
    return any(entry_id in path.read_text() for path in (data_dir / "entries").glob("*.json"))


def own_entry(app, store, *, sync: str = "pending", **changes):
    entry = build_entry(author=pseudonym(app.config.site_key, BADGE),
                        station=app.config.station, **changes)
    entry.sync = sync
    return store.save(entry)


async def save_entry(pilot, text: str) -> None:
    """Write and save an entry at the capture screen, then start a new one."""
    await type_text(pilot, text)
    await pilot.press("f2")
    await pilot.pause()
    assert isinstance(pilot.app.screen, SavedScreen)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CaptureScreen)


async def open_mine(pilot, position: int = 0) -> None:
    """F4, then Enter on the entry at `position` in the list."""
    await pilot.press("f4")
    await pilot.pause()
    assert isinstance(pilot.app.screen, MineScreen)
    await pilot.press(*["down"] * position, "enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, EntryDetailScreen)


def delete_button_fits(app) -> bool:
    """The Delete button is inside the dialog's visible area (not cut off by the screen)."""
    box = app.screen.query_one("#detail-box")
    return box.content_region.contains_region(app.screen.query_one("#delete", Button).region)


async def test_a_worker_deletes_an_entry_that_was_not_sent(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await save_entry(pilot, "Keep this one")
        await save_entry(pilot, "Typo in the torque value")
        kept, wrong = sorted(store.entries(), key=lambda e: e.id)
        assert wrong.what_happened == "Typo in the torque value" and wrong.sync == "pending"

        await open_mine(pilot)  # newest first
        assert app.screen.entry.id == wrong.id
        text = screen_text(app)
        assert "Delete" in text and "d delete" in text
        assert delete_button_fits(app)

        await pilot.press("d")
        await pilot.pause()
        text = screen_text(app)
        assert "This entry has not been sent yet" in text and "Really delete? Press again" in text
        assert store.get(wrong.id) is not None  # asking deletes nothing
        assert delete_button_fits(app)

        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, MineScreen)
        text = screen_text(app)
        assert "Typo in the torque value" not in text and "Keep this one" in text
        assert "Deleted." in notifications(app)
        assert store.get(wrong.id) is None
        assert not stored_in_files(tmp_path, wrong.id)

    fresh = Store(tmp_path, readonly=True)
    assert fresh.get(wrong.id) is None
    assert fresh.get(kept.id).what_happened == "Keep this one"


async def test_an_exported_entry_is_deleted_after_an_honest_warning(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    entry = own_entry(app, store, title="Shown as QR codes")
    batch = exchange.export_entries(store, app.config)
    assert store.get(entry.id).sync == "exported"
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await open_mine(pilot)
        assert delete_button_fits(app)
        await pilot.press("d")
        await pilot.pause()
        assert EXPORTED_WARNING in screen_text(app)
        assert store.get(entry.id) is not None
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, MineScreen)
        assert "You have no entries yet." in screen_text(app)
        assert "Deleted." in notifications(app)
    assert Store(tmp_path, readonly=True).get(entry.id) is None
    # the station's receipt for that batch still works and brings nothing back
    code = receipt_code(app.config.site_key, batch.batch_type, batch.batch_id, batch.digest)
    assert exchange.apply_receipt(store, app.config, code).marked == 0
    assert store.get(entry.id) is None


async def test_the_dutch_warning_and_buttons_fit_at_80x24_with_a_long_entry(tmp_path):
    app, store, _ = make_test_app(tmp_path, language="nl")
    long_text = " ".join(["woord"] * 150)
    entry = own_entry(app, store, sync="exported", what_happened=long_text, noticed=long_text,
                      learned=long_text, next_step=long_text)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await open_mine(pilot)
        assert "Verwijderen" in screen_text(app)
        assert delete_button_fits(app)
        await pilot.press("d")
        await pilot.pause()
        assert "station van de leidinggevende" in screen_text(app)
        assert delete_button_fits(app)
        note = app.screen.query_one("#delete-note")
        assert app.screen.query_one("#detail-box").content_region.contains_region(note.region)
        await pilot.press("d")
        await pilot.pause()
        assert "Verwijderd." in notifications(app)
    assert store.get(entry.id) is None


async def test_a_synced_entry_cannot_be_deleted_and_says_who_has_it(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    entry = own_entry(app, store, sync="synced", title="Already at the station")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await open_mine(pilot)
        assert not app.screen.query("#delete")
        text = screen_text(app)
        assert "Already with the supervisor; ask them if it should be removed." in text
        assert "d delete" not in text
        await pilot.press("d", "delete")
        await pilot.pause()
        assert isinstance(app.screen, EntryDetailScreen)
    assert store.get(entry.id) is not None


async def test_the_station_feed_never_offers_delete_but_my_entries_does(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    entry = own_entry(app, store, title="Shared with the team")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, FeedScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EntryDetailScreen) and app.screen.entry.id == entry.id
        assert not app.screen.query("#delete")
        assert "Delete" not in screen_text(app) and "supervisor" not in screen_text(app)
        await pilot.press("d", "d")
        await pilot.pause()
        assert isinstance(app.screen, EntryDetailScreen)
        assert store.get(entry.id) is not None
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("f4")  # the same entry, from "My entries": now it may go
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.query("#delete")
    assert store.get(entry.id) is not None


async def test_only_the_author_of_the_session_can_delete(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    mine = own_entry(app, store, title="Mine")
    theirs = store.save(build_entry(author=pseudonym(app.config.site_key, "OTHER-7"),
                                    title="A colleague's"))
    nobody = store.save(build_entry(author=None, title="Anonymous"))
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        app.push_screen(EntryDetailScreen(theirs, can_delete=True))
        await pilot.pause()
        assert not app.screen.query("#delete")
        await pilot.press("d", "d")
        await pilot.pause()
        assert store.get(theirs.id) is not None
        await pilot.press("escape")
        await pilot.pause()
        app.push_screen(EntryDetailScreen(mine, can_delete=True))
        await pilot.pause()
        assert app.screen.query("#delete")  # the same dialog does offer it for their own
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("f10")  # an anonymous session (author None) owns no entry
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        assert app.session.anonymous
        app.push_screen(EntryDetailScreen(nobody, can_delete=True))
        await pilot.pause()
        assert not app.screen.query("#delete")
        await pilot.press("d", "d")
        await pilot.pause()
    assert store.get(nobody.id) is not None and store.get(mine.id) is not None


async def test_cancel_keeps_the_entry(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    entry = own_entry(app, store, title="Not sure yet")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await open_mine(pilot)
        await pilot.press("d")
        await pilot.pause()
        assert "Really delete? Press again" in screen_text(app)
        await pilot.press("escape")  # backs out of the question, the dialog stays
        await pilot.pause()
        assert isinstance(app.screen, EntryDetailScreen)
        text = screen_text(app)
        assert "Really delete" not in text and "not been sent" not in text and "Delete" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MineScreen) and "Not sure yet" in screen_text(app)

        await pilot.press("enter")  # by mouse: Delete asks, Close keeps it
        await pilot.pause()
        await pilot.click("#delete")
        await pilot.pause()
        assert "Really delete? Press again" in screen_text(app)
        await pilot.click("#close")
        await pilot.pause()
        assert isinstance(app.screen, MineScreen) and "Not sure yet" in screen_text(app)
        assert "Deleted." not in notifications(app)
    assert Store(tmp_path, readonly=True).get(entry.id) is not None


async def test_a_failing_disk_deletes_nothing_and_says_so(tmp_path, monkeypatch):
    app, store, _ = make_test_app(tmp_path)
    entry = own_entry(app, store, title="Stuck on a full disk")
    real_replace = os.replace

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await open_mine(pilot)
        monkeypatch.setattr(os, "replace", full_disk)
        await pilot.press("d", "d")
        await pilot.pause()
        shown = "\n".join(notifications(app))
        assert "Could not delete: the disk is full. The entry is still here." in shown
        assert isinstance(app.screen, EntryDetailScreen)
        assert "Really delete" not in screen_text(app)  # back to the plain dialog
        assert store.get(entry.id) is not None and stored_in_files(tmp_path, entry.id)

        monkeypatch.setattr(os, "replace", real_replace)  # IT freed space: it works now
        await pilot.press("d", "d")
        await pilot.pause()
        assert isinstance(app.screen, MineScreen)
    assert Store(tmp_path, readonly=True).get(entry.id) is None
