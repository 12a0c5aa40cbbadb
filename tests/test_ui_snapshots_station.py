"""Snapshot tests of the supervisor station (queue, one entry), the kiosk's QR export and the
station feed, at the smallest supported size and a large one.

Every entry has a fixed id and time, the clock the queue reads is frozen and local time is UTC,
so the pictures are the same on any day and in any time zone. The export's batch number and
sealing time are fixed too, so the QR codes are the same on every run.

Update after an intended UI change with:
.venv/bin/python -m pytest tests/test_ui_snapshots_station.py --snapshot-update
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta, timezone

import pytest
from textual.scrollbar import ScrollBar, ScrollBarRender

from kiosk.entries import Entry, Response
from kiosk.ids import format_id
from kiosk.identity import pseudonym
from kiosk.store import Store
from kiosk.sync import exchange
from kiosk.ui.screens import transfer
from kiosk.ui.screens.station.queue import ReviewScreen
from tests.ui_helpers import make_test_app

SIZES = [(80, 24), (120, 40)]
SIZE_IDS = lambda s: f"{s[0]}x{s[1]}"  # noqa: E731
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)  # tests/ui_helpers.py FIXED_NOW, in UTC
BASE = datetime(2026, 11, 16, 7, 0, tzinfo=timezone.utc)
BADGE = "BADGE-0042"


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def fixed_entry(number: int, hours: float, *, station: str = "Assembly 1",
                author: str | None = "w-AAAA", kind: str = "observation",
                category: str = "other", answer: str = "", **fields) -> Entry:
    """An entry made `hours` after BASE, with an id that depends only on `number` and its time."""
    created = BASE + timedelta(hours=hours)
    entry = Entry(id=format_id(int(created.timestamp() * 1000), number), kiosk_id="demo-kiosk-1",
                  station=station, line="Line A", author=author, language="en", kind=kind,
                  category=category, created=iso(created), updated=iso(created), **fields)
    if answer:
        entry.responses.append(Response(at=iso(created + timedelta(days=1)), by="Anna",
                                        text=answer))
    return entry.validate()


def seed(store: Store, author: str = "w-AAAA") -> None:
    specs = [
        dict(kind="idea", category="maintenance", station="Packing 1",
             what_happened="The vacuum pump hisses at startup",
             noticed="It stops after a minute.", learned="Check the seal first.",
             next_step="Order a spare seal."),
        dict(category="quality", what_happened="Labels print crooked on thin stock",
             answer="Thanks, we changed the label roll supplier.", seen=True),
        dict(category="safety", what_happened="Pallet in the walking aisle again",
             title="Pallet in the aisle"),
        dict(kind="idea", category="flow", station="Packing 1",
             what_happened="Store cartons halfway down the line",
             noticed="We walk to the end of the line for every carton.", status="trying",
             answer="Good idea, we try it in week 49.", seen=True),
        dict(category="quality", what_happened="Burr on bracket 4410 after the tool change",
             noticed="The offset was not measured again.", learned="Measure after every change.",
             next_step="Put it on the checklist."),
        dict(category="other", what_happened="My own note about the pump", visibility="private"),
    ]
    store.save_many(fixed_entry(number, hours=number * 26.5, author=author, **spec)
                    for number, spec in enumerate(specs, start=1))


@pytest.fixture
def frozen(monkeypatch):
    """Local time is UTC, the queue's clock says NOW (its "oldest waits N days" line) and the
    scroll bars have their normal glyphs."""

    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return NOW if tz is None else NOW.astimezone(tz)

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    # An app started with TERM=linux earlier in this process swapped the scroll bar glyphs for
    # the whole process (kiosk.ui.widgets.console); these pictures use the normal ones.
    monkeypatch.setattr(ScrollBar, "renderer", ScrollBarRender)
    monkeypatch.setattr(sys.modules[ReviewScreen.__module__], "datetime", FrozenDatetime)
    yield
    monkeypatch.undo()
    time.tzset()


async def station_login(pilot) -> None:
    await pilot.press(*"Anna", "enter", *"4321", "enter")
    await settle(pilot)


async def settle(pilot) -> None:
    """Wait for the workers, then until two pictures in a row are the same (on a loaded machine
    a layout change, such as scrolling to the focused field, can come a few pauses later)."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    previous = None
    for _ in range(50):
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        picture = pilot.app.export_screenshot()
        if picture == previous:
            return
        previous = picture


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_station_queue(snap_compare, tmp_path, frozen, size):
    app, store, _ = make_test_app(tmp_path, mode="supervisor")
    seed(store)
    assert snap_compare(app, terminal_size=size, run_before=station_login)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_station_entry(snap_compare, tmp_path, frozen, size):
    app, store, _ = make_test_app(tmp_path, mode="supervisor")
    seed(store)

    async def open_idea(pilot):
        await station_login(pilot)
        await pilot.press("down", "down", "down", "enter")  # the answered carton idea
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=open_idea)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_kiosk_export_screen(snap_compare, tmp_path, frozen, monkeypatch, size):
    app, store, _ = make_test_app(tmp_path, frame_period=30.0)
    seed(store, author=pseudonym(app.config.site_key, BADGE))
    monkeypatch.setattr(exchange, "new_batch_id", lambda: 0x2A5)
    monkeypatch.setattr(exchange, "now_iso", lambda: iso(NOW))

    async def export(pilot):
        transfer.open_export(pilot.app)
        await settle(pilot)  # sealing the batch
        await settle(pilot)  # drawing its codes for the screen's size

    assert snap_compare(app, terminal_size=size, run_before=export)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_station_feed(snap_compare, tmp_path, frozen, size):
    app, store, _ = make_test_app(tmp_path)
    seed(store, author=pseudonym(app.config.site_key, BADGE))

    async def feed(pilot):
        await pilot.press(*BADGE, "enter")
        await settle(pilot)
        await pilot.press("escape")  # skips the follow-up of a seeded plan (test_ui_learning.py)
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.press("f3")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=feed)
