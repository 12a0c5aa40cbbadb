"""Pilot tests of the learning loop at the kiosk: the follow-up of a planned try at login (after
the delay and not before, "not yet" at most three times in all, Esc skips) and the weekly pulse
at log-out (at most once a week per badge, Esc skips). The app's wall clock is a test clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from kiosk.config import load_config
from kiosk.identity import pseudonym
from kiosk.learning.records import learning_records
from kiosk.store import Store
from kiosk.ui.app import make_app
from kiosk.ui.screens.capture import CaptureScreen
from kiosk.ui.screens.followup import FollowUpScreen
from kiosk.ui.screens.login import LoginScreen
from kiosk.ui.screens.pulse import PulseScreen
from tests.conftest import build_entry
from tests.ui_helpers import FakeClock, screen_text

BADGE = "BADGE-0042"
PLANNED = datetime(2026, 11, 24, 14, 30)  # a Tuesday, kiosk local time


class WallClock:
    """The kiosk's local time, moved by the test (naive, as `datetime.now()`)."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def kiosk_app(folder: Path, clock: WallClock, **changes):
    config = load_config(env={}).with_changes(data_dir=folder, animations=False, **changes)
    store = Store(folder)
    return make_app(config, store, clock=FakeClock(), wall_clock=clock), store


def plan_entry(store: Store, config, later: float = 0, **changes):
    values = {"author": pseudonym(config.site_key, BADGE), "kiosk_id": config.kiosk_id,
              "next_step": "Check the first part with the gauge", **changes}
    entry = build_entry(at=PLANNED.timestamp() + later, **values)
    store.save(entry)
    return entry


async def login(pilot, badge: str = BADGE) -> None:
    await pilot.press(*badge, "enter")
    await pilot.pause()


async def logout(pilot) -> None:
    await pilot.press("f10")
    await pilot.pause()


async def visit(app, pilot, clock: WallClock, day: datetime) -> bool:
    """Log in at `day`: whether the follow-up came (it is skipped with Esc), then log out."""
    clock.now = day
    await login(pilot)
    asked = isinstance(app.screen, FollowUpScreen)
    if asked:
        await pilot.press("escape")
        await pilot.pause()
    assert isinstance(app.screen, CaptureScreen)
    await logout(pilot)
    assert isinstance(app.screen, LoginScreen)
    return asked


async def test_the_follow_up_comes_after_the_delay_not_before_and_saves_the_answer(tmp_path):
    clock = WallClock(PLANNED + timedelta(hours=2))
    app, store = kiosk_app(tmp_path, clock, pulse=False)
    entry = plan_entry(store, app.config)
    async with app.run_test(size=(80, 24)) as pilot:
        for day in (PLANNED + timedelta(hours=3), PLANNED.replace(day=25, hour=23)):
            assert not await visit(app, pilot, clock, day)  # the same day, the next day
        clock.now = datetime(2026, 11, 26, 6, 5)  # Thursday morning: two calendar days later
        await login(pilot)
        assert isinstance(app.screen, FollowUpScreen)
        text = screen_text(app)
        assert "On Tue 24 Nov you planned: “Check the first part with the gauge”. " \
               "Did you try it?" in text
        assert "goes to the supervisor" in text
        await pilot.press("1")
        await pilot.pause()
        assert "Worked. What happened?" in screen_text(app)
        await pilot.press(*"held", "space", *"fine", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen)  # then straight on to writing
    record = learning_records(store).followup(entry.id)
    assert (record.answer, record.note, record.ask, record.asks) == ("worked", "held fine", 1, 1)
    assert record.sync == "pending"


async def test_esc_at_the_line_what_happened_keeps_the_answer_without_it(tmp_path):
    clock = WallClock(PLANNED + timedelta(days=2))
    app, store = kiosk_app(tmp_path, clock, pulse=False)
    entry = plan_entry(store, app.config)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        assert "Skip" in screen_text(app)
        await pilot.press("2")
        await pilot.pause()
        assert "Partly. What happened?" in screen_text(app)
        assert "Skip" not in screen_text(app)  # Esc now keeps the answer, as the line says
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen)
    record = learning_records(store).followup(entry.id)
    assert (record.answer, record.note) == ("partly", "")


async def test_not_yet_asks_again_after_the_delay_three_times_in_all(tmp_path):
    clock = WallClock(PLANNED)
    app, store = kiosk_app(tmp_path, clock, pulse=False, follow_up_days=2)
    entry = plan_entry(store, app.config)
    shown = []
    async with app.run_test(size=(80, 24)) as pilot:
        for offset in range(2, 21):  # one login a day for almost three weeks
            clock.now = PLANNED + timedelta(days=offset)
            await login(pilot)
            if isinstance(app.screen, FollowUpScreen):
                shown.append(offset)
                await pilot.press("4")  # not yet
                await pilot.pause()
            assert isinstance(app.screen, CaptureScreen)
            await logout(pilot)
    assert shown == [2, 4, 6]
    record = learning_records(store).followup(entry.id)
    assert (record.answer, record.asks, record.ask) == ("not_yet", 3, 3)


async def test_skipping_writes_no_answer_and_an_anonymous_or_private_plan(tmp_path):
    clock = WallClock(PLANNED)
    app, store = kiosk_app(tmp_path, clock, pulse=False, language="nl")
    entry = plan_entry(store, app.config)
    private = plan_entry(store, app.config, 60, visibility="private",
                         next_step="Alleen voor mij")
    anonymous = build_entry(at=PLANNED.timestamp() + 120, author=None, next_step="Anoniem plan")
    store.save(anonymous)
    async with app.run_test(size=(80, 24)) as pilot:
        clock.now = PLANNED + timedelta(days=2)
        await login(pilot)
        assert isinstance(app.screen, FollowUpScreen)
        assert "Op di 24 nov was je van plan: “Check the first part" in screen_text(app)
        await pilot.press("escape")  # skip: straight to writing
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen)
        await logout(pilot)
        await login(pilot)  # the private plan, the next one due
        assert "Alleen voor mij" in screen_text(app)
        assert "je antwoord blijft op deze kiosk" in screen_text(app)
        await pilot.press("5", "enter")
        await pilot.pause()
        await logout(pilot)
        assert not await visit(app, pilot, clock, PLANNED + timedelta(days=3))
        assert await visit(app, pilot, clock, PLANNED + timedelta(days=4))  # skipped: again
    records = {r.entry_id: r for r in learning_records(store).followups()}
    assert (records[entry.id].answer, records[entry.id].asks) == (None, 2)
    assert records[private.id].answer == "not_relevant"
    assert anonymous.id not in records


async def test_the_pulse_comes_at_log_out_once_a_week_and_is_stored_without_author(tmp_path):
    clock = WallClock(datetime(2026, 11, 23, 7, 0))  # Monday of week 48
    app, store = kiosk_app(tmp_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await logout(pilot)
        assert isinstance(app.screen, PulseScreen)
        assert "Stored without your name and without the time" in screen_text(app)
        await pilot.press("escape")  # skipped: logged out
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen) and app.session is None
        clock.now = datetime(2026, 11, 29, 22, 0)  # Sunday, the same week: not again
        await login(pilot)
        await logout(pilot)
        assert isinstance(app.screen, LoginScreen)
        await pilot.press("f2")  # anonymous: never asked (no badge to ask once a week)
        await pilot.pause()
        await logout(pilot)
        assert isinstance(app.screen, LoginScreen)

        clock.now = datetime(2026, 11, 30, 7, 0)  # Monday of week 49
        await login(pilot)
        await logout(pilot)
        assert isinstance(app.screen, PulseScreen)
        assert "▶ This week I learned something new" in screen_text(app)
        await pilot.press("4")
        await pilot.pause()
        assert "This week I learned something new: 4" in screen_text(app)
        assert "1 = very low · 5 = very high" not in screen_text(app)
        await pilot.press("2")
        await pilot.pause()
        assert "1 = very low · 5 = very high" in screen_text(app)
        await pilot.press("5")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen) and app.session is None
        assert pseudonym(app.config.site_key, BADGE) not in (tmp_path / "learning.json") \
            .read_text(encoding="utf-8")
    [pulse] = learning_records(store).pulses()
    assert (pulse.week, pulse.learned, pulse.heard, pulse.pressure) == ("2026-W49", 4, 2, 5)
    assert (pulse.station, pulse.line) == (app.config.station, app.config.line)


async def test_the_pulse_can_be_turned_off(tmp_path):
    clock = WallClock(datetime(2026, 11, 23, 7, 0))
    app, _ = kiosk_app(tmp_path, clock, pulse=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await logout(pilot)
        assert isinstance(app.screen, LoginScreen)


async def test_the_supervisor_sees_the_follow_up_under_the_planned_try(tmp_path):
    from kiosk.entries import Entry
    from kiosk.learning.records import FollowUp
    from kiosk.ui.screens.station.entry import EntryReviewScreen
    from tests.test_ui_supervisor import login as station_login, queue_ready
    from tests.ui_helpers import make_test_app

    app, store, _ = make_test_app(tmp_path, mode="supervisor")
    entry = Entry.new(kiosk_id="kiosk-a", station="Assembly 1", line="Line A", author="w-AAAA",
                      language="en", what_happened="Burrs after the tool change",
                      next_step="Measure the first part")
    store.save(entry)
    learning_records(store).put_followups([FollowUp(entry.id, "partly", "[b]only[/b] on press 3",
                                                    1, sync="synced")])
    async with app.run_test(size=(100, 30)) as pilot:
        await station_login(pilot)
        await queue_ready(app, pilot)
        await pilot.press("enter")
        await queue_ready(app, pilot)
        assert isinstance(app.screen, EntryReviewScreen)
        text = screen_text(app)
    assert "Measure the first part\n" \
           "Asked some days later whether they tried it: Partly: [b]only[/b] on press 3" in text


async def test_the_station_insights_and_report_show_the_weekly_pulse(tmp_path):
    from kiosk.learning.records import Pulse
    from kiosk.review.insights import recent_weeks
    from kiosk.ui.screens.station.insights import InsightsScreen
    from kiosk.ui.screens.station.report import ReportScreen
    from tests.test_ui_supervisor import login as station_login, queue_ready
    from tests.ui_helpers import make_test_app

    app, store, _ = make_test_app(tmp_path, mode="supervisor")
    week = recent_weeks(datetime.now(timezone.utc), 1)[0]
    learning_records(store).add_pulses(Pulse(f"p{i}", week, 5, 4, 3, "Assembly 1", "Line A",
                                             sync="synced") for i in range(6))
    async with app.run_test(size=(100, 30)) as pilot:
        await station_login(pilot)
        await queue_ready(app, pilot)
        await pilot.press("f3")
        await queue_ready(app, pilot)
        assert isinstance(app.screen, InsightsScreen)
        lines = [line.split() for line in screen_text(app).splitlines()]
        assert "Weekly pulse" in screen_text(app) and [week, "6", "5.0", "4.0", "3.0"] in lines
        await pilot.press("escape", "f4")
        await queue_ready(app, pilot)
        assert isinstance(app.screen, ReportScreen)
    [report] = (tmp_path / "reports").glob("report-*.md")
    assert f"| {week} | 6 | 5.0 | 4.0 | 3.0 |" in report.read_text(encoding="utf-8")
