""""My entries" (F4) at 80x24 (issue 16 items 6 and 19): the answer the worker came back for is
marked in the list, under the cursor, and on top of the opened entry; every entry says in plain
words whether it has reached the supervisor. Real stores, real string files."""

from __future__ import annotations

import time

import pytest
from textual.widgets import OptionList

from kiosk.answers import unread_answers
from kiosk.entries import Response
from kiosk.identity import pseudonym
from kiosk.ui.screens.feed import EntryDetailScreen, MineScreen
from tests.conftest import build_entry
from tests.test_ui_worker import BADGE, login
from tests.ui_helpers import make_test_app, screen_text

LONG = " ".join(["The glue dripped from the nozzles because the heater ran too hot."] * 8)
ANSWER = "Good catch. We set the heater to 160 degrees from tomorrow and check it every hour."


def own_entry(app, store, *, hours_ago: float, sync: str = "pending", answer: str = "", **values):
    entry = build_entry(author=pseudonym(app.config.site_key, BADGE), station=app.config.station,
                        at=time.time() - hours_ago * 3600, **{"title": "", **values})
    entry.sync = sync
    if answer:
        entry.responses.append(Response(at=entry.created, by="Team lead Anna", text=answer))
    return store.save(entry)


def visible(app, widget) -> bool:
    """The widget is on screen inside the entry's scrolling text, without scrolling."""
    scroll = app.screen.query_one("#detail-scroll")
    return scroll.region.contains_region(widget.region) and widget.region.height > 0


async def test_the_answer_is_marked_in_the_list_and_on_top_of_the_opened_entry(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    own_entry(app, store, hours_ago=1, what_happened="Newer entry, nobody replied")
    answered = own_entry(app, store, hours_ago=30, kind="idea", answer=ANSWER,
                         what_happened="Glue drips at the nozzles", noticed=LONG, learned=LONG,
                         next_step=LONG)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, MineScreen)
        entries = app.screen.query_one(OptionList)
        rows = [str(entries.get_option_at_index(i).prompt) for i in range(entries.option_count)]
        assert rows[1].startswith("New answer  Glue drips at the nozzles")
        assert rows[0].startswith("Newer entry")
        assert entries.highlighted == 1  # Enter opens the answered one
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EntryDetailScreen) and app.screen.entry.id == answered.id
        [shown] = [w for w in app.screen.query(".answer")]
        assert str(shown.render()) == ANSWER and visible(app, shown)
        assert visible(app, app.screen.query(".field-label").first())  # "Answer from ...:"
        assert unread_answers(store, pseudonym(app.config.site_key, BADGE)) == []

        await pilot.press("escape", "escape", "f4")  # read now: marked, no longer new
        await pilot.pause()
        entries = app.screen.query_one(OptionList)
        row = str(entries.get_option_at_index(1).prompt)
        assert row.startswith("Answered  Glue drips") and "New answer" not in screen_text(app)


@pytest.mark.parametrize("language, words", [
    ("en", ["not sent yet", "sent as QR code, not confirmed yet",
            "confirmed: the supervisor has it"]),
    ("nl", ["nog niet verstuurd", "verstuurd (QR), nog niet bevestigd",
            "bevestigd: staat bij de leidinggevende"]),
])
async def test_each_entry_says_how_far_it_was_sent(tmp_path, language, words):
    app, store, _ = make_test_app(tmp_path, language=language)
    for hours, sync in enumerate(["pending", "exported", "synced"]):
        own_entry(app, store, hours_ago=hours + 1, sync=sync, what_happened=f"Entry {sync}")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.press("f4")
        await pilot.pause()
        entries = app.screen.query_one(OptionList)
        for index, said in enumerate(words):
            row = str(entries.get_option_at_index(index).prompt)
            assert row.splitlines()[-1].endswith(said), row
        await pilot.press("down", "enter")
        await pilot.pause()
        assert words[1] in str(app.screen.query_one("#detail-about").render())
