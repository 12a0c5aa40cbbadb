"""Hardening: hostile text wherever it is shown. Markup, action links, ANSI escapes, control
characters, right-to-left text, emoji and a 100 KB scanner paste are stored as typed, shown
literally (control characters as a visible placeholder), never interpreted, never crashing the
layout: in the capture screen, the feed, the entry detail, the supervisor's queue and entry
screen, the weekly report (md, html) and after a sync import.

Already proven elsewhere: storage round trip (test_entries.py test_hostile_text_is_stored_
exactly_as_typed), feed/detail basics (test_ui_worker.py test_hostile_text_is_stored_and_shown_
literally), report escaping (test_review_report.py test_user_text_is_escaped_everywhere,
test_control_characters_never_reach_the_report), CLI listing (test_cli_core.py, test_review_cli.py).
"""

from __future__ import annotations

from dataclasses import replace

from textual import events

from kiosk.config import load_config
from kiosk.entries import MAX_FIELD_CHARS
from kiosk.review.report import build_report, render
from kiosk.ids import week_key
from kiosk.store import Store
from kiosk.sync import exchange
from kiosk.sync.codec import decode_lines
from kiosk.ui.screens.capture import CaptureScreen
from kiosk.ui.screens.feed import EntryDetailScreen, FeedScreen
from kiosk.ui.screens.saved import SavedScreen
from kiosk.ui.screens.station.entry import EntryReviewScreen
from kiosk.ui.screens.station.queue import ReviewScreen
from tests.conftest import build_entry
from tests.ui_helpers import make_test_app, screen_text

MARKUP = "[bold red]BOOM[/] [@click=app.quit]quit me[/] [link=https://evil.example]x[/link]"
ANSI = "\x1b[31mred\x1b[0m \x1b]0;owned\x07 \x1b[2J\x1b[H"
CONTROL = "NUL\x00 BEL\x07 BS\x08 DEL\x7f C1\x9b"  # (a text area turns CR into a new line)
RTL = "RTL مرحبا ‮evil‬ שלום"
EMOJI = "👷‍♀️🔧⚠️ 🇳🇱 👍🏽"
HOSTILE = f"{MARKUP}\n{ANSI}\n{CONTROL}\n{RTL}\n{EMOJI}"
PASTE = ("SCANNER-CONTINUOUS-0123456789 " * 3500)[:100_000]


def assert_literal(text: str) -> None:
    """What a screen shows: markup as typed, no raw escape or control character."""
    assert "[bold red]BOOM[/]" in text and "[@click=app.quit]quit me[/]" in text
    assert "مرحبا" in text and "👷" in text
    for raw in ("\x1b", "\x00", "\x07", "\x08", "\x7f", "\x9b"):
        assert raw not in text, repr(raw)


def hostile_entry(**changes):
    values = dict(title=MARKUP[:120], what_happened=HOSTILE, noticed=ANSI + CONTROL,
                  learned=RTL + EMOJI, next_step=MARKUP, station="Assembly 1", author="otter-17")
    values.update(changes)
    return build_entry(**values)


async def test_hostile_text_in_the_capture_feed_and_detail(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"BADGE-0042", "enter")
        await pilot.pause()
        area = app.screen.query_one("#what_happened")
        area.load_text(HOSTILE)
        await pilot.pause()
        assert area.text == HOSTILE
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, SavedScreen)
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, FeedScreen)
        feed = screen_text(app)  # one line per entry: the headline
        assert "[bold red]BOOM[/] [@click=app.quit]quit me[/]" in feed and "\x1b" not in feed
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EntryDetailScreen)
        shown = screen_text(app)
        assert_literal(shown)
        assert "\N{REPLACEMENT CHARACTER}" in shown  # control characters shown, not obeyed
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        assert app.is_running and app.return_code is None
    [entry] = list(store.entries())
    assert entry.what_happened == HOSTILE  # stored exactly as typed


async def test_a_100_kb_paste_into_a_capture_field_keeps_the_app_and_the_text(tmp_path):
    app, store, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"BADGE-0042", "enter")
        await pilot.pause()
        area = app.screen.query_one("#what_happened")
        area.focus()
        await pilot.pause()
        app.post_message(events.Paste(PASTE))  # as the terminal delivers it
        await pilot.pause()
        assert area.text == PASTE
        await pilot.press("f2")  # too long for one field: a clear message, nothing lost
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen)
        messages = " ".join(str(n.message) for n in app._notifications)
        assert "what_happened" in messages or "long" in messages.lower(), messages
        assert area.text == PASTE
        assert app.screen.save_draft() is True
        key = app.session.draft_key(app.config.station)
        assert store.load_draft(key)["what_happened"] == PASTE  # the draft keeps all of it
        area.load_text(PASTE[:MAX_FIELD_CHARS])
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, SavedScreen)
        assert app.screen.query("*")  # layout still there
    [entry] = list(store.entries())
    assert entry.what_happened == PASTE[:MAX_FIELD_CHARS]


async def test_a_100_kb_scan_at_the_login_is_just_a_bad_badge(tmp_path):
    app, _, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.post_message(events.Paste(PASTE))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running
        text = screen_text(app)
        assert "SCANNER-CONTINUOUS" not in text  # a badge field never echoes what was typed


async def test_hostile_text_at_the_supervisor_queue_and_entry(tmp_path):
    app, store, _ = make_test_app(tmp_path, mode="supervisor")
    entry = store.save(hostile_entry(kind="idea"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"Anna", "enter", *"4321", "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        queue = app.screen.query_one("#queue")
        rendered = " ".join(str(cell) for row in range(queue.row_count)
                            for cell in queue.get_row_at(row))
        assert "[bold red]BOOM[/]" in rendered and "\x1b" not in rendered
        queue.focus()
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, EntryReviewScreen)
        assert_literal(screen_text(app))
        assert app.is_running and app.return_code is None
    assert store.get(entry.id).what_happened == HOSTILE


def test_hostile_text_in_the_weekly_report(tmp_path):
    with Store(tmp_path) as store:
        entry = store.save(hostile_entry())
        report = build_report(store, week_key(entry.id), min_group_size=1)
        markdown, page = render(report, "md", "en"), render(report, "html", "en")
    for out in (markdown, page):
        for raw in ("\x1b", "\x00", "\x07", "\x08", "\x9b"):
            assert raw not in out, repr(raw)
    assert "<script" not in page and "[@click" not in page.replace("[@click=app.quit]", "")
    assert "https://evil.example" not in page.split("<body")[0]  # no link in the page head
    assert "\\[bold red\\]" in markdown or "[bold red]" not in markdown  # escaped in markdown


def test_hostile_entries_cross_sync_exactly(tmp_path):
    kiosk_config = load_config(env={}).with_changes(data_dir=tmp_path / "kiosk")
    station_config = kiosk_config.with_changes(data_dir=tmp_path / "station", mode="supervisor",
                                               kiosk_id="station-1")
    sent = [hostile_entry(), hostile_entry(what_happened=PASTE[:MAX_FIELD_CHARS],
                                           title=EMOJI, author=None)]
    with Store(kiosk_config.data_dir) as kiosk:
        kiosk.save_many(sent)
        batch = exchange.export_entries(kiosk, kiosk_config)
    with Store(station_config.data_dir) as station:
        for received in decode_lines(batch.frames(), station_config.site_key):
            exchange.import_batch(station, station_config, received)
        for entry in sent:
            assert replace(station.get(entry.id), sync="-") == replace(entry, sync="-")
