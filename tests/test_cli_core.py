"""The core CLI (`entries list`, `demo-data`) end to end in a subprocess, the command line as an
adapter (every command group registered, argparse only in kiosk/cli and kiosk/ui), and the demo
generator behind `demo-data`: realistic, varied, spread over time, content from content/demo/."""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import fields
from datetime import timedelta
from pathlib import Path

import pytest

import kiosk
from kiosk.cli import build_parser, main
from kiosk.config import load_config
from kiosk.demo import AREAS, DemoContentError, fill_demo_data, generate, load_content
from kiosk.entries import CATEGORIES, KINDS, REFLECTION_FIELDS, Entry, parse_time
from kiosk.ids import id_time
from kiosk.paths import content_dir
from kiosk.ids import week_key
from kiosk.store import Store

from conftest import build_entry

ENTRY_FIELDS = {f.name for f in fields(Entry)}
DAY = 86400.0


# -- the CLI ------------------------------------------------------------------------------------
def test_demo_data_then_json_listing_gives_every_entry_with_every_field(data_dir, run_kiosk):
    made = run_kiosk("--data-dir", str(data_dir), "demo-data", "--count", "50", "--seed", "1")
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == f"Added 50 demo entries to {data_dir}"

    listed = run_kiosk("--data-dir", str(data_dir), "entries", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    records = json.loads(listed.stdout)
    assert len(records) == 50
    assert len({r["id"] for r in records}) == 50
    for record in records:
        assert set(record) == ENTRY_FIELDS
        entry = Entry.from_dict(record)  # every record validates
        assert entry.to_dict() == record
        assert all(isinstance(record[name], str) for name in REFLECTION_FIELDS)
    assert [r["id"] for r in records] == sorted(r["id"] for r in records)  # oldest first


def test_plain_listing_shows_each_entry_and_a_total(data_dir, run_kiosk):
    assert run_kiosk("--data-dir", str(data_dir), "demo-data", "--count", "12",
                     "--seed", "2").returncode == 0
    with Store(data_dir, readonly=True) as store:
        entries = list(store.entries())
    listed = run_kiosk("--data-dir", str(data_dir), "entries", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split()[1] for line in lines if line.startswith("== ")] == [e.id for e in entries]
    assert f'   what_happened: {json.dumps(entries[0].what_happened, ensure_ascii=False)}' in lines
    assert lines[-1] == f"12 entries in {data_dir}"


def test_listing_an_empty_folder_says_so(data_dir, run_kiosk):
    data_dir.mkdir()
    listed = run_kiosk("--data-dir", str(data_dir), "entries", "list")
    assert listed.returncode == 0
    assert listed.stdout.strip() == f"No entries in {data_dir}."
    as_json = run_kiosk("--data-dir", str(data_dir), "entries", "list", "--json")
    assert json.loads(as_json.stdout) == []


def test_listing_a_missing_folder_fails_cleanly(tmp_path, run_kiosk):
    listed = run_kiosk("--data-dir", str(tmp_path / "nope"), "entries", "list")
    assert listed.returncode == 3
    assert "No kiosk data folder" in listed.stderr and "Traceback" not in listed.stderr


def test_demo_data_rejects_a_zero_count_and_adds_to_existing_entries(data_dir, run_kiosk):
    bad = run_kiosk("--data-dir", str(data_dir), "demo-data", "--count", "0")
    assert bad.returncode == 2 and "--count must be at least 1" in bad.stderr
    for count in ("10", "5"):
        assert run_kiosk("--data-dir", str(data_dir), "demo-data", "--count", count,
                         "--stations", "3").returncode == 0
    with Store(data_dir, readonly=True) as store:
        assert store.count() == 15


# -- the command line is an adapter ------------------------------------------------------------
COMMANDS = {"run", "entries", "demo-data", "pin", "models", "suggest", "export", "import",
            "receipt", "doctor", "backup", "restore", "retention", "report", "insights", "review",
            "lessons"}
PACKAGE = Path(kiosk.__file__).parent


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.update(action.choices)
    return found


def test_every_command_group_is_registered_and_every_command_has_help(capsys):
    parser = build_parser()
    assert set(_subcommands(parser)) == COMMANDS
    leaves = []
    for name, command in _subcommands(parser).items():
        actions = _subcommands(command)
        leaves += [[name, action] for action in actions] or [[name]]
    assert len(leaves) > len(COMMANDS)  # the ACTION levels were seen too
    for words in leaves:
        with pytest.raises(SystemExit) as done:
            main([*words, "--help"])
        assert done.value.code == 0, words
        usage = capsys.readouterr().out.split()
        assert usage[:2 + len(words)] == ["usage:", "kiosk", *words], words


def _imports_argparse(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
        if any(name.split(".")[0] == "argparse" for name in names):
            return True
    return False


def test_no_module_outside_the_cli_and_the_ui_imports_argparse():
    domain = [p for p in sorted(PACKAGE.rglob("*.py"))
              if p.relative_to(PACKAGE).parts[0] not in ("cli", "ui")]
    assert len(domain) > 30 and _imports_argparse(PACKAGE / "cli" / "__init__.py")  # sees it
    assert [str(p.relative_to(PACKAGE)) for p in domain if _imports_argparse(p)] == []
    modules = [".".join(("kiosk", *p.relative_to(PACKAGE).with_suffix("").parts))
               .removesuffix(".__init__") for p in domain if p.name != "__main__.py"]
    code = "".join(f"import {m}\n" for m in modules) + (
        "import sys\nprint(sorted(m for m in sys.modules if m == 'argparse' "
        "or m.startswith('kiosk.cli')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# -- demo content ---------------------------------------------------------------------------
@pytest.mark.parametrize("language", ["en", "nl"])
def test_demo_content_has_30_plus_complete_templates_covering_everything(language):
    content = load_content(language)
    assert content.language == language
    assert len(content.templates) >= 30
    assert len({t.title for t in content.templates}) == len(content.templates)
    for template in content.templates:
        for name in ("title", *REFLECTION_FIELDS):
            assert getattr(template, name).strip(), (template.title, name)
        assert len(template.title) <= 80  # short titles
    assert {t.kind for t in content.templates} == set(KINDS)
    assert {t.category for t in content.templates} == set(CATEGORIES)
    assert {t.area for t in content.templates} == set(AREAS)


def test_demo_texts_live_in_content_not_in_code():
    code = (Path(__file__).parent.parent / "kiosk" / "demo.py").read_text("utf-8")
    for language in ("en", "nl"):
        for template in load_content(language).templates:
            assert template.what_happened[:30] not in code
    assert (content_dir() / "demo" / "en.toml").is_file()


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.replace('learned = "A tool from', 'lessons = "A tool from', 1), "entry[0]"),
    (lambda t: t.replace("{tool}", "{gadget}", 1), "unknown placeholder {gadget}"),
    (lambda t: t.replace('category = "quality"', 'category = "gossip"', 1), "entry[0].category"),
    (lambda t: t.replace('kind = "observation"', 'kind = "rant"', 1), "entry[0].kind"),
    (lambda t: t.replace("[responses]", "[answers]", 1), "[responses] is missing"),
    (lambda t: t + "\n[[entry\n", "not valid TOML"),
])
def test_broken_demo_content_names_the_problem(tmp_path, change, message):
    original = (content_dir() / "demo" / "en.toml").read_text("utf-8")
    (tmp_path / "en.toml").write_text(change(original), "utf-8")
    with pytest.raises(DemoContentError) as caught:
        load_content("en", tmp_path)
    assert message in str(caught.value) and "en.toml" in str(caught.value)


# -- demo entries ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def year_of_three_stations(tmp_path_factory) -> tuple[list[Entry], float]:
    """3,000 demo entries from three stations, generated once for the checks below."""
    config = load_config(env={})
    now = time.time()
    return list(generate(config, count=3000, seed=11, stations=3, now=now)), now


def test_demo_entries_are_valid_and_ids_match_their_creation_time(year_of_three_stations):
    entries, now = year_of_three_stations
    for entry in entries:
        Entry.from_dict(entry.to_dict())
        created = parse_time(entry.created)
        assert id_time(entry.id) == created
        assert parse_time(entry.updated) >= created
        assert created.timestamp() <= now
        for response in entry.responses:
            assert created < parse_time(response.at) <= parse_time(entry.updated)
    assert len({e.id for e in entries}) == len(entries)
    assert [e.id for e in entries] == sorted(e.id for e in entries)


def test_demo_entries_spread_over_the_default_days(year_of_three_stations):
    entries, now = year_of_three_stations
    first = parse_time(entries[0].created).timestamp()
    span_days = (now - first) / DAY
    assert 30 <= span_days <= 35  # 3,000 entries at ~30 a day per station over 3 stations
    days = Counter(parse_time(e.created).date() for e in entries)
    assert len(days) >= 30 and max(days.values()) < 300  # no day holds a big lump


def test_demo_stations_authors_and_visibility_look_like_a_real_line(year_of_three_stations):
    entries, _ = year_of_three_stations
    config = load_config(env={})
    stations = Counter(e.station for e in entries)
    assert len(stations) == 3 and config.station in stations
    assert stations.most_common(1)[0][0] == config.station
    assert {e.line for e in entries} == {config.line}
    kiosks: dict[str, set[str]] = {}
    for entry in entries:
        kiosks.setdefault(entry.station, set()).add(entry.kiosk_id)
    assert all(len(ids) == 1 for ids in kiosks.values())  # one kiosk per station
    assert kiosks[config.station] == {config.kiosk_id}
    assert len({next(iter(ids)) for ids in kiosks.values()}) == 3
    for station in stations:
        authors = {e.author for e in entries if e.station == station and e.author}
        assert 4 <= len(authors) <= 8  # a handful of badge pseudonyms per station
    anonymous = sum(e.author is None for e in entries) / len(entries)
    assert 0.05 < anonymous < 0.2
    visibility = Counter(e.visibility for e in entries)
    assert visibility["team"] > visibility["supervisor"] > visibility["private"] > 0
    assert all(e.author for e in entries if e.visibility == "private")


def test_demo_entries_have_answers_statuses_suggestions_and_sync_states(year_of_three_stations):
    entries, now = year_of_three_stations
    languages = Counter(e.language for e in entries)
    assert languages["en"] > languages["nl"] > len(entries) * 0.1
    assert {e.kind for e in entries} == set(KINDS)
    assert {e.category for e in entries} == set(CATEGORIES)
    assert {e.status for e in entries if e.kind == "idea"} == {"new", "seen", "trying",
                                                               "adopted", "declined"}
    assert all(e.status_reason for e in entries if e.status == "declined")
    assert all(e.status == "new" for e in entries if e.kind == "observation")
    answered = [e for e in entries if e.responses]
    assert len(entries) * 0.15 < len(answered) < len(entries) * 0.6
    assert all(e.visibility != "private" and e.sync == "synced" for e in answered)
    assert any(e.suggestions for e in entries)
    assert {s.source for e in entries for s in e.suggestions} >= {"bank"}
    recent = [e for e in entries if now - parse_time(e.created).timestamp() < DAY]
    old = [e for e in entries if now - parse_time(e.created).timestamp() > 20 * DAY]
    assert recent and all(e.sync in ("pending", "exported") for e in recent)
    assert sum(e.sync == "synced" for e in old) > 0.85 * len(old)
    assert all(e.sync == "pending" for e in entries if e.visibility == "private")


def test_demo_texts_vary(year_of_three_stations):
    entries, _ = year_of_three_stations
    texts = Counter(e.what_happened for e in entries)
    assert len(texts) > 300
    assert texts.most_common(1)[0][1] < len(entries) * 0.02
    assert all("{" not in e.what_happened and "}" not in e.title for e in entries)
    assert all(e.title[0] == e.title[0].upper() for e in entries)
    # Some entries leave a field empty, as workers do.
    assert any(not e.next_step for e in entries) and all(e.what_happened for e in entries)


def test_a_seed_gives_the_same_texts_on_any_day():
    config = load_config(env={})
    now = time.time()
    def texts(entries):
        return [(e.title, e.what_happened, e.author, e.station, e.language, e.visibility)
                for e in entries]
    first = texts(generate(config, count=200, seed=5, now=now))
    later = texts(generate(config, count=200, seed=5, now=now + 3 * DAY))
    other = texts(generate(config, count=200, seed=6, now=now))
    assert first == later
    assert first != other


def test_a_dutch_kiosk_gets_mostly_dutch_entries_and_dutch_station_names():
    config = load_config(env={"KIOSK_LANGUAGE": "nl"})
    entries = list(generate(config, count=400, seed=3, stations=4))
    assert Counter(e.language for e in entries).most_common(1)[0][0] == "nl"
    stations = {e.station for e in entries}
    dutch_names = {name for name, _ in load_content("nl").stations}
    assert stations - {config.station} <= dutch_names and len(stations) == 4


def test_many_stations_get_unique_fallback_names():
    config = load_config(env={})
    entries = list(generate(config, count=600, seed=4, stations=14))
    stations = {e.station for e in entries}
    assert len(stations) == 14
    assert any(name.startswith("Station ") for name in stations)
    assert len({e.kiosk_id for e in entries}) == 14


def test_ten_thousand_entries_span_a_year_in_small_weekly_files(data_dir):
    config = load_config(env={}).with_changes(data_dir=data_dir)
    with Store(data_dir) as store:
        assert fill_demo_data(store, config, count=10_000, seed=9) == 10_000
        assert store.count() == 10_000
        ids = [e.id for e in store.entries()]
    span = id_time(ids[-1]) - id_time(ids[0])
    assert timedelta(days=320) < span < timedelta(days=366)
    files = list((data_dir / "entries").glob("*.json"))
    assert 46 <= len(files) <= 54
    assert {f.stem for f in files} == {week_key(i) for i in ids}  # each in the week of its id
    sizes = [len(json.loads(f.read_text("utf-8"))["entries"]) for f in files]
    assert max(sizes) < 400  # ~30 a day: each weekly file stays small


def test_listing_returns_hostile_text_as_typed_and_never_raw_escapes(data_dir, run_kiosk):
    hostile = "[bold red]x[/] \x1b[31mred\x1b[0m 👷‍♀️ مرحبا"
    with Store(data_dir) as store:
        entry = store.save(build_entry(what_happened=hostile, title="[blink]t[/blink]"))
    as_json = run_kiosk("--data-dir", str(data_dir), "entries", "list", "--json")
    (record,) = json.loads(as_json.stdout)
    assert record["what_happened"] == hostile and record["title"] == "[blink]t[/blink]"
    plain = run_kiosk("--data-dir", str(data_dir), "entries", "list")
    assert plain.returncode == 0 and entry.id in plain.stdout
    assert "\x1b" not in plain.stdout and "\\u001b[31m" in plain.stdout  # escaped, not executed
    assert "[bold red]x[/]" in plain.stdout and "👷‍♀️ مرحبا" in plain.stdout
