"""The coach in the capture screen, with a fake engine for timing (real-model tests are in
test_coach_model.py): streaming never blocks typing, verdicts are stored, leaving cancels."""

from __future__ import annotations

import asyncio
import threading
import time

from kiosk.coach.suggest import Coach
from kiosk.entries import Entry
from kiosk.ui.screens.capture import CaptureScreen
from kiosk.ui.screens.edit_suggestion import EditSuggestionScreen
from kiosk.ui.screens.login import LoginScreen
from kiosk.ui.widgets.coachpanel import CoachPanel
from support.fake_engine import FakeEngine
from tests.ui_helpers import make_test_app, screen_text

TEXT = "The pump on the glue station makes a loud noise since the morning"


def coach_for(tmp_path, **engine_args):
    from kiosk.config import load_config

    config = load_config(env={}).with_changes(data_dir=tmp_path)
    return Coach(config, engine=FakeEngine(**engine_args))


async def login_and_write(pilot, app, text=TEXT):
    await pilot.press(*"BADGE-0042", "enter")
    await pilot.pause()
    app.screen.query_one("#what_happened").load_text(text)
    await pilot.pause()


async def write_and_ask(pilot, app):
    """Log in, write, press F5 and wait for the suggestions; returns the capture screen."""
    await login_and_write(pilot, app)
    screen = app.screen
    await pilot.press("f5")
    await wait_until(pilot, lambda: screen._coach_cancel is None and screen.offers.items)
    return screen


async def write_and_start(pilot, app):
    """Log in, write, press F5 and wait for the first streamed words: (screen, coach panel)."""
    await login_and_write(pilot, app)
    screen = app.screen
    await pilot.press("f5")
    panel = screen.query_one(CoachPanel)
    await wait_until(pilot, lambda: screen.coach_tokens > 0)
    return screen, panel


async def wait_until(pilot, condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


async def test_typing_lands_while_tokens_stream(tmp_path):
    coach = coach_for(tmp_path, delay=0.15)
    app, store, _ = make_test_app(tmp_path, coach=coach)
    async with app.run_test(size=(130, 36)) as pilot:
        screen, panel = await write_and_start(pilot, app)
        await pilot.press("tab")
        await pilot.press(*"while", "space", *"streaming")
        assert screen._coach_cancel is not None, "generation should still be running"
        assert screen.query_one("#noticed").text == "while streaming"
        await wait_until(pilot, lambda: screen._coach_cancel is None)
        assert "When did the pump noise start?" in screen_text(app)
        suggestions = screen.query_one("#suggestions")
        assert suggestions.option_count >= 3
        assert "[AI]" in screen_text(app)


async def test_accept_edit_dismiss_are_stored_on_the_entry(tmp_path):
    coach = coach_for(tmp_path, delay=0.0)
    app, store, _ = make_test_app(tmp_path, coach=coach)
    async with app.run_test(size=(130, 36)) as pilot:
        screen = await write_and_ask(pilot, app)
        undecided = [i for i, o in enumerate(screen.offers.items) if o.s.kind != "category"]
        first_question = screen.offers.items[undecided[0]].s
        assert first_question.kind == "question" and first_question.is_ai

        suggestions = screen.query_one("#suggestions")
        suggestions.focus()
        suggestions.highlighted = 0
        await pilot.press("enter")  # use the first question (AI)
        await pilot.pause()
        assert f"(AI) {first_question.text}" in screen.query_one("#noticed").text

        suggestions.focus()
        suggestions.highlighted = 0
        await pilot.press("d")  # dismiss the next one
        await pilot.pause()

        suggestions.focus()
        suggestions.highlighted = 0
        await pilot.press("e")  # edit the next one
        await pilot.pause()
        assert isinstance(app.screen, EditSuggestionScreen)
        field = app.screen.query_one("#edit-suggestion")
        field.value = "My own version of it"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()

    [entry] = list(store.entries())
    verdicts = {(s.kind, s.verdict) for s in entry.suggestions}
    assert ("question", "accepted") in verdicts
    assert any(s.verdict == "dismissed" for s in entry.suggestions if s.kind != "category")
    edited = [s for s in entry.suggestions if s.verdict == "edited"]
    assert edited and edited[0].final_text == "My own version of it"
    assert any(s.source == "fake-model" for s in entry.suggestions)
    assert any(s.kind == "category" for s in entry.suggestions)
    assert "(AI)" in entry.noticed


async def test_with_the_keyboard_only_tab_reaches_the_suggestions_ready_to_decide(tmp_path):
    coach = coach_for(tmp_path, delay=0.0)
    app, store, _ = make_test_app(tmp_path, coach=coach)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await write_and_ask(pilot, app)
        await pilot.press("tab", "tab", "tab", "tab")  # past the four reflection fields
        assert app.focused is screen.query_one("#suggestions")
        first = next(o for o in screen.offers.items if o.s.kind != "category")
        await pilot.press("d")  # no Down first: the first suggestion is highlighted
        await pilot.pause()
        assert first.verdict == "dismissed"
        await pilot.press("f2")
        await pilot.pause()
    [entry] = list(store.entries())
    assert [s.text for s in entry.suggestions
            if s.verdict == "dismissed" and s.kind != "category"] == [first.s.text]


async def test_logout_cancels_generation(tmp_path):
    # A token a minute: only the cancel can end the worker before the coach's time limit (20 s).
    engine_tokens = tuple(f" word{i}" for i in range(400))
    coach = coach_for(tmp_path, tokens=engine_tokens, delay=60.0)
    app, _, _ = make_test_app(tmp_path, coach=coach)
    async with app.run_test(size=(130, 36)) as pilot:
        screen, _ = await write_and_start(pilot, app)
        cancel = screen._coach_cancel
        await pilot.press("f10")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        assert cancel.is_set()
        started = time.monotonic()
        await app.workers.wait_for_complete()
        assert time.monotonic() - started < 10  # far below the time limit, even on a busy machine


async def test_escape_stops_and_model_missing_still_offers_bank_questions(tmp_path):
    coach = coach_for(tmp_path, unavailable="missing")
    app, _, _ = make_test_app(tmp_path, coach=coach)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await write_and_ask(pilot, app)
        text = screen_text(app)
        assert "question bank" in text.lower()
        assert "[bank]" not in text and "[AI]" not in text  # only AI text is marked
        assert not any(o.s.is_ai for o in screen.offers.items)


async def test_coach_is_offered_automatically_after_a_pause(tmp_path):
    coach = coach_for(tmp_path, delay=0.0)
    app, _, _ = make_test_app(tmp_path, coach=coach, pause_seconds=1.0)
    async with app.run_test(size=(130, 36)) as pilot:
        await pilot.press(*"BADGE-0042", "enter")
        await pilot.pause()
        await pilot.press(*"pump", "space", *"noise", "space", *"since", "space", *"morning")
        screen = app.screen
        await wait_until(pilot, lambda: bool(screen.offers.items), timeout=5)
        assert isinstance(screen, CaptureScreen)
        await asyncio.sleep(0)


async def test_using_a_suggestion_does_not_make_the_coach_replace_the_list(tmp_path):
    coach = coach_for(tmp_path, delay=0.0)
    app, _, _ = make_test_app(tmp_path, coach=coach, pause_seconds=1.0)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await write_and_ask(pilot, app)
        await pilot.press("tab", "tab", "tab", "tab", "enter")  # use the first suggestion
        await pilot.pause()
        offered = [o.s for o in screen.offers.items]
        await asyncio.sleep(1.6)  # longer than the pause that starts the coach
        await pilot.pause()
        assert screen._coach_cancel is None and [o.s for o in screen.offers.items] == offered
        assert len(coach.engine.calls) == 1
        assert app.focused is screen.query_one("#suggestions")  # the focus stays in the list
        screen.query_one("#noticed").focus()
        await pilot.press(*"because", "space", *"the", "space", *"bearing")  # own words again
        await wait_until(pilot, lambda: len(coach.engine.calls) == 2
                         and screen._coach_cancel is None, timeout=60)
        assert [o.s for o in screen.offers.items][:len(offered)] == offered  # appended, if new


async def test_used_and_dismissed_suggestions_survive_a_logout_with_the_draft(tmp_path):
    coach = coach_for(tmp_path, delay=0.0)
    app, store, _ = make_test_app(tmp_path, coach=coach)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await write_and_ask(pilot, app)
        await pilot.press("tab", "tab", "tab", "tab", "d")  # dismiss the first suggestion
        await pilot.pause()
        await pilot.press("enter")  # still in the list: use the next one
        await pilot.pause()
        decided = {(o.s.text, o.verdict) for o in screen.offers.items if o.verdict}
        assert {verdict for _, verdict in decided} == {"dismissed", "accepted"}
        await pilot.press("f10")  # logout: the draft is written
        await pilot.pause()
        await pilot.press(*"BADGE-0042", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen) and app.screen is not screen
        await pilot.press("f2")
        await pilot.pause()
    [entry] = list(store.entries())
    assert {(s.text, s.verdict) for s in entry.suggestions} >= decided


async def test_the_worker_can_take_their_own_first_words_as_title_instead_of_the_ais(tmp_path):
    coach = coach_for(tmp_path, delay=0.0)
    app, store, _ = make_test_app(tmp_path, coach=coach)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await write_and_ask(pilot, app)
        titles = [o.s for o in screen.offers.items if o.s.kind == "title"]
        assert [t.source for t in titles] == ["fake-model", "text"]
        assert f"Title: {titles[1].text}" in screen_text(app) and "[you]" not in screen_text(app)
        suggestions = screen.query_one("#suggestions")
        suggestions.focus()
        suggestions.highlighted = suggestions.option_count - 1  # the worker's own words
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
    [entry] = list(store.entries())
    assert entry.title == titles[1].text and entry.title.startswith("The pump on the glue")
    assert ("text", "accepted") in {(s.source, s.verdict) for s in entry.suggestions}


async def test_at_80x24_the_suggestion_list_fits_its_panel_and_scrolls_to_the_highlight(tmp_path):
    coach = coach_for(tmp_path, delay=0.0)
    app, _, _ = make_test_app(tmp_path, coach=coach)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await write_and_ask(pilot, app)
        panel = screen.query_one(CoachPanel)
        suggestions = screen.query_one("#suggestions")
        await pilot.press("tab", "tab", "tab", "tab", "end")  # the last one: the own-words title
        await pilot.pause()
        assert suggestions.highlighted == suggestions.option_count - 1
        # the list scrolls inside the panel (before, it was taller than the panel, which cut
        # off the highlighted suggestion)
        assert suggestions.outer_size.height <= panel.size.height - 3
        assert suggestions.scroll_offset.y > 0


def save_earlier(store, app, text, title, **changes):
    """An earlier entry at the app's station by someone else, shared with the team."""
    values = dict(kiosk_id="k", station=app.config.station, line="L", author="w-OTHER",
                  language="en", what_happened=text, title=title, visibility="team")
    store.save(Entry.new(**(values | changes)))


async def test_seen_before_comes_with_the_suggestions_and_the_ui_thread_never_scans(tmp_path):
    coach = coach_for(tmp_path, delay=0.0)
    app, store, _ = make_test_app(tmp_path, coach=coach)
    save_earlier(store, app, "The glue station pump makes a loud noise again this morning.",
                 "Loud pump at the glue station")
    save_earlier(store, app, "The glue station pump is noisy since the morning shift.",
                 "Private note about the pump", visibility="private")
    save_earlier(store, app, "Forklift parked in the walking route near packing.",
                 "Forklift in the walking route")
    readers: list[threading.Thread] = []
    real_entries = store.entries

    def entries(*args, **kwargs):  # the real store read, noting which thread does it
        readers.append(threading.current_thread())
        return real_entries(*args, **kwargs)

    async with app.run_test(size=(130, 36)) as pilot:
        await login_and_write(pilot, app)
        screen = app.screen
        store.entries = entries  # from here on, only the coach reads entries
        await pilot.press("f5")
        await wait_until(pilot, lambda: screen._coach_cancel is None and screen.offers.items)
        text = screen_text(app)
    assert "Seen before?" in text and "Loud pump at the glue station" in text
    assert "Private note" not in text and "Forklift" not in text
    assert readers and threading.main_thread() not in readers

