"""The return batch's shared lessons and a reply-code answer, end to end over real QR codes
(rendered cells decoded by zxing-cpp): kiosk -> station -> kiosk, importing twice, withdrawals,
and the batches of before (protocol 2, return batches without lessons) still importing."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.entries import Response, now_iso
from kiosk.i18n import Strings
from kiosk.learning import lessons, reply_codes
from kiosk.store import Store
from kiosk.sync import exchange, qr, return_lessons
from kiosk.sync.codec import TYPE_RETURN, decode_lines, digest, new_batch_id, seal
from kiosk.sync.collect import FrameCollector
from kiosk.sync.errors import PayloadError
from kiosk.sync.outgoing import OutgoingBatch
from kiosk.sync.payload import Reply, compress, pack_replies, unpack_replies
from support.samples import sample_entries
from tests.test_sync_roundtrip import (config, files_of, kiosk, scan_screen,  # noqa: F401
                                       station, station_config)


def over_qr(batch: OutgoingBatch, site_key: str, protocol: int = 3):
    """The batch as the 80x24 screen shows it, read back by zxing-cpp and collected."""
    size = qr.frame_size_for(80, 24)
    collector = FrameCollector(site_key)
    results = [collector.add(text)
               for text in scan_screen(batch.frames(size.max_chars, protocol=protocol), size)]
    assert results[-1].batch is not None, [r.status for r in results]
    return results[-1].batch


def to_station(kiosk_store, kiosk_config, station_store, station_config):
    batch = exchange.export_entries(kiosk_store, kiosk_config)
    return exchange.import_batch(station_store, station_config,
                                 over_qr(batch, station_config.site_key))


@pytest.fixture
def other_kiosk(config, tmp_path):
    """A second kiosk, at another station of the site."""
    other = config.with_changes(kiosk_id="kiosk-paint", station="Paint shop",
                                data_dir=tmp_path / "paint")
    with Store(other.data_dir) as store:
        yield other, store


def test_lessons_and_a_reply_code_answer_make_the_round_trip_over_qr(
        config, kiosk, station_config, station, other_kiosk):
    paint_config, paint = other_kiosk
    mine = sample_entries(3, seed=21, kiosk_id=config.kiosk_id)
    anonymous = replace(mine[0], author=None, what_happened="The guard of press 2 is loose.")
    kiosk.save_many([anonymous, *mine[1:]])
    code = reply_codes.issue(kiosk, anonymous)
    idea = replace(sample_entries(1, seed=22, kiosk_id=paint_config.kiosk_id)[0], kind="idea",
                   station="Paint shop", author="w-PAINTER1", title="Tape the edges first",
                   learned="Taping the edges first stops the drips.")
    paint.save(idea)
    to_station(kiosk, config, station, station_config)
    to_station(paint, paint_config, station, station_config)

    answer = Response(now_iso(), "Team leader", "Fixed the guard, thank you for telling.")
    station.save(station.get(anonymous.id).touched(responses=[answer]))
    station.save(station.get(idea.id).touched(status="adopted"))
    shared = lessons.share_lesson(station, idea.id, title="Tape the edges first",
                                  text="Tape the edges before painting: no drips.", by="Anna")
    ret = exchange.export_replies(station, station_config, config.kiosk_id)
    assert (ret.count, ret.lessons) == (1, 1)

    report = exchange.import_batch(kiosk, config, over_qr(ret, config.site_key))
    assert (report.updated, report.lessons) == (1, 1)
    [got] = lessons.received_lessons(kiosk)
    assert got == replace(shared, status="adopted")  # the idea's status as it is now
    assert (got.station, got.kind, got.text) == ("Paint shop", "idea", shared.text)
    stored = (config.data_dir / "lessons.json").read_text(encoding="utf-8")
    assert "w-PAINTER1" not in stored and idea.id not in stored and "Tape the edges" in stored
    assert idea.created[11:19] not in stored  # the day only, no time of day

    found = reply_codes.check_code(kiosk, config, code.lower().replace("-", " "))
    assert found.entry.id == anonymous.id and found.entry.responses == [answer]
    assert code not in (config.data_dir / "reply_codes.json").read_text(encoding="utf-8")
    station_files = "".join(p.read_text(encoding="utf-8", errors="replace")
                            for p in station_config.data_dir.rglob("*.json*"))
    assert code not in station_files and code.replace("-", "") not in station_files
    assert reply_codes.has_code(kiosk, anonymous.id)  # the code never travels; its hash stays

    files = files_of(config.data_dir)
    again = exchange.import_batch(kiosk, config, over_qr(ret, config.site_key))
    assert (again.again, again.updated, again.lessons) == (True, 0, 0)
    assert files_of(config.data_dir) == files

    receipt = exchange.apply_receipt(station, station_config, report.receipt)
    assert (receipt.marked, receipt.lessons) == (1, 1)
    assert "1 shared lesson" in receipt.message().text("en")
    assert exchange.export_replies(station, station_config, config.kiosk_id) is None
    # the other kiosk gets the lesson too: every kiosk does
    theirs = exchange.export_replies(station, station_config, paint_config.kiosk_id)
    assert theirs.lessons == 1


def test_a_lesson_taken_back_leaves_the_kiosks_that_got_it(config, kiosk, station_config,
                                                            station):
    entries = sample_entries(2, seed=23, kiosk_id=config.kiosk_id)
    kiosk.save_many(entries)
    to_station(kiosk, config, station, station_config)
    lessons.share_lesson(station, entries[0].id, title="", text="Check the seal first.", by="Anna")
    first = exchange.export_replies(station, station_config)
    report = exchange.import_batch(kiosk, config, over_qr(first, config.site_key))
    exchange.apply_receipt(station, station_config, report.receipt)
    assert [x.text for x in lessons.received_lessons(kiosk)] == ["Check the seal first."]

    assert lessons.withdraw_lesson(station, entries[0].id, by="Anna")
    back = exchange.export_replies(station, station_config)
    assert (back.count, back.lessons) == (0, 1)
    assert back.summary(Strings("en")).endswith(": 1 shared lesson")
    report = exchange.import_batch(kiosk, config, over_qr(back, config.site_key))
    assert report.lessons == 1 and lessons.received_lessons(kiosk) == []
    exchange.apply_receipt(station, station_config, report.receipt)
    assert exchange.export_replies(station, station_config) is None
    # a kiosk that never got the lesson gets no word of it either
    station.save(replace(sample_entries(1, seed=24, kiosk_id="kiosk-new")[0]))
    assert exchange.export_replies(station, station_config, "kiosk-new") is None


def test_a_new_wording_or_status_goes_again_under_the_same_id(config, kiosk, station_config,
                                                               station):
    [idea] = sample_entries(1, seed=25, kiosk_id=config.kiosk_id)
    kiosk.save(replace(idea, kind="idea"))
    to_station(kiosk, config, station, station_config)
    first = lessons.share_lesson(station, idea.id, title="T", text="One way.", by="Anna")
    report = exchange.import_batch(kiosk, config, over_qr(
        exchange.export_replies(station, station_config), config.site_key))
    exchange.apply_receipt(station, station_config, report.receipt)
    second = lessons.share_lesson(station, idea.id, title="T", text="A better way.", by="Anna")
    assert second.id == first.id
    station.save(station.get(idea.id).touched(status="trying"))
    report = exchange.import_batch(kiosk, config, over_qr(
        exchange.export_replies(station, station_config), config.site_key))
    assert report.lessons == 1
    [got] = lessons.received_lessons(kiosk)
    assert (got.id, got.text, got.status) == (first.id, "A better way.", "trying")


def test_protocol_2_frames_of_a_return_batch_with_lessons_still_import(config, kiosk,
                                                                       station_config, station):
    entries = sample_entries(2, seed=26, kiosk_id=config.kiosk_id)
    kiosk.save_many(entries)
    to_station(kiosk, config, station, station_config)
    lessons.share_lesson(station, entries[1].id, title="", text="Label both ends.", by="Anna")
    ret = exchange.export_replies(station, station_config)
    report = exchange.import_batch(kiosk, config, over_qr(ret, config.site_key, protocol=2))
    assert report.lessons == 1


def old_return_batch(station_config, kiosk_id: str, replies: list[Reply]) -> OutgoingBatch:
    """A return batch as the app made it before shared lessons: `e` only, no `sl`."""
    header = {"t": TYPE_RETURN, "f": station_config.kiosk_id, "m": now_iso(), "to": kiosk_id}
    payload = compress(pack_replies(replies, header))
    batch_id = new_batch_id()
    return OutgoingBatch(TYPE_RETURN, batch_id, seal(payload, station_config.site_key,
                                                     TYPE_RETURN, batch_id),
                         digest(payload), [r.id for r in replies], header["m"], kiosk_id)


def test_a_return_batch_without_lessons_imports_as_before(config, kiosk, station_config, station):
    [entry] = sample_entries(1, seed=27, kiosk_id=config.kiosk_id)
    kiosk.save(entry)
    answered = entry.touched(responses=[Response(now_iso(), "Team leader", "Good one.")])
    old = old_return_batch(station_config, config.kiosk_id, [Reply.of(answered)])
    report = exchange.import_batch(kiosk, config, over_qr(old, config.site_key))
    assert (report.updated, report.lessons) == (1, 0)
    assert not (config.data_dir / "lessons.json").exists()
    # and a station with nothing shared makes exactly that shape: no `sl` key
    station.save(answered.touched(status="seen"))
    [opened] = decode_lines(exchange.export_replies(station, station_config).frames(),
                            config.site_key)
    assert "sl" not in opened.document


def test_a_kiosk_app_of_before_reads_the_answers_of_a_batch_with_lessons(
        config, kiosk, station_config, station):
    [entry] = sample_entries(1, seed=28, kiosk_id=config.kiosk_id)
    station.save(entry.touched(responses=[Response(now_iso(), "Team leader", "Yes.")]))
    lessons.share_lesson(station, entry.id, title="", text="Ask early.", by="Anna")
    [opened] = decode_lines(exchange.export_replies(station, station_config).frames(),
                            config.site_key)
    assert "sl" in opened.document
    # the reply reader of before reads `e` and leaves other keys alone
    assert [r.id for r in unpack_replies(opened.document)] == [entry.id]


@pytest.mark.parametrize("bad", [
    "not a list", [{"i": "not an id", "st": "A", "d": "2026-01-01", "c": 0, "g": "nl", "x": "t"}],
    [{"i": "01JNDA0KEGGPHFPGQR7SCKGARX", "st": "A", "d": "yesterday", "c": 0, "g": "nl",
      "x": "t"}],
    [{"i": "01JNDA0KEGGPHFPGQR7SCKGARX", "st": "A", "d": "2026-01-01", "c": 0, "g": "nl",
      "x": ""}],
])
def test_a_malformed_lesson_refuses_the_whole_batch(config, kiosk, station_config, bad):
    [entry] = sample_entries(1, seed=29, kiosk_id=config.kiosk_id)
    kiosk.save(entry)
    answered = entry.touched(responses=[Response(now_iso(), "Team leader", "Noted.")])
    header = {"t": TYPE_RETURN, "f": "station-1", "m": now_iso(), "to": config.kiosk_id,
              "sl": bad}
    payload = compress(pack_replies([Reply.of(answered)], header))
    batch = OutgoingBatch(TYPE_RETURN, 7, seal(payload, config.site_key, TYPE_RETURN, 7),
                          digest(payload), [entry.id], header["m"], config.kiosk_id)
    [opened] = decode_lines(batch.frames(), config.site_key)
    before = files_of(config.data_dir)
    with pytest.raises(PayloadError, match="shared lesson"):
        exchange.import_batch(kiosk, config, opened)
    assert files_of(config.data_dir) == before


def test_the_command_line_shares_carries_and_lists_lessons(run_kiosk, tmp_path, config):
    """`kiosk lessons share` at the station, `kiosk export --return --file` / `kiosk import
    --file` over a USB stick, `kiosk lessons list` at the kiosk."""
    [entry] = sample_entries(1, seed=30, kiosk_id=config.kiosk_id)
    with Store(tmp_path / "station") as station:
        entry = replace(entry, visibility="team", learned="Check the seal before the start.")
        station.save(entry)
    station_env = {"KIOSK_MODE": "supervisor", "KIOSK_DATA_DIR": str(tmp_path / "station")}
    kiosk_env = {"KIOSK_DATA_DIR": str(tmp_path / "kiosk-data")}
    refused = run_kiosk("lessons", "share", entry.id, "--by", "Anna", env=kiosk_env)
    assert refused.returncode == 2 and "supervisor station" in refused.stderr
    shared = run_kiosk("lessons", "share", entry.id, "--by", "Anna", env=station_env)
    assert shared.returncode == 0, shared.stderr
    stick = tmp_path / "return.txt"
    made = run_kiosk("export", "--return", "--kiosk", config.kiosk_id, "--file", str(stick),
                     env=station_env)
    assert made.returncode == 0, made.stderr
    with Store(tmp_path / "kiosk-data") as kiosk_store:
        kiosk_store.save(entry)
    imported = run_kiosk("import", "--file", str(stick), env=kiosk_env)
    assert imported.returncode == 0 and "1 shared lesson" in imported.stdout, imported.stdout
    listed = run_kiosk("lessons", "list", "--json", env=kiosk_env)
    [lesson] = json.loads(listed.stdout)
    assert lesson["text"] == "Check the seal before the start." and "author" not in lesson


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.sampled_from(["i", "st", "d", "n", "c", "s", "g", "h",
                                                       "x", "w", "zz"]), inner, max_size=9),
                    max_leaves=20))
def test_any_shared_lessons_value_gives_lessons_or_a_payload_error(value):
    try:
        found = return_lessons.unpack({"sl": value})
    except PayloadError:
        return
    for lesson_id, lesson in found:
        assert isinstance(lesson_id, str) and (lesson is None or lesson.validate() is lesson)
