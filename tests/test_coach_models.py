"""Which model writes which language ([coach.models]), the Q4_0 file set-up makes from the shipped
Q4_1 one (real llama.cpp quantizing), its sha256 record and the Q4_1 fallback.

Tests that run llama.cpp on the real SmolLM2 file are marked `model`; each works in a models folder
of its own (KIOSK_MODELS_DIR) with a copy of the shipped registry.toml and a link to the real
Q4_1 file, so the installed models are never touched."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tomllib
from pathlib import Path

import pytest

from kiosk.coach.install import install_default
from kiosk.coach.lineup import language_models
from kiosk.coach.quantize import QuantizeError, make_model
from kiosk.coach.registry import (MADE_FILE, RegistryError, check_file, load_registry,
                                  sha256_of)
from kiosk.coach.suggest import BANK, TEMPLATE, Coach
from kiosk.config import DEMO_ADMIN_PIN_HASH, DEMO_SUPERVISOR_PIN_HASH, load_config
from kiosk.paths import models_dir

SHIPPED = load_registry(models_dir())
Q4_0 = SHIPPED.get("smollm2-135m-instruct-q4_0")
Q4_1 = SHIPPED.get("smollm2-135m-instruct-q4_1")
EN_TEXT = ("The vacuum pump on the pick and place is getting louder and the suction is weaker. "
           "Cleaned the filter, a bit better.")
NL_TEXT = "De ketting van de transportband slipt weer en de spanner kan niet verder aangedraaid."
SECURITY = f"""
[security]
admin_pin_hash = "{DEMO_ADMIN_PIN_HASH}"
supervisor_pin_hash = "{DEMO_SUPERVISOR_PIN_HASH}"
site_key = "a-site-key-of-enough-length"
"""

needs_model = pytest.mark.skipif(check_file(Q4_1, verify_hash=False) is not None,
                                 reason=f"the shipped model is not installed at {Q4_1.path}: "
                                        f"run `kiosk models install-default`")


def models_folder(tmp_path: Path, monkeypatch, *, link_q4_1: bool = True) -> Path:
    """A models folder with the shipped registry.toml and (a link to) the real Q4_1 file."""
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(models_dir() / "registry.toml", folder / "registry.toml")
    if link_q4_1:
        (folder / Q4_1.file).symlink_to(Q4_1.path.resolve())
    monkeypatch.setenv("KIOSK_MODELS_DIR", str(folder))
    return folder


def fake_gguf(folder: Path, name: str, content: bytes = b"GGUF" + b"\0" * 60) -> str:
    (folder / name).write_bytes(content)
    return hashlib.sha256(content).hexdigest()


def local_model(folder: Path, name: str, file: str, sha: str, size: int,
                languages: str = '"en"') -> None:
    with open(folder / "local.toml", "a", encoding="utf-8") as handle:
        handle.write(f'[[model]]\nname = "{name}"\nfile = "{file}"\nsha256 = "{sha}"\n'
                     f'size = {size}\nlicence = "MIT"\nlanguages = [{languages}]\n'
                     f'min_ram_mb = 300\nprompt_style = "chatml"\n\n')


def config_file(tmp_path: Path, coach: str = "") -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(SECURITY + f'[kiosk]\ndata_dir = "{tmp_path / "data"}"\n' + coach,
                    encoding="utf-8")
    return path


# -- the registry: made files and fallbacks ----------------------------------------------------

def test_a_file_made_on_the_device_counts_as_missing_until_its_record_matches(tmp_path,
                                                                             monkeypatch):
    folder = models_folder(tmp_path, monkeypatch, link_q4_1=False)
    (folder / Q4_0.file).write_bytes(b"GGUF" + b"\0" * 60)  # a file is there, but not recorded
    problem = check_file(load_registry().get(Q4_0.name))
    assert problem.code == "missing" and "has not been made on this device" in problem.message
    assert "kiosk models install-default" in problem.message
    record = {"name": Q4_0.name, "file": Q4_0.file, "size": 64,
              "sha256": hashlib.sha256(b"GGUF" + b"\0" * 60).hexdigest()}
    from kiosk.coach.quantize import write_records

    write_records(folder / MADE_FILE, {Q4_0.name: {**record, "from_sha256": "0" * 64}})
    assert load_registry().get(Q4_0.name).sha256 == ""  # made from another Q4_1 file: stale
    write_records(folder / MADE_FILE, {Q4_0.name: {**record, "from_sha256": Q4_1.sha256}})
    made = load_registry().get(Q4_0.name)
    assert (made.sha256, made.size) == (record["sha256"], 64) and check_file(made) is None
    assert oct((folder / MADE_FILE).stat().st_mode & 0o777) == "0o644"  # the kiosk user reads it


def test_fallback_and_quantize_must_name_listed_models(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    entry = ('[[model]]\nname = "fast"\nfile = "f.gguf"\nlicence = "MIT"\nlanguages = ["en"]\n'
             'min_ram_mb = 1\nprompt_style = "chatml"\n')
    (folder / "registry.toml").write_text(entry + 'fallback = "gone"\n'
                                          'source = { quantize = "gone", type = "q4_0" }\n')
    with pytest.raises(RegistryError, match="'gone' is not a listed model"):
        load_registry(folder)
    (folder / "registry.toml").write_text(entry + 'source = { quantize = "x", type = "q9" }\n')
    with pytest.raises(RegistryError, match="source.type"):
        load_registry(folder)
    (folder / "registry.toml").write_text(entry)  # not made here: sha256 and size are needed
    with pytest.raises(RegistryError, match="sha256"):
        load_registry(folder)


# -- which model writes which language --------------------------------------------------------

def test_a_language_with_a_model_of_its_own_uses_it_and_the_others_keep_the_default(
        tmp_path, monkeypatch):
    folder = models_folder(tmp_path, monkeypatch, link_q4_1=False)
    sha = fake_gguf(folder, "dutch.gguf")
    local_model(folder, "dutch-model", "dutch.gguf", sha, 64)  # registered for English only
    config = load_config(config_file(tmp_path, '[coach.models]\nnl = "dutch-model"\n'), env={})
    choices = language_models(config, load_registry())
    assert choices["nl"].spec.name == "dutch-model" and choices["nl"].key == "coach.models.nl"
    assert choices["nl"].writes()  # named for Dutch: used although the registry lists only en
    assert choices["en"].spec.name == Q4_0.name and choices["en"].writes()
    assert [s.name for s in choices["en"].chain] == [Q4_0.name, Q4_1.name]
    coach = Coach(config)
    assert coach.engine_for("nl").name == "dutch-model"
    assert coach.engine_for("en").name == Q4_0.name and coach.engine is coach.engine_for("en")
    assert coach.model_writes("nl") and coach.model_writes("en")
    coach.close()
    plain = Coach(load_config(config_file(tmp_path), env={}))  # the default rule: no Dutch text
    assert plain.engine_for("nl") is plain.engine_for("en") and not plain.model_writes("nl")
    plain.close()


def test_models_list_shows_which_language_uses_which_model(tmp_path, monkeypatch, run_kiosk):
    """Dutch has a model of its own; English has the default, whose Q4_0 file is not made here,
    so the Q4_1 file it falls back to is shown, with why."""
    folder = models_folder(tmp_path, monkeypatch)
    sha = fake_gguf(folder, "dutch.gguf")
    local_model(folder, "dutch-model", "dutch.gguf", sha, 64, languages='"en", "nl"')
    config = config_file(tmp_path, '[coach.models]\nnl = "dutch-model"\n')
    env = {"KIOSK_MODELS_DIR": str(folder)}
    listed = run_kiosk("--config", str(config), "models", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert "  nl  dutch-model  [coach.models.nl]" in lines
    en = lines.index(f"  en  {Q4_1.name}  [coach.model]")
    assert lines[en + 1].strip().startswith(f"in place of {Q4_0.name}: ")
    assert "has not been made on this device" in lines[en + 1]
    assert any(line.startswith("dutch-model  [installed]") and "writes nl here" in line
               for line in lines)
    data = json.loads(run_kiosk("--config", str(config), "models", "list", "--json",
                                env=env).stdout)
    nl = next(row for row in data["languages"] if row["language"] == "nl")
    assert (nl["model"], nl["key"], nl["writes"]) == ("dutch-model", "coach.models.nl", True)
    default = run_kiosk("--config", str(config_file(tmp_path)), "models", "list", env=env)
    assert (f"  nl  curated questions only: {Q4_1.name} does not write nl"
            in default.stdout)
    doctor = run_kiosk("--config", str(config), "doctor", "--json", "--only", "model", env=env)
    (row,) = [r for r in json.loads(doctor.stdout)["checks"] if r["name"] == "model"]
    assert row["status"] == "WARN" and f"uses its fallback {Q4_1.name}" in row["detail"]
    assert "install-default" in row["fix"]


def test_a_misnamed_model_is_named_clearly_and_the_coach_runs_without_it(tmp_path, monkeypatch,
                                                                        run_kiosk):
    folder = models_folder(tmp_path, monkeypatch, link_q4_1=False)
    config_path = config_file(tmp_path, '[coach.models]\nnl = "qwen-typo"\n')
    coach = Coach(load_config(config_path, env={}))
    coach.start_loading()
    status = coach.status_for("nl")
    assert status.state == "unavailable" and status.code == "registry"
    assert "coach.models.nl = 'qwen-typo'" in status.message
    assert "kiosk models add PATH --name qwen-typo" in status.message
    assert "staat niet in het register" in coach.status_text("nl")
    assert coach.engine_for("en").name == Q4_0.name  # English keeps its model
    result = coach.suggest(NL_TEXT, "nl")
    assert result.stop_reason == "unavailable" and len(result.questions) == 3
    assert all(q.source in (BANK, TEMPLATE) for q in result.questions)
    coach.close()
    env = {"KIOSK_MODELS_DIR": str(folder)}
    listed = run_kiosk("--config", str(config_path), "models", "list", env=env)
    assert listed.returncode == 0
    assert "  nl  curated questions only: no usable model (coach.models.nl = 'qwen-typo')" \
        in listed.stdout
    doctor = run_kiosk("--config", str(config_path), "doctor", "--json", "--only", "model",
                       env=env)
    rows = {row["name"]: row for row in json.loads(doctor.stdout)["checks"]}
    assert rows["model (nl)"]["status"] == "FAIL" and "qwen-typo" in rows["model (nl)"]["detail"]


async def test_the_app_runs_with_a_misnamed_model_for_its_language(tmp_path, monkeypatch):
    from tests.ui_helpers import make_test_app, screen_text

    models_folder(tmp_path, monkeypatch, link_q4_1=False)
    config = load_config(env={}).with_changes(data_dir=tmp_path / "data", language="nl",
                                              language_models=(("nl", "qwen-typo"),))
    coach = Coach(config)
    app, store, _ = make_test_app(tmp_path / "data", coach=coach, language="nl",
                                  language_models=(("nl", "qwen-typo"),))
    text = "De ketting van de transportband slipt weer, de spanner kan niet verder."
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press(*"BADGE-0042", "enter")
            await pilot.pause()
            status = str(app.screen.query_one("#coach-status").render())
            assert "niet beschikbaar" in status and "register" in status
            app.screen.query_one("#what_happened").load_text(text)
            await pilot.press("f5")
            screen = app.screen
            for _ in range(600):
                if screen._coach_cancel is None and screen.offers.items:
                    break
                await pilot.pause(0.1)
            questions = [o.s for o in screen.offers.items if o.s.kind == "question"]
            assert len(questions) == 3 and not any(q.is_ai for q in questions)
            assert questions[0].text in screen_text(app)
            await pilot.press("f2")
            await pilot.pause()
            assert app.is_running
    finally:
        coach.close()
    assert [e.what_happened for e in store.entries()] == [text]


# -- the real model: making Q4_0, the fallback ------------------------------------------------

@pytest.mark.model
@needs_model
def test_install_default_makes_q4_0_records_it_and_the_coach_uses_it(tmp_path, monkeypatch,
                                                                     run_kiosk):
    folder = models_folder(tmp_path, monkeypatch)
    made = run_kiosk("models", "install-default", env={"KIOSK_MODELS_DIR": str(folder)},
                     timeout=600)
    assert made.returncode == 0, made.stderr
    assert "quantizing SmolLM2-135M-Instruct.Q4_1.gguf to q4_0" in made.stdout
    target = folder / Q4_0.file
    record = tomllib.loads((folder / MADE_FILE).read_text())["made"][0]
    assert record["sha256"] == sha256_of(target) and record["size"] == target.stat().st_size
    assert record["from_sha256"] == Q4_1.sha256 and record["type"] == "q4_0"
    assert target.read_bytes()[:4] == b"GGUF" and record["size"] < Q4_1.size
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no temp files
    registry = load_registry()
    assert check_file(registry.get(Q4_0.name)) is None and check_file(Q4_1) is None
    assert install_default(registry) == "present"  # idempotent
    coach = Coach(load_config(env={}))
    try:
        assert coach.wait_ready(300), coach.status
        assert coach.model_name == Q4_0.name and coach.engine.fell_back == ""
        result = coach.suggest(EN_TEXT, "en")
        assert result.model == Q4_0.name and result.raw and result.tokens > 0
        assert not coach.model_writes("nl")  # SmolLM2 still writes no Dutch
    finally:
        coach.close()


@pytest.mark.model
@needs_model
def test_a_failed_quantize_keeps_the_q4_1_file_and_the_coach_falls_back_to_it(tmp_path,
                                                                             monkeypatch):
    folder = models_folder(tmp_path, monkeypatch)
    (folder / Q4_0.file).mkdir()  # something that is not a file is in the way: it fails for real
    logged: list[str] = []
    assert install_default(load_registry(), log=logged.append) == "fallback"
    assert any(line.startswith("warning: cannot put SmolLM2-135M-Instruct.Q4_0.gguf in place")
               for line in logged), logged
    assert any(f"the coach uses {Q4_1.name} instead" in line for line in logged)
    assert not (folder / MADE_FILE).exists()
    assert sorted(p.name for p in folder.iterdir()) == sorted([Q4_0.file, Q4_1.file,
                                                              "registry.toml"])
    assert check_file(load_registry().get(Q4_1.name)) is None  # the fallback, untouched
    coach = Coach(load_config(env={}))
    try:
        assert coach.wait_ready(300), coach.status
        assert coach.model_name == Q4_1.name
        assert "has not been made on this device" in coach.engine.fell_back
        assert coach.suggest(EN_TEXT, "en").model == Q4_1.name
    finally:
        coach.close()


@pytest.mark.model
@needs_model
def test_quantizing_a_truncated_source_fails_in_llama_cpp_and_changes_nothing(tmp_path,
                                                                             monkeypatch):
    """The source passes the registry's checks (registered with its own size and sha256), but
    llama.cpp finds its tensors cut off."""
    folder = models_folder(tmp_path, monkeypatch, link_q4_1=False)
    with open(Q4_1.path, "rb") as source:
        head = source.read(20 << 20)
    (folder / Q4_1.file).write_bytes(head)
    text = (folder / "registry.toml").read_text()
    text = text.replace(Q4_1.sha256, hashlib.sha256(head).hexdigest())
    (folder / "registry.toml").write_text(text.replace(str(Q4_1.size), str(len(head))))
    registry = load_registry()
    with pytest.raises(QuantizeError, match="llama.cpp could not quantize .*(bounds|corrupt)"):
        make_model(registry.get(Q4_0.name), registry)
    assert (folder / Q4_1.file).read_bytes() == head
    assert sorted(os.listdir(folder)) == sorted([Q4_1.file, "registry.toml"])
    assert install_default(registry) == "fallback"


@pytest.mark.model
@needs_model
def test_a_model_named_for_dutch_writes_dutch_suggestions(tmp_path, monkeypatch):
    """The SmolLM2 file registered a second time for a trial, named for Dutch: the coach asks
    it for Dutch text (without [coach.models], Dutch gets no model text from SmolLM2)."""
    folder = models_folder(tmp_path, monkeypatch)
    local_model(folder, "dutch-trial", str(Q4_1.path.resolve()), Q4_1.sha256, Q4_1.size)
    config = load_config(config_file(tmp_path, '[coach.models]\nnl = "dutch-trial"\n'), env={})
    coach = Coach(config)
    try:
        assert coach.wait_ready(300, lang="nl"), coach.status_for("nl")
        pieces: list[str] = []
        result = coach.suggest(NL_TEXT, "nl", on_token=pieces.append)
        assert result.model == "dutch-trial" and result.stop_reason != "language"
        assert result.raw and "".join(pieces) == result.raw
        assert coach.engine_for("en") is not coach.engine_for("nl")
        assert coach.engine_for("en").status.state == "not_started"  # loaded when needed
    finally:
        coach.close()
