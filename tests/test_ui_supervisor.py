"""Pilot tests of the supervisor station: PIN login and lock-out, the review queue, answering,
idea status, the audit log, insights and the report."""

from __future__ import annotations

import time

from textual.widgets import DataTable

from kiosk.entries import Entry
from kiosk.review.audit import read_audit
from kiosk.store import Store
from kiosk.ui.screens.station.entry import EntryReviewScreen
from kiosk.ui.screens.station.insights import InsightsScreen
from kiosk.ui.screens.station.login import SupervisorLoginScreen
from kiosk.ui.screens.station.queue import ReviewScreen
from kiosk.ui.screens.station.report import ReportScreen
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
                                    "col_kind", "col_status", "col_answer"])):
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
