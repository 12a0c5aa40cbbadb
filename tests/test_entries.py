"""The Entry record: validation names the field, (de)serialisation round-trips, and hostile text
is stored exactly as typed. (Its ids: tests/test_ids.py.)"""

from __future__ import annotations

import json
from dataclasses import fields, replace

import pytest

from kiosk.entries import SCHEMA_VERSION, Entry, EntryError, Response, Suggestion
from kiosk.ids import is_id, week_key
from kiosk.store import Store
from kiosk.store_errors import StoreError

from conftest import build_entry

HOSTILE = [
    "[bold red]x[/]",
    "[link=https://evil.example]click[/link] [/] [[escaped]] \\[not markup]",
    "\x1b[31mred\x1b[0m \x1b]0;title\x07 \x1b[2J",
    "emoji 👷‍♀️🔧⚠️ and 🇳🇱 flags, skin tones 👍🏽",
    "RTL: مرحبا بالعالم ‏שלום‎ mixed 123",
    "tabs\tand\nnewlines\r\nand NUL \x00 and zero-width\u200b joiner",
    "{braces} {0} %s %(name)s ${HOME} `rm -rf /`",
    "Ünïcödé — “quotes” ‘single’ …",
]


def test_a_new_entry_is_valid_and_has_every_field():
    entry = build_entry()
    assert is_id(entry.id)
    assert entry.schema == SCHEMA_VERSION
    assert entry.created == entry.updated
    assert set(entry.to_dict()) == {f.name for f in fields(Entry)}


def test_an_entry_may_be_in_any_language_the_app_or_cldr_knows():
    """Every configured (content) language, and one a newer kiosk offers that this station has
    no folder for yet."""
    for language in ("en", "nl", "pl", "tr", "de", "fr"):
        assert replace(build_entry(), language=language).validate().language == language


@pytest.mark.parametrize(("changes", "field_name"), [
    ({"kind": "rant"}, "kind"),
    ({"category": "gossip"}, "category"),
    ({"visibility": "public"}, "visibility"),
    ({"language": "xx"}, "language"),
    ({"language": "Polish"}, "language"),
    ({"language": 5}, "language"),
    ({"id": "not-an-id"}, "id"),
    ({"id": "Z" * 26}, "id"),
    ({"kiosk_id": "   "}, "kiosk_id"),
    ({"kiosk_id": "k" * 33}, "kiosk_id"),
    ({"author": ""}, "author"),
    ({"author": 17}, "author"),
    ({"station": "s" * 81}, "station"),
    ({"title": "t" * 121}, "title"),
    ({"noticed": "n" * 4001}, "noticed"),
    ({"learned": None}, "learned"),
    ({"what_happened": "", "noticed": " ", "learned": "\n", "next_step": ""}, "what_happened"),
    ({"created": "yesterday"}, "created"),
    ({"updated": "2026-13-45"}, "updated"),
    ({"status": "done"}, "status"),
    ({"sync": "maybe"}, "sync"),
    ({"seen": "yes"}, "seen"),
    ({"urgent": "yes"}, "urgent"),
    ({"schema": 99}, "schema"),
    ({"suggestions": [Suggestion("question", "Why?", "bank", verdict="liked")]},
     "suggestions[0].verdict"),
    ({"suggestions": [Suggestion("riddle", "Why?", "bank")]}, "suggestions[0].kind"),
    ({"suggestions": ["Why?"]}, "suggestions[0]"),
    ({"responses": [Response("now", "team leader", "ok")]}, "responses[0].at"),
    ({"responses": [Response("2026-01-01T00:00:00Z", "team leader", 5)]}, "responses[0].text"),
    ({"next_step": "broken \ud800 surrogate"}, "next_step"),
])
def test_validation_errors_name_the_field(changes, field_name):
    entry = replace(build_entry(), **changes)
    with pytest.raises(EntryError) as caught:
        entry.validate()
    assert str(caught.value).startswith(f"{field_name}: ")


def test_entry_new_validates_its_arguments():
    with pytest.raises(EntryError, match="^category: "):
        Entry.new(kiosk_id="k1", station="s", line="l", author=None, language="en",
                  category="nonsense", what_happened="x")


def test_an_anonymous_entry_is_allowed():
    assert build_entry(author=None).author is None


def test_to_dict_from_dict_round_trip_keeps_every_field():
    entry = build_entry(
        visibility="supervisor", status="declined", status_reason="Too costly this year.",
        seen=True, sync="exported",
        suggestions=[Suggestion("question", "What changed?", "bank", "accepted"),
                     Suggestion("title", "Burr", "smollm2", "edited", final_text="Burr on 4410")],
        responses=[Response("2026-11-27T09:30:00.000Z", "team leader", "Thanks!")],
    )
    data = entry.to_dict()
    again = Entry.from_dict(json.loads(json.dumps(data)))
    assert again == entry
    assert again.to_dict() == data
    assert isinstance(again.suggestions[1], Suggestion)
    assert again.suggestions[1].final_text == "Burr on 4410"
    assert isinstance(again.responses[0], Response)


@pytest.mark.parametrize(("mangle", "message"), [
    (lambda d: [d], "^entry: must be a JSON object"),
    (lambda d: {**d, "colour": "red"}, "^colour: unknown field"),
    (lambda d: {k: v for k, v in d.items() if k != "kind"}, "^kind: missing"),
    (lambda d: {k: v for k, v in d.items() if k != "author"}, "^author: missing"),
    (lambda d: {**d, "schema": SCHEMA_VERSION + 1}, "^schema: unsupported version"),
    (lambda d: {**d, "schema": "1"}, "^schema: unsupported version"),
    (lambda d: {**d, "suggestions": [{"kind": "question"}]}, "^suggestions/responses: malformed"),
    (lambda d: {**d, "responses": ["ok"]}, "^suggestions/responses: malformed"),
    (lambda d: {**d, "visibility": "everyone"}, "^visibility: "),
])
def test_from_dict_rejects_bad_records_naming_the_field(mangle, message):
    with pytest.raises(EntryError, match=message):
        Entry.from_dict(mangle(build_entry().to_dict()))


def test_headline_prefers_the_title_then_the_first_filled_line():
    assert build_entry(title="  Short title ").headline == "Short title"
    entry = build_entry(title="", what_happened="", noticed="First line\nsecond line")
    assert entry.headline == "First line"


def test_touched_sets_updated_and_keeps_the_original():
    entry = replace(build_entry(), updated="2020-01-01T00:00:00.000Z")
    changed = entry.touched(title="New")
    assert changed.title == "New" and entry.title != "New"
    assert changed.updated > entry.updated


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_stored_exactly_as_typed(tmp_path, text):
    entry = build_entry(title=text[:120], what_happened=text, noticed=text, learned=text,
                        next_step=text, author=text[:64] if text.strip() else "x",
                        suggestions=[Suggestion("question", text, "bank", "edited",
                                                final_text=text)])
    with Store(tmp_path / "data") as store:
        store.save(entry)
    with Store(tmp_path / "data") as store:
        again = store.get(entry.id)
    assert again == entry
    assert again.what_happened == text and again.suggestions[0].final_text == text
    # The file itself holds the exact text, and reading the JSON gives it back unchanged.
    raw = json.loads(next((tmp_path / "data" / "entries").glob("*.json")).read_text("utf-8"))
    (doc,) = raw["entries"].values()
    assert doc["noticed"] == text


def schema_1(entry: Entry) -> dict:
    """`entry` as the app of entry schema 1 stored and synced it: no `urgent` field."""
    data = entry.to_dict()
    del data["urgent"]
    return {**data, "schema": 1}


def test_an_entry_can_be_marked_urgent_and_keeps_it():
    entry = build_entry(urgent=True)
    assert Entry.from_dict(json.loads(json.dumps(entry.to_dict()))).urgent is True
    assert build_entry().urgent is False


def test_an_entry_of_schema_1_reads_as_not_urgent():
    again = Entry.from_dict(schema_1(build_entry(title="Loose guard")))
    assert again.urgent is False and again.schema == SCHEMA_VERSION
    assert again.title == "Loose guard"


def test_a_folder_of_schema_1_is_upgraded_and_its_entries_are_not_urgent(tmp_path):
    """A data folder as the app before `urgent` left it: meta.json records store format 1 and no
    entry schema (meaning 1), the weekly file holds schema 1 entries."""
    folder = tmp_path / "data"
    stored = [build_entry(what_happened=f"Entry {n}") for n in range(3)]
    (folder / "entries").mkdir(parents=True)
    (folder / "meta.json").write_text(json.dumps(
        {"meta": {"1": {"key": "store_format", "value": 1}}}), encoding="utf-8")
    week = folder / "entries" / f"{week_key(stored[0].id)}.json"
    week.write_text(json.dumps({"entries": {str(n): schema_1(e) for n, e in
                                            enumerate(stored, 1)}}), encoding="utf-8")
    with pytest.raises(StoreError, match="needs an upgrade"):
        Store(folder, readonly=True)  # a read-only open never upgrades
    with Store(folder) as store:
        assert store.get_meta("entry_schema") == SCHEMA_VERSION
        for entry in stored:
            again = store.get(entry.id)
            assert again.urgent is False and again.what_happened == entry.what_happened
    on_disk = json.loads(week.read_text(encoding="utf-8"))["entries"].values()
    assert all(doc["urgent"] is False and doc["schema"] == SCHEMA_VERSION for doc in on_disk)
    with Store(folder, readonly=True) as store:  # upgraded: a read-only open reads it now
        assert store.count() == 3


def test_an_empty_new_folder_is_of_the_current_schema(tmp_path):
    (tmp_path / "data").mkdir()
    with Store(tmp_path / "data", readonly=True) as store:  # no upgrade needed to read it
        assert store.count() == 0
    with Store(tmp_path / "data") as store:
        assert store.get_meta("entry_schema") == SCHEMA_VERSION
