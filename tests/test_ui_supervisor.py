"""Pilot tests of the supervisor station: PIN login and lock-out, the review queue, answering,
idea status, the audit log, insights and the report; the answer box and leaving unsaved, urgent
and anonymous marks, type to search."""

from __future__ import annotations

import time

from textual.widgets import DataTable, TextArea

from kiosk.entries import Entry
from kiosk.review.audit import read_audit
from kiosk.store import Store
from kiosk.ui.screens.station.entry import EntryReviewScreen
from kiosk.ui.screens.station.insights import InsightsScreen
from kiosk.ui.screens.station.login import SupervisorLoginScreen
from kiosk.ui.screens.station.queue import ReviewScreen
from kiosk.ui.screens.station.report import ReportScreen
from kiosk.ui.screens.station.unsaved import LeaveUnsavedScreen
from tests.ui_helpers import make_test_app, screen_text


def seed(store: Store) -> dict[str, Entry]:
    made = {}
    specs = [
        ("pump", "idea", "maintenance", "Packing 1", "The vacuum pump hisses at startup"),
        ("label", "observation", "quality", "Assembly 1", "Labels print crooked on thin stock"),
        ("aisle", "observation", "safety", "Assembly 1", "Pallet in the walking aisle again"),
        ("carton", "idea", "flow", "Packing 1", "Store cartons halfway down the line"),
        ("private", "observation", "other", "Assembly 1", "My own note about the pump"),
    ]
    for key, kind, category, station, text in specs:
        entry = Entry.new(kiosk_id="kiosk-a", station=station, line="Line A", author="w-AAAA",
                          language="en", kind=kind, category=category, what_happened=text,
                          visibility="private" if key == "private" else "team")
        store.save(entry)
        made[key] = entry
        time.sleep(0.002)  # distinct creation times: a stable queue order
    return made


async def login(pilot, name="Anna", pin="4321"):
    await pilot.press(*name.replace(" ", ""), "enter", *pin, "enter")
    await pilot.pause()


async def queue_ready(app, pilot):
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def queue_ids(app) -> list[str]:
    table = app.screen.query_one("#queue", DataTable)
    return [row.value for row in table.rows]


async def test_wrong_pin_is_refused_and_locks_out_after_five(tmp_path):
    app, store, _ = make_test_app(tmp_path, mode="supervisor")
    async with app.run_test(size=(100, 30)) as pilot:
        assert isinstance(app.screen, SupervisorLoginScreen)
        for attempt in range(5):
            await login(pilot, pin="0000")
            assert isinstance(app.screen, SupervisorLoginScreen)
            app.screen.query_one("#name").focus()
            app.screen.query_one("#name").value = ""
        assert "Too many wrong PINs" in screen_text(app)
        await login(pilot, pin="4321")  # the right PIN, but locked out
        assert isinstance(app.screen, SupervisorLoginScreen)
        assert app.session is None


async def test_review_answer_and_status_are_stored_and_audited(tmp_path):
    app, store, _ = make_test_app(tmp_path, mode="supervisor")
    made = seed(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot)
        assert isinstance(app.screen, ReviewScreen)
        await queue_ready(app, pilot)
        ids = queue_ids(app)
        assert made["private"].id not in ids  # private entries never reach the supervisor
        assert ids[0] == made["carton"].id  # not seen first, newest first
        assert "4 entries match, 4 of them not seen yet" in screen_text(app)

        await pilot.press("enter")
        await queue_ready(app, pilot)
        assert isinstance(app.screen, EntryReviewScreen)
        assert "Store cartons halfway" in screen_text(app)
        app.screen.query_one("#answer").load_text("Good idea, we try it in week 49.")
        await pilot.press("f2")
        await pilot.pause()
        app.screen.query_one("#status").value = "trying"
        await pilot.press("f3")
        await pilot.pause()
        await pilot.press("escape")
        await queue_ready(app, pilot)
        assert "4 entries match, 3 of them not seen yet" in screen_text(app)

    stored = Store(tmp_path, readonly=True).get(made["carton"].id)
    assert stored.seen and stored.status == "trying"
    assert stored.responses[-1].text == "Good idea, we try it in week 49."
    assert stored.responses[-1].by == "Anna"
    audit = read_audit(tmp_path / "audit.jsonl")
    actions = [(r.action, r.entry, r.who) for r in audit.records]
    assert ("answer", made["carton"].id, "Anna") in actions
    assert any(a == "set_status" and e == made["carton"].id for a, e, _ in actions)
    assert not any("w-AAAA" in str(r.to_dict()) for r in audit.records)  # no author in audit


async def test_declining_needs_a_reason(tmp_path):
    app, store, _ = make_test_app(tmp_path, mode="supervisor")
    made = seed(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot)
        await queue_ready(app, pilot)
        await pilot.press("enter")
        await queue_ready(app, pilot)
        app.screen.query_one("#status").value = "declined"
        await pilot.press("f3")
        await pilot.pause()
        assert app.is_running
    assert Store(tmp_path, readonly=True).get(made["carton"].id).status != "declined"


async def test_filters_and_search_narrow_the_queue(tmp_path):
    app, store, _ = make_test_app(tmp_path, mode="supervisor")
    made = seed(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot)
        await queue_ready(app, pilot)
        screen = app.screen
        screen.query_one("#f-category").value = "safety"
        await pilot.pause()
        assert queue_ids(app) == [made["aisle"].id]
        screen.query_one("#f-category").value = ""
        screen.query_one("#f-kind").value = "idea"
        await pilot.pause()
        assert set(queue_ids(app)) == {made["pump"].id, made["carton"].id}
        screen.query_one("#f-kind").value = ""
        search = screen.query_one("#search")
        search.focus()
        await pilot.press(*"pump", "enter")
        await pilot.pause()
        assert queue_ids(app) == [made["pump"].id]  # the private pump note is not found


async def test_insights_hide_small_groups_and_report_is_saved(tmp_path):
    app, store, _ = make_test_app(tmp_path, mode="supervisor")
    seed(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot)
        await queue_ready(app, pilot)
        await pilot.press("f3")
        await queue_ready(app, pilot)
        assert isinstance(app.screen, InsightsScreen)
        text = screen_text(app)
        # 4 shared entries, min group size 5: no category count may be shown
        assert "Safety" not in text and "Quality" not in text
        assert "This week's themes per station" in text and "Fewer than 5 entries" in text
        await pilot.press("escape", "f4")
        await queue_ready(app, pilot)
        assert isinstance(app.screen, ReportScreen)
        assert "Saved as" in screen_text(app)
    reports = list((tmp_path / "reports").glob("report-*.md"))
    assert reports and "Labels print crooked" in reports[0].read_text()


async def test_the_queue_fits_the_screen_and_shows_more_columns_when_wider(tmp_path):
    app, store, _ = make_test_app(tmp_path, mode="supervisor")
    seed(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await queue_ready(app, pilot)
        table = app.screen.query_one("#queue", DataTable)

        def columns() -> list[str]:
            return [str(column.key.value) for column in table.columns.values()]

        for width, shown in ((80, ["col_date", "col_headline", "col_category", "col_answer"]),
                             (130, ["col_date", "col_headline", "col_station", "col_category",
                                    "col_status", "col_answer"]),
                             (170, ["col_date", "col_headline", "col_station", "col_category",
                                    "col_kind", "col_status", "col_language", "col_answer"])):
            await pilot.resize_terminal(width, 30)
            await pilot.pause()
            await pilot.pause()
            assert columns() == shown, width
            assert table.virtual_size.width <= table.size.width, width  # no sideways scrolling
            assert len(queue_ids(app)) == 4  # the rows came back (private one left out)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        assert columns()[-1] == "col_answer" and table.virtual_size.width <= table.size.width


async def test_the_queue_fits_80_columns_in_dutch_too(tmp_path):
    app, store, _ = make_test_app(tmp_path, mode="supervisor", language="nl")
    seed(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await queue_ready(app, pilot)
        table = app.screen.query_one("#queue", DataTable)
        assert "Beantwoord" in [str(c.label) for c in table.columns.values()]
        assert table.virtual_size.width <= table.size.width  # "NIEUW ..." and "Doorstroming"


async def test_the_waiting_line_says_less_than_a_day_for_todays_entries(tmp_path):
    app, store, _ = make_test_app(tmp_path, mode="supervisor")
    seed(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot)
        await queue_ready(app, pilot)
        assert "wait for an answer; the oldest for less than a day." in screen_text(app)


# -- issue 16: the entry screen, marks, type to search ----------------------------------------
ANSWER = "Goed gezien! We zetten het reinigen op de checklist."


def seeded_station(tmp_path):
    """(app, store, the entries of `seed`) of a supervisor station."""
    app, store, _ = make_test_app(tmp_path, mode="supervisor")
    return app, store, seed(store)


async def at_queue(app, pilot) -> ReviewScreen:
    """Log in and wait for the queue."""
    await login(pilot)
    await queue_ready(app, pilot)
    return app.screen


async def open_first(app, pilot):
    """Log in and open the first entry of the queue."""
    await at_queue(app, pilot)
    await pilot.press("enter")
    await queue_ready(app, pilot)
    assert isinstance(app.screen, EntryReviewScreen)
    return app.screen


def on_screen(app, widget) -> bool:
    """The whole widget is inside the part of the screen between the header and the key bar."""
    region, height = widget.region, app.screen.size.height
    return widget.display and region.height > 0 and region.y >= 1 and region.bottom <= height - 1


async def test_the_answer_box_is_visible_has_focus_and_takes_the_typing_at_80x24(tmp_path):
    app, store, made = seeded_station(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first(app, pilot)  # the carton idea
        area = screen.query_one("#answer", TextArea)
        assert screen.focused is area and on_screen(app, area)
        assert area.styles.border_top[0] not in ("", "none", "hidden")  # a box you can see
        assert area.placeholder and area.placeholder in screen_text(app)
        await pilot.press("tab")  # "to get to the box": the status now
        assert screen.focused is screen.query_one("#status")
        await pilot.press(*ANSWER)
        assert area.text == ANSWER and screen.focused is area  # the typing went into the box
        assert screen.query_one("#status").value == "seen"  # and the status did not move
        await pilot.press("f2")
        await pilot.pause()
    stored = Store(tmp_path, readonly=True).get(made["carton"].id)
    assert stored.responses[-1].text == ANSWER and stored.status == "seen"


async def test_the_status_changes_only_with_the_arrow_keys_and_says_when_unsaved(tmp_path):
    app, store, _ = seeded_station(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first(app, pilot)
        status = screen.query_one("#status")
        for key in ("enter", "space", "x"):  # Space and letters go to the answer box
            status.focus()
            await pilot.press(key)
            assert status.value == "seen"
        assert screen.query_one("#answer").text == " x"
        assert "F3: save." in screen_text(app) and "not saved" not in screen_text(app)
        status.focus()
        await pilot.press("right")
        assert status.value == "trying" and "not saved yet" in screen_text(app)
        await pilot.press("left")
        assert status.value == "seen" and "not saved" not in screen_text(app)
        await pilot.press("right", "f3")
        await pilot.pause()
        assert "not saved" not in screen_text(app)
        # a click on the label only focuses it; on ◀ or ▶ it steps
        left = 1 + len("Idea status: ")
        for x, value in ((3, "trying"), (left + 3 + len("being tried"), "adopted"),
                         (left, "trying")):
            await pilot.click("#status", offset=(x, 0))
            assert status.value == value and screen.focused is status


async def test_leaving_with_an_answer_not_sent_or_a_status_not_saved_asks_first(tmp_path):
    app, store, made = seeded_station(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first(app, pilot)
        await pilot.press(*"Thanks")
        await pilot.press("escape")
        assert isinstance(app.screen, LeaveUnsavedScreen)
        assert "Leave without sending?" in screen_text(app)
        await pilot.press("escape")  # keep editing: back with the text
        assert app.screen is screen and screen.query_one("#answer").text == "Thanks"
        screen.query_one("#answer").load_text("")
        screen.query_one("#status").focus()
        await pilot.press("right", "escape")
        assert isinstance(app.screen, LeaveUnsavedScreen)
        assert "idea status" in screen_text(app)
        await pilot.press("tab", "enter")  # discard and leave
        await queue_ready(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("down", "enter")  # an entry left unchanged: Esc leaves at once
        await queue_ready(app, pilot)
        await pilot.press("escape")
        await queue_ready(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
    stored = Store(tmp_path, readonly=True).get(made["carton"].id)
    assert stored.status == "seen" and not stored.responses


async def test_logging_out_with_an_answer_not_sent_asks_first(tmp_path):
    app, store, _ = seeded_station(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first(app, pilot)
        await pilot.press(*"Thanks", "f10")
        assert isinstance(app.screen, LeaveUnsavedScreen)
        await pilot.press("enter")  # Keep editing has the focus
        assert app.screen is screen and app.session is not None
        await pilot.press("f10", "tab", "enter")
        await pilot.pause()
        assert app.session is None and isinstance(app.screen, SupervisorLoginScreen)


async def test_a_long_entry_scrolls_above_an_answer_box_that_stays_on_screen_at_80x24(tmp_path):
    app, store, _ = make_test_app(tmp_path, mode="supervisor")
    paragraph = "The cleaning of the nozzle takes too long because the brush is missing. "
    long_text = "\n".join([paragraph * 4] * 12)[:3700]
    long = Entry.new(kiosk_id="kiosk-a", station="Packing 1", line="Line A", author="w-AAAA",
                     language="en", kind="idea", category="maintenance",
                     what_happened=long_text)
    store.save(long)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first(app, pilot)
        scroll = screen.query_one("#review-entry")
        area = screen.query_one("#answer", TextArea)
        assert scroll.max_scroll_y > 0 and on_screen(app, area)
        await pilot.press(*"Thanks, we order brushes")
        assert area.text == "Thanks, we order brushes" and on_screen(app, area)
        for widget_id in ("#status", "#reason", "#review-entry", "#answer"):
            await pilot.press("tab")
            assert screen.focused is screen.query_one(widget_id)
            assert on_screen(app, screen.query_one(widget_id)) and on_screen(app, area)
        scroll.focus()
        await pilot.press("end")
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y and on_screen(app, area)


async def test_anonymous_and_urgent_entries_are_marked_and_urgent_ones_come_first(tmp_path):
    app, store, made = seeded_station(tmp_path)
    urgent = made["aisle"].touched(urgent=True)  # older than the carton idea
    anonymous = Entry.new(kiosk_id="kiosk-a", station="Assembly 1", line="Line A", author=None,
                          language="en", what_happened="Nobody cleans the canteen fridge")
    store.save_many([urgent, anonymous])
    async with app.run_test(size=(80, 24)) as pilot:
        await at_queue(app, pilot)
        assert queue_ids(app)[0] == urgent.id
        table = app.screen.query_one("#queue", DataTable)

        def headline(entry_id):
            return str(table.get_cell(entry_id, "col_headline"))

        assert headline(urgent.id).startswith("URGENT Pallet in the")  # cut at 80 columns
        assert headline(anonymous.id).endswith("· anonymous")
        assert "URGENT" not in headline(made["carton"].id) + headline(anonymous.id)
        assert "anonymous" not in headline(made["carton"].id) + headline(urgent.id)
        await pilot.press("enter")
        await queue_ready(app, pilot)
        text = str(app.screen.query_one("#entry-text").render())
        assert text.startswith("URGENT Pallet in the walking aisle")
        assert "workers see it at their next login" in screen_text(app)
        await pilot.press("escape")
        await queue_ready(app, pilot)
        app.screen.query_one("#queue", DataTable).move_cursor(
            row=queue_ids(app).index(anonymous.id))
        await pilot.press("enter")
        await queue_ready(app, pilot)
        assert "anonymous" in str(app.screen.query_one("#entry-text").render())
        assert "only a writer who took a reply code" in screen_text(app)
        assert "at their next login" not in screen_text(app)


async def test_typing_in_the_queue_searches_and_keeps_the_first_key_at_80x24(tmp_path):
    app, store, made = seeded_station(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await at_queue(app, pilot)
        search = screen.query_one("#search")
        assert screen.focused is screen.query_one("#queue")
        await pilot.press(*"pumpx")
        assert search.value == "pumpx" and screen.focused is search
        await pilot.press("enter")  # back to the queue, which shows the matches
        await queue_ready(app, pilot)
        assert screen.focused is screen.query_one("#queue") and queue_ids(app) == []
        await pilot.press("backspace", "enter")  # Backspace in the queue edits the search too
        await queue_ready(app, pilot)
        assert search.value == "pump" and queue_ids(app) == [made["pump"].id]
        screen.query_one("#f-kind").focus()
        await pilot.press("space")  # Space still steps a filter
        assert screen.query_one("#f-kind").value == "observation" and search.value == "pump"


async def test_insights_of_a_small_team_say_why_and_list_no_empty_weeks_at_80x24(tmp_path):
    app, store, _ = make_test_app(tmp_path, mode="supervisor")
    seed(store)  # 4 shared entries, this week: fewer than the minimum group size of 5
    async with app.run_test(size=(80, 24)) as pilot:
        await at_queue(app, pilot)
        await pilot.press("f3")
        await queue_ready(app, pilot)
        text = screen_text(app)
        assert "Fewer than 5 entries, so no count is shown" in text
        assert "Per week" not in text and not any(line.lstrip().startswith("20") and "W" in line
                                                  for line in text.splitlines())  # week rows


async def test_an_answer_typed_before_an_idle_log_out_is_back_at_the_next_login(tmp_path):
    """Tried in tmux: the station logged out after its idle time and the answer half typed in
    the entry was gone. It is kept in the drafts file (a crash or power cut keeps it too)."""
    app, store, _ = seeded_station(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first(app, pilot)
        entry_id = screen.entry_id
        await pilot.press(*ANSWER)
        await app.logout(idle=True)  # what the idle timer does; no question is asked then
        await pilot.pause()
        assert app.session is None
        assert Store(tmp_path, readonly=True).load_draft(
            f"station-answer:Anna:{entry_id}") == {"answer": ANSWER}
        await at_queue(app, pilot)  # the entry is seen now: no longer first in the queue
        await app.push_screen(EntryReviewScreen(entry_id))
        await pilot.pause()
        area = app.screen.query_one("#answer", TextArea)
        for _ in range(600):  # the entry (and the kept answer) come from a worker thread
            if area.text == ANSWER:
                break
            await pilot.pause(0.05)
        assert area.text == ANSWER
        await pilot.press("f2")
        await pilot.pause()
    stored = Store(tmp_path, readonly=True)
    assert stored.get(entry_id).responses[-1].text == ANSWER
    assert stored.load_draft(f"station-answer:Anna:{entry_id}") is None  # sent: no draft left
