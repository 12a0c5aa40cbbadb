"""Issue 16, items 4, 5, 8, 10 and 11: the capture screen with the coach open, as a worker uses
it at 80x24 (and 120x40): their own text stays readable, F5 and Esc close the panel, keys meant
for the coach never land in the text, the list holds still, the category is taken with F7.
A fake engine for timing (real-model tests are in test_coach_model.py), a real store."""

from __future__ import annotations

from collections import Counter

import pytest
from rich.cells import cell_len

from kiosk.i18n import Strings
from kiosk.ui.widgets.coachpanel import CoachPanel
from kiosk.ui.widgets.cycler import Cycler
from kiosk.ui.widgets.keybar import KeyButton
from support.fake_engine import FakeEngine
from tests.test_ui_coach import login_and_write, wait_until
from tests.ui_helpers import make_test_app

NOTICED = ["Nozzle one was blocked", "The glue came out in drops", "Cleaned it with the brush",
           "Checked the other three nozzles"]


class CountingEngine(FakeEngine):
    """FakeEngine that counts the tokens it sent and can answer each call with other tokens."""

    def __init__(self, *rounds: tuple[str, ...], **kwargs):
        super().__init__(rounds[0] if rounds else None, **kwargs)
        self.rounds, self.sent = rounds, 0

    def generate(self, prompt, *, on_token=None, **kwargs):
        if self.rounds:
            self.tokens = self.rounds[min(len(self.calls), len(self.rounds) - 1)]

        def counted(piece):
            self.sent += 1
            if on_token is not None:
                on_token(piece)

        return super().generate(prompt, on_token=counted, **kwargs)


def app_with(tmp_path, engine, **changes):
    from kiosk.coach.suggest import Coach
    from kiosk.config import load_config

    coach = Coach(load_config(env={}).with_changes(data_dir=tmp_path / "c"), engine=engine)
    return make_test_app(tmp_path / "k", coach=coach, **changes)


def rows(app) -> list[str]:
    """What the terminal shows, row by row."""
    return ["".join(s.text for s in strip) for strip in app.screen._compositor.render_strips()]


def key_shown(app, key: str, label: str) -> bool:
    """The key bar lists `key` with `label`, spaced (F5 Coach) or compact (F5Coach)."""
    bar = rows(app)[-1]
    return f" {key} {label} " in f" {bar} " or f"{key}{label} " in f"{bar} "


def suggestion_list(app):
    return app.screen.query_one("#suggestions")


def prompts(app) -> list[str]:
    listed = suggestion_list(app)
    return [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]


async def ask(pilot, app) -> None:
    """F5, then wait until the suggestions are listed and the model is done."""
    await pilot.press("f5")
    await wait_until(pilot, lambda: app.screen._coach_cancel is None
                     and suggestion_list(app).option_count > 0, timeout=60)
    await pilot.pause()


async def tab_to_list(pilot, app) -> None:
    for _ in range(12):
        if app.focused is suggestion_list(app):
            break
        await pilot.press("tab")
    assert app.focused is suggestion_list(app)
    await pilot.pause()


# -- item 4: the worker's own text stays readable; F5 and Esc close the coach ------------------

@pytest.mark.parametrize("language", ["en", "nl"])
async def test_at_80x24_the_box_being_written_stays_readable_with_the_coach_open(tmp_path,
                                                                                 language):
    app, _, _ = app_with(tmp_path, CountingEngine(delay=0.0), language=language)
    async with app.run_test(size=(80, 24)) as pilot:
        await login_and_write(pilot, app)
        noticed = app.screen.query_one("#noticed")
        noticed.load_text("\n".join(NOTICED))
        noticed.focus()
        await ask(pilot, app)
        for where in ("in the box", "in the coach's list"):
            shown = "\n".join(rows(app))
            assert all(line in shown for line in NOTICED), (where, shown)
            assert "The pump on the glue station" in shown, where  # the first box, one line
            assert noticed.content_region.height >= 4, where
            await tab_to_list(pilot, app)


async def test_f5_opens_and_closes_the_coach_and_esc_stops_it_then_closes_it(tmp_path):
    app, _, _ = app_with(tmp_path, CountingEngine(delay=30.0))  # a token every 30 s
    async with app.run_test(size=(80, 24)) as pilot:
        await login_and_write(pilot, app)
        screen = app.screen
        panel = screen.query_one(CoachPanel)
        await pilot.press("f5")
        await wait_until(pilot, lambda: screen._coach_cancel is not None)
        await pilot.pause()
        assert panel.display and key_shown(app, "F5", "Close coach")
        await pilot.press("escape")  # stops the model; the panel stays, with the bank's questions
        await wait_until(pilot, lambda: suggestion_list(app).option_count > 0)
        assert screen._coach_cancel is None and panel.display
        await pilot.press("escape")  # closes it
        await pilot.pause()
        assert not panel.display and key_shown(app, "F5", "Coach")
        assert app.focused is screen.query_one("#what_happened")
        await pilot.press("f5")  # the same text: the same list, not asked again
        await pilot.pause()
        assert panel.display and screen._coach_cancel is None
        await pilot.press("f5")
        await pilot.pause()
        assert not panel.display


# -- item 5: keys meant for the coach stay in the coach; the worker picks the box --------------

async def test_after_using_a_suggestion_the_next_keys_still_go_to_the_list(tmp_path):
    app, _, _ = app_with(tmp_path, CountingEngine(delay=0.0))
    async with app.run_test(size=(80, 24)) as pilot:
        await login_and_write(pilot, app)
        await ask(pilot, app)
        await tab_to_list(pilot, app)
        listed, screen = prompts(app), app.screen
        await pilot.press("enter", "d", "e")  # use the first, dismiss the next, edit the third
        await pilot.pause()
        noticed = screen.query_one("#noticed").text
        assert noticed.strip().endswith("start?") and "\nd" not in noticed, noticed
        assert app.screen.__class__.__name__ == "EditSuggestionScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is suggestion_list(app)
        assert prompts(app) == listed[2:]


async def test_the_worker_picks_the_box_a_used_suggestion_goes_into(tmp_path):
    app, _, _ = app_with(tmp_path, CountingEngine(delay=0.0))
    async with app.run_test(size=(80, 24)) as pilot:
        await login_and_write(pilot, app)
        await ask(pilot, app)
        await tab_to_list(pilot, app)
        assert any("Goes into: ◀ What did you notice?" in row for row in rows(app))
        await pilot.press("right")  # the next box: what did you learn
        await pilot.pause()
        assert any("Goes into: ◀ What did you learn? ▶" in row for row in rows(app))
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert "When did the pump noise start?" in screen.query_one("#learned").text
        assert screen.query_one("#noticed").text == ""
        assert app.focused is suggestion_list(app)


# -- item 8: no label is cut with the panel open -----------------------------------------------

@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_no_label_is_cut_with_the_coach_open(tmp_path, size, language):
    app, _, _ = app_with(tmp_path, CountingEngine(delay=0.0), language=language)
    async with app.run_test(size=size) as pilot:
        await login_and_write(pilot, app)
        screen = app.screen
        for cycler in screen.query(Cycler):  # each at its longest value
            cycler.value = max(cycler.options, key=lambda option: cell_len(option[1]))[0]
        await ask(pilot, app)
        await tab_to_list(pilot, app)
        shown = rows(app)
        for cycler in screen.query(Cycler):
            label = cycler.render().plain
            assert any(label in row for row in shown), (label, shown)
        keys = [b.render().plain.strip() for b in screen.query(KeyButton) if b.display]
        assert len(keys) >= 5 and all(key in shown[-1] for key in keys), (keys, shown[-1])


# -- item 10: a thinking line, a list that holds still, one record per suggestion --------------

async def test_while_the_model_writes_the_panel_says_it_thinks_and_shows_none_of_its_text(
        tmp_path):
    engine = CountingEngine(delay=0.5)
    app, _, _ = app_with(tmp_path, engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await login_and_write(pilot, app)
        await pilot.press("f5")
        await wait_until(pilot, lambda: engine.sent >= 3, timeout=60)
        await pilot.pause()
        assert app.screen._coach_cancel is not None
        shown = "\n".join(rows(app))
        assert "Pump noise" not in shown and "Question:" not in shown, shown
        assert "The coach is thinking" in shown


SECOND_ROUND = (" Pump bearing", "\n", "Question:", " Which", " bearing", " of", " the", " pump",
                " is", " worn", "?", "\n", "Idea:", " Grease", " the", " pump", " bearing",
                " weekly", ".", "\n")


async def test_a_new_round_is_appended_and_the_workers_place_in_the_list_holds(tmp_path):
    engine = CountingEngine(FakeEngine.DEFAULT_TOKENS, SECOND_ROUND, delay=0.0)
    app, _, _ = app_with(tmp_path, engine, pause_seconds=1.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await login_and_write(pilot, app)
        await ask(pilot, app)
        first_round = prompts(app)
        app.screen.query_one("#learned").focus()
        await pilot.press(*"the", "space", *"bearing", "space", *"is", "space", *"worn")
        await tab_to_list(pilot, app)  # the worker reads the list while the pause runs out
        await pilot.press("down")
        place = suggestion_list(app).highlighted
        at = prompts(app)[place]
        await wait_until(pilot, lambda: len(engine.calls) == 2 and app.screen._coach_cancel
                         is None and len(prompts(app)) > len(first_round), timeout=60)
        await pilot.pause()
        assert prompts(app)[:len(first_round)] == first_round
        assert any("Which bearing" in p for p in prompts(app)[len(first_round):])
        assert suggestion_list(app).highlighted == place and prompts(app)[place] == at


async def test_a_suggestion_used_while_the_coach_asks_again_stays_out_and_is_recorded_once(
        tmp_path):
    engine = CountingEngine(delay=0.0, first_delay=3.0)  # the same answer in every round
    app, store, _ = app_with(tmp_path, engine, pause_seconds=1.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await login_and_write(pilot, app)
        await ask(pilot, app)
        app.screen.query_one("#learned").focus()
        await pilot.press(*"bearing", "space", *"worn")  # new words: the coach asks again
        await wait_until(pilot, lambda: len(engine.calls) == 2, timeout=60)
        await tab_to_list(pilot, app)
        used = prompts(app)[0]
        await pilot.press("enter")  # used while the second round is still being written
        await pilot.pause()
        assert used not in prompts(app)
        await wait_until(pilot, lambda: app.screen._coach_cancel is None, timeout=60)
        await pilot.pause()
        assert used not in prompts(app)
        await pilot.press("f2")
        await pilot.pause()
    [entry] = list(store.entries())
    counts = Counter((s.kind, s.text) for s in entry.suggestions)
    assert counts and max(counts.values()) == 1, counts
    assert [s.verdict for s in entry.suggestions if s.text in used] == ["accepted"]


# -- item 11: F7 takes the suggested category; F6 marks the entry urgent ----------------------

NEAR_SLIP = {"nl": "Bijna uitgegleden over olie op de vloer bij de pers",
             "en": "Almost slipped on an oil spot near the press this morning"}


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_f7_takes_the_suggested_category_into_the_entry(tmp_path, language):
    app, store, _ = app_with(tmp_path, CountingEngine(delay=0.0), language=language)
    t = Strings(language)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")  # anonymous, like the near-slip in the issue
        await pilot.pause()
        screen = app.screen
        screen.query_one("#what_happened").load_text(NEAR_SLIP[language])
        guess = app.coach.classify(NEAR_SLIP[language], language)
        assert guess.category != "other" and not guess.confident
        await ask(pilot, app)
        name = t(f"capture.category_values.{guess.category}")
        shown = "\n".join(rows(app))
        assert name in shown and key_shown(app, "F7", t("capture_coach.keys.category"))
        category = screen.query_one("#category", Cycler)
        assert category.value == "other"  # a suggestion until the worker takes it
        await pilot.press("f7")
        await pilot.pause()
        assert category.value == guess.category
        await pilot.press("f2")
        await pilot.pause()
    [entry] = list(store.entries())
    assert entry.category == guess.category and entry.author is None
    assert [(s.text, s.verdict) for s in entry.suggestions if s.kind == "category"] == \
        [(guess.category, "accepted")]


async def test_f6_marks_the_entry_urgent_and_the_mark_is_shown(tmp_path):
    app, store, _ = app_with(tmp_path, CountingEngine(delay=0.0))
    async with app.run_test(size=(80, 24)) as pilot:
        await login_and_write(pilot, app)
        assert key_shown(app, "F6", "Urgent")
        await pilot.press("f6")
        await pilot.pause()
        assert any("Urgent: your supervisor sees this first" in row for row in rows(app))
        await pilot.press("f6", "f6")  # off and on again
        await pilot.press("f2")
        await pilot.pause()
    [entry] = list(store.entries())
    assert entry.urgent is True


async def test_editing_a_suggestion_starts_at_its_end_and_keeps_its_text(tmp_path):
    """e opens the suggestion for editing; the keys the worker types change it, they do not
    replace it all (the field used to select its whole text on focus)."""
    app, store, clock = app_with(tmp_path, CountingEngine(delay=0.0))
    async with app.run_test(size=(80, 24)) as pilot:
        await login_and_write(pilot, app)
        await ask(pilot, app)
        await tab_to_list(pilot, app)
        screen = app.screen
        await pilot.press("e", "backspace", *" first", "space", *"today?")
        clock.advance(1.0)  # typed by hand, not scanned: a badge is a burst of keys and Enter
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and app.focused is suggestion_list(app)
        assert screen.query_one("#noticed").text == \
            "(AI) When did the pump noise start first today?"


async def test_every_tab_stop_takes_keys_even_when_the_form_scrolls(tmp_path):
    """With the coach open and the anonymous note the form scrolls at 80x24; its scrolling box
    was a Tab stop of its own, where the worker's typing went nowhere."""
    from textual.widgets import TextArea

    from kiosk.ui.widgets.coachpanel import SuggestionList

    app, _, _ = app_with(tmp_path, CountingEngine(delay=0.0))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")  # anonymous
        await pilot.pause()
        app.screen.query_one("#what_happened").load_text(NEAR_SLIP["en"])
        await ask(pilot, app)
        assert app.screen.query_one("#form").max_scroll_y > 0
        stops = set()
        for _ in range(2 * 9):
            await pilot.press("tab")
            stops.add(type(app.focused))
        assert stops == {Cycler, TextArea, SuggestionList}, stops
