"""Hardening: privacy promises across the parts.

- An anonymous entry carries nothing that links it to a badge: no author, no draft left behind,
  no meta or audit record naming it with a pseudonym - even right after the same worker was
  logged in with their badge on this kiosk.
- A private entry never leaves the kiosk and is never shown to others: not in an export batch,
  not in the station feed, not in the supervisor's queue, insights or weekly report.
Retention (store and old backups) and the minimum group size are proven elsewhere; see
SECURITY.md (test_ops_backup.py, test_review_insights.py).
"""

from __future__ import annotations

from datetime import datetime, timezone

from kiosk.config import load_config
from kiosk.identity import pseudonym
from kiosk.review.insights import insights_for
from kiosk.review.queue import ReviewIndex
from kiosk.review.report import build_report, render
from kiosk.ids import week_key
from kiosk.store import Store
from kiosk.sync import exchange
from kiosk.sync.codec import decode_lines
from kiosk.ui.screens.capture import CaptureScreen
from kiosk.ui.screens.feed import FeedScreen
from kiosk.ui.screens.saved import SavedScreen
from tests.conftest import build_entry
from tests.ui_helpers import make_test_app, screen_text

BADGE = "BADGE-0042"
SECRET = "Zwartkruid"  # a word only the private entry contains


def all_bytes(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


async def test_an_anonymous_entry_right_after_a_badge_session_carries_no_link(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    who = pseudonym(app.config.site_key, BADGE)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*BADGE, "enter")
        await pilot.pause()
        app.screen.query_one("#what_happened").load_text("A draft with my badge")
        await pilot.pause()
        await pilot.press("f10")  # log out: the badge draft is kept for that badge only
        await pilot.pause()
        await pilot.press("f2")  # the same person, now without a badge
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen) and app.session.anonymous
        assert app.screen.query_one("#what_happened").text == ""  # not the badge draft
        app.screen.query_one("#what_happened").load_text("Anonymous: the guard is loose")
        app.screen._changed()
        app.screen.save_draft()  # even a draft written meanwhile must go
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, SavedScreen)
    store.close()
    with Store(tmp_path, readonly=True) as again:
        [anon] = [e for e in again.entries() if e.what_happened.startswith("Anonymous")]
        assert anon.author is None
        assert again.load_draft(who)["what_happened"] == "A draft with my badge"
        drafts = again._drafts.table("drafts").all()
        assert [d["key"] for d in drafts] == [who]  # no anonymous draft left behind
    files = all_bytes(tmp_path)
    week_file = f"entries/{week_key(anon.id)}.json"
    for name, raw in files.items():
        if name != week_file:
            assert anon.id.encode() not in raw, name  # no meta/audit/draft names the entry
            assert b"Anonymous: the guard" not in raw, name
    record = files[week_file].split(anon.id.encode())[1].split(b"}", 1)[0]
    assert who.encode() not in record and BADGE.encode() not in files[week_file]


def _shared_and_private(store: Store, station: str) -> None:
    now = datetime.now(timezone.utc).timestamp()
    for i in range(12):
        store.save(build_entry(at=now - 3600 * (i + 1), station=station, category="safety",
                               title="",
                               what_happened=f"Shared observation number {i} about the guard"))
    for visibility in ("private",):
        store.save(build_entry(at=now - 600, station=station, visibility=visibility,
                               category="safety", title=f"{SECRET} note",
                               what_happened=f"{SECRET} is what I think of the line lead"))


async def test_a_private_entry_is_never_exported_nor_in_the_feed(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    _shared_and_private(store, app.config.station)
    batch = exchange.export_entries(store, app.config)
    [decoded] = decode_lines(batch.frames(), app.config.site_key)
    from kiosk.sync.payload import unpack_entries

    sent = unpack_entries(decoded.document)
    assert len(sent) == 12 and all(SECRET not in e.what_happened for e in sent)
    assert all(SECRET.encode() not in f.encode() for f in batch.frames())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*BADGE, "enter")
        await pilot.pause()
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, FeedScreen)
        text = screen_text(app)
        assert "Shared observation number 0" in text and SECRET not in text


def test_a_private_entry_is_never_seen_at_the_supervisor_station(tmp_path):
    """Even if a private entry sits in the station's own store (a kiosk and a station sharing a
    device, or a restored backup): queue, search, insights and the report leave it out."""
    config = load_config(env={}).with_changes(data_dir=tmp_path, mode="supervisor")
    with Store(tmp_path) as store:
        _shared_and_private(store, "Assembly 1")
        index = ReviewIndex(store)
        index.load()
        assert len(index) == 12
        total, items = index.filter(limit=None)
        assert total == 12 and all(SECRET not in repr(item) for item in items)
        assert index.filter(text=SECRET) == (0, [])
        insights = insights_for(index, min_group_size=config.min_group_size)
        assert SECRET.lower() not in repr(insights).lower()
        week = week_key(next(iter(store.entries())).id)
        report = build_report(store, week, index=index, min_group_size=config.min_group_size)
        for fmt in ("md", "html", "csv"):
            assert SECRET not in render(report, fmt, "en"), fmt
