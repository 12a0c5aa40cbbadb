"""Hardening: model faults seen from the app. A missing, truncated or non-GGUF model file, or a
file llama.cpp cannot load, goes through the *real* Coach and Engine (no fake): the app starts,
the capture screen says the coach is unavailable and why, and F5 still gives question-bank
questions. A model that answers garbage (a FakeEngine with hostile tokens) is replaced by the
quality gate: nothing it wrote is offered, the bank fills in, the screen survives.

Coach-level versions of the file faults are in test_coach_unit.py
(test_bad_model_files_make_the_coach_unavailable_with_bank_fallback and neighbours).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from kiosk.coach.suggest import Coach
from kiosk.config import load_config
from kiosk.paths import models_dir
from kiosk.ui.screens.capture import CaptureScreen
from support.fake_engine import FakeEngine
from tests.ui_helpers import make_test_app, screen_text

TEXT = "The hydraulic hose of the press is leaking oil again since the morning shift"
REAL_MODEL = models_dir() / "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "smollm2-135m-instruct-q4_1"


async def wait_until(pilot, condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


def registry_with(tmp_path: Path, monkeypatch, how: str) -> str:
    """A copy of the shipped registry whose default model file is missing, truncated (the first
    MB of the real file) or not a GGUF (zeros of the right size, a sparse file)."""
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(models_dir() / "registry.toml", folder / "registry.toml")
    target = folder / REAL_MODEL.name
    if how == "truncated":
        if not REAL_MODEL.exists():
            pytest.skip("the default model is not installed")
        with open(REAL_MODEL, "rb") as source:
            target.write_bytes(source.read(1 << 20))
    elif how == "not_gguf":
        with open(target, "wb") as handle:
            handle.truncate(98362432)
    monkeypatch.setenv("KIOSK_MODELS_DIR", str(folder))
    return MODEL_NAME


def unregistered_file(tmp_path: Path, how: str) -> str:
    path = tmp_path / f"{how}.gguf"
    if how == "text_file":
        path.write_text("this is a text file renamed to .gguf\n" * 50)
    else:  # a GGUF header followed by garbage: passes the cheap checks, llama.cpp refuses it
        path.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + os.urandom(4096))
    return str(path)


@pytest.mark.parametrize("how, reason", [
    ("missing", "model file missing"),
    ("truncated", "model file incomplete"),
    ("not_gguf", "not a GGUF"),
    ("text_file", "not a GGUF"),
    ("garbage_after_header", "could not be loaded"),
])
async def test_the_app_starts_says_the_coach_is_unavailable_and_f5_gives_bank_questions(
        tmp_path, monkeypatch, how, reason):
    if how in ("missing", "truncated", "not_gguf"):
        model = registry_with(tmp_path, monkeypatch, how)
    else:
        model = unregistered_file(tmp_path, how)
    data = tmp_path / "data"
    config = load_config(env={}).with_changes(data_dir=data, model=model)
    coach = Coach(config)  # the real coach and engine, as `kiosk run` makes it
    app, store, _ = make_test_app(data, coach=coach, model=model)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            assert app.screen.__class__.__name__ == "LoginScreen"  # the app started
            await wait_until(pilot, lambda: coach.state == "unavailable")
            await pilot.press(*"BADGE-0042", "enter")
            await pilot.pause()
            assert isinstance(app.screen, CaptureScreen)
            status = str(app.screen.query_one("#coach-status").render())
            assert "not available" in status and reason in status
            assert "question bank" in status
            app.screen.query_one("#what_happened").load_text(TEXT)
            await pilot.press("f5")
            screen = app.screen
            await wait_until(pilot, lambda: screen._coach_cancel is None and screen.offers.items)
            questions = [o.s for o in screen.offers.items if o.s.kind == "question"]
            assert len(questions) == 3 and all(q.source in ("bank", "template") for q in questions)
            assert not any(o.s.is_ai for o in screen.offers.items)
            assert questions[0].text in screen_text(app) and "[AI]" not in screen_text(app)
            await pilot.press("f2")  # and the entry still saves
            await pilot.pause()
            assert app.is_running
    finally:
        coach.close()
    assert [e.what_happened for e in store.entries()] == [TEXT]


GARBAGE = [
    (" \x1b[2J\x1b[31m[bold red]PWNED[/]", "\n", "Question:", " [@click=app.quit]x[/]?", "\n",
     "Question:", " \x00\x07\x08\u202e\u200f" * 5, "\n", "Idea:", " " + "🙂" * 400, "\n"),
    tuple(" aaaa" for _ in range(300)),  # one word for ever
    (" Title", "\n", "Question:", " What happened?", "\n", "Question:",
     " What happened?", "\n", "Idea:", " " + TEXT, "\n"),  # echoes and repeats
    (" 宇宙", "\n", "Question:", " Почему насос течёт?", "\n", "Idea:", " لماذا؟", "\n"),
]


@pytest.mark.parametrize("tokens", GARBAGE, ids=["hostile", "runaway", "echo", "script"])
async def test_a_model_that_writes_garbage_is_replaced_by_the_question_bank(tmp_path, tokens):
    config = load_config(env={}).with_changes(data_dir=tmp_path, max_tokens=400)
    coach = Coach(config, engine=FakeEngine(tokens=tokens, delay=0))
    app, store, _ = make_test_app(tmp_path, coach=coach, max_tokens=400)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(*"BADGE-0042", "enter")
            await pilot.pause()
            app.screen.query_one("#what_happened").load_text(TEXT)
            await wait_until(pilot, lambda: coach.state == "ready")
            await pilot.press("f5")
            screen = app.screen
            await wait_until(pilot, lambda: screen._coach_cancel is None and screen.offers.items)
            assert not any(o.s.is_ai for o in screen.offers.items), \
                [o.s.text for o in screen.offers.items if o.s.is_ai]
            questions = [o.s for o in screen.offers.items if o.s.kind == "question"]
            assert len(questions) == 3 and all(q.source in ("bank", "template") for q in questions)
            shown = screen_text(app)
            assert "PWNED" not in shown and "\x1b" not in shown
            assert app.is_running and isinstance(app.screen, CaptureScreen)
    finally:
        coach.close()
