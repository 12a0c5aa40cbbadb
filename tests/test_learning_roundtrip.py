"""The whole learning loop in one trip over real QR codes read by zxing-cpp (issue 13): a kiosk
sends entries with a follow-up answer and a pulse, the station answers an anonymous entry that
has a reply code and shares a lesson, the kiosk reads it all back. Importing twice changes
nothing, and the receipts close both directions."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.entries import Response, now_iso
from kiosk.learning import lessons, reply_codes
from kiosk.learning.records import learning_records
from kiosk.sync import exchange
from support.screen_codes import files_of
from tests.test_sync_learning import answer, planned, pulse
from tests.test_sync_lessons import over_qr
from tests.test_sync_roundtrip import config, kiosk, station, station_config  # noqa: F401


@pytest.mark.parametrize("protocol", [3, 2])
def test_follow_up_pulse_lesson_and_reply_code_go_round_over_qr(config, kiosk, station_config,
                                                                station, protocol):
    tried, anonymous_one = planned(config, 2, seed=40 + protocol)
    anonymous = replace(anonymous_one, author=None, next_step="",
                        what_happened="The guard of press 2 is loose.")
    kiosk.save_many([tried, anonymous])
    answer(kiosk, tried, "worked", "The new jig held all shift.")
    pulse(kiosk, config, 4, 3, 2)
    code = reply_codes.issue(kiosk, anonymous)

    sent = exchange.export_entries(kiosk, config)
    report = exchange.import_batch(station, station_config,
                                   over_qr(sent, station_config.site_key, protocol))
    assert (report.added, report.followups, report.pulses) == (2, 1, 1)
    [followed] = learning_records(station).followups()
    assert (followed.entry_id, followed.answer) == (tried.id, "worked")
    [week] = learning_records(station).pulses()
    assert (week.learned, week.heard, week.pressure) == (4, 3, 2)
    station_files = files_of(station_config.data_dir)
    assert exchange.import_batch(station, station_config,
                                 over_qr(sent, station_config.site_key, protocol)).again
    assert files_of(station_config.data_dir) == station_files
    assert exchange.apply_receipt(kiosk, config, report.receipt).learning == 2

    reply = Response(now_iso(), "Team leader", "Guard fixed, thanks for telling.")
    station.save(station.get(anonymous.id).touched(responses=[reply]))
    lesson = lessons.share_lesson(station, tried.id, title="Jig for the burrs",
                                  text="A jig on the press stops the burrs.", by="Anna")
    back = exchange.export_replies(station, station_config, config.kiosk_id)
    got = exchange.import_batch(kiosk, config, over_qr(back, config.site_key, protocol))
    assert (got.updated, got.lessons) == (1, 1)
    [arrived] = lessons.received_lessons(kiosk)
    assert (arrived.id, arrived.text) == (lesson.id, lesson.text)
    found = reply_codes.check_code(kiosk, config, code)
    assert found.entry.id == anonymous.id and found.entry.responses == [reply]
    kiosk_files = files_of(config.data_dir)
    assert exchange.import_batch(kiosk, config, over_qr(back, config.site_key, protocol)).again
    assert files_of(config.data_dir) == kiosk_files
    assert exchange.apply_receipt(station, station_config, got.receipt).lessons == 1
    assert exchange.export_replies(station, station_config, config.kiosk_id) is None
