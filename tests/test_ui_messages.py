"""Errors on the Dutch screens are Dutch: an entry's (a field too long), the store's (a full disk)
and a review action's (declining without a reason, an answer too long), on real screens with real
stores."""

from __future__ import annotations

import errno
import os

from kiosk.entries import MAX_FIELD_CHARS
from kiosk.store import Store
from kiosk.ui.screens.capture import CaptureScreen
from kiosk.ui.screens.station.entry import EntryReviewScreen
from tests.test_ui_supervisor import login, queue_ready, seed
from tests.ui_helpers import make_test_app

BADGE = "BADGE-0042"
ENGLISH = ("longer than", "disk is full", "Could not", "needs a reason", "what_happened")


def notifications(app) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def write_at_the_kiosk(pilot, app, text: str) -> None:
    await pilot.press(*BADGE, "enter")
    await pilot.pause()
    assert isinstance(app.screen, CaptureScreen)
    app.screen.query_one("#what_happened").load_text(text)
    await pilot.pause()


async def test_a_field_too_long_is_told_in_dutch(tmp_path):
    app, store, _ = make_test_app(tmp_path, language="nl")
    async with app.run_test(size=(80, 24)) as pilot:
        await write_at_the_kiosk(pilot, app, "x" * (MAX_FIELD_CHARS + 1))
        await pilot.press("f2")
        await pilot.pause()
        shown = notifications(app)
        assert f"Opslaan lukte niet: \"Wat gebeurde er?\" is langer dan {MAX_FIELD_CHARS} " \
               f"tekens" in shown, shown
        assert not any(word in shown for word in ENGLISH), shown
        assert isinstance(app.screen, CaptureScreen)
    assert store.count() == 0


async def test_a_full_disk_is_told_in_dutch(tmp_path, monkeypatch):
    app, store, _ = make_test_app(tmp_path, language="nl")
    async with app.run_test(size=(80, 24)) as pilot:
        await write_at_the_kiosk(pilot, app, "De lijmpistool drupt na het wisselen.")

        def full(*args, **kwargs):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(os, "fsync", full)  # the disk fills up: every write fails
        await pilot.press("f2")
        await pilot.pause()
        shown = notifications(app)
        monkeypatch.undo()
        assert "Opslaan lukte niet: de schijf is vol. Je tekst staat er nog." in shown, shown
        assert "Je onafgemaakte tekst kon niet bewaard worden: de schijf is vol." in shown
        assert not any(word in shown for word in ENGLISH), shown
    assert store.count() == 0


async def open_first_idea_at_the_station(app, pilot) -> None:
    await login(pilot)
    await queue_ready(app, pilot)
    await pilot.press("enter")  # the queue starts with the newest idea not seen yet
    await queue_ready(app, pilot)
    assert isinstance(app.screen, EntryReviewScreen) and app.screen.entry.kind == "idea"


async def test_declining_without_a_reason_is_told_in_dutch(tmp_path):
    app, store, _ = make_test_app(tmp_path, mode="supervisor", language="nl")
    idea = seed(store)["carton"]
    async with app.run_test(size=(120, 40)) as pilot:
        await open_first_idea_at_the_station(app, pilot)
        app.screen.query_one("#status").value = "declined"
        await pilot.press("f3")
        await pilot.pause()
        shown = notifications(app)
        assert "Een idee afwijzen kan alleen met een reden: de medewerker leest die." in shown
        assert not any(word in shown for word in ENGLISH), shown
    assert Store(tmp_path, readonly=True).get(idea.id).status != "declined"


async def test_an_answer_too_long_is_told_in_dutch(tmp_path):
    app, store, _ = make_test_app(tmp_path, mode="supervisor", language="nl")
    idea = seed(store)["carton"]
    async with app.run_test(size=(120, 40)) as pilot:
        await open_first_idea_at_the_station(app, pilot)
        app.screen.query_one("#answer").load_text("x" * (MAX_FIELD_CHARS + 1))
        await pilot.press("f2")
        await pilot.pause()
        shown = notifications(app)
        assert f"Het antwoord is langer dan {MAX_FIELD_CHARS} tekens." in shown, shown
        assert not any(word in shown for word in ENGLISH), shown
    assert Store(tmp_path, readonly=True).get(idea.id).responses == []
