"""The coach follows what the worker wrote (issue 14): a Polish text at a Dutch kiosk gets Polish
questions and a Polish category guess, and is stored as `pl`; a short text stays in the screen's
language. With the real Polish content once it exists, else a tiny test-only Polish."""

from __future__ import annotations

from kiosk.coach.bank import bank
from kiosk.coach.suggest import Coach
from kiosk.i18n import load_strings
from kiosk.langdetect import detect
from kiosk.ui.screens.capture import CaptureScreen
from tests.support.languages import polish_content  # noqa: F401
from tests.test_ui_worker import login, type_text
from tests.ui_helpers import make_test_app, screen_text

POLISH = "Pompa przy linii dwa cieknie olej bo uszczelka jest zużyta"


async def wait_for(pilot, condition) -> None:
    for _ in range(600):
        if condition():
            return
        await pilot.pause(0.1)
    assert condition()


async def test_a_polish_entry_at_a_dutch_kiosk_gets_polish_questions_and_is_stored_as_pl(
        tmp_path, polish_content):
    app, store, _ = make_test_app(tmp_path, language="nl", languages=("nl", "en", "pl"),
                                  coach_enabled=False)
    app.coach = Coach(app.config)  # no model: the bank and the templates answer
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot)
        assert isinstance(app.screen, CaptureScreen) and app.language == "nl"
        await type_text(pilot, POLISH)
        await pilot.press("f5")
        await wait_for(pilot, lambda: app.screen.offers.items)
        questions = [o.s for o in app.screen.offers.items if o.s.kind == "question"]
        every_polish = {q for qs in bank("pl").questions.values() for q in qs}
        assert questions and all(q.source in ("bank", "template") for q in questions)
        for question in questions:  # the bank's Polish questions, or a Polish template's
            assert question.text in every_polish or (
                question.source == "template"
                and detect(question.text, ("nl", "en", "pl"), "nl").language == "pl"), question
        [category] = [o.s for o in app.screen.offers.items if o.s.kind == "category"]
        assert category.text == "maintenance"
        shown = screen_text(app)
        assert load_strings("nl")["coach.written_in.note"].format(language="Polski") in shown
        assert "Opslaan" in shown  # the screen itself stays Dutch
        await pilot.press("f2")
        await wait_for(pilot, lambda: store.count() == 1)
    [entry] = store.entries()
    assert entry.language == "pl"


async def test_a_short_text_is_stored_in_the_screens_language(tmp_path, polish_content):
    app, store, _ = make_test_app(tmp_path, language="nl", languages=("nl", "en", "pl"))
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await type_text(pilot, "Pompa cieknie")  # two words: too short to tell
        await pilot.press("f2")
        await wait_for(pilot, lambda: store.count() == 1)
    [entry] = store.entries()
    assert entry.language == "nl"


def test_earlier_entries_in_a_language_without_coach_content_do_not_break_seen_before(
        make_entry):
    """A station feed may hold entries in a language the coach has no content for (French
    here): "seen before?" reads them with the text's language instead of failing."""
    from kiosk.coach.classify import related

    french = make_entry(language="fr", what_happened="La pompe à colle fuit encore.")
    english = make_entry(what_happened="The glue pump leaks again at the coupling.",
                         title="Glue pump leaks")
    found = related("The glue pump is leaking at the coupling.", "en", [french, english])
    assert [r.entry.id for r in found] == [english.id]
