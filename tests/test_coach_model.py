"""The coach with the REAL default model (models/SmolLM2-135M-Instruct.Q4_0.gguf, made from the Q4_1
file by `kiosk models install-default` in the set-up; the Q4_1 file when it is not made). Run alone
with `pytest -m model`.

Checks what the issue asks: for every dev observation the suggestions pass the quality gate or are
replaced (never empty), cancel stops generation at the next token and a cold prompt after the
batch being evaluated, a time limit holds, the stream is what the result is parsed from, and the
warm prefix is really reused. How fast all that is on this machine (cancel latency, first token)
is printed by bench/coach.py: a test checks behaviour, not the speed of a possibly busy CPU."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from kiosk.coach import gate
from kiosk.coach.engine import READY
from kiosk.coach.prompts import prompt_set
from kiosk.coach.registry import check_file, load_registry
from kiosk.coach.suggest import BANK, TEMPLATE, Coach
from kiosk.config import load_config

pytestmark = pytest.mark.model

DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "observations_dev.jsonl"
REGISTRY = load_registry()
# The default model, or the file it falls back to (the Q4_1 one while the Q4_0 is not made yet)
CHAIN = REGISTRY.chain(REGISTRY.get(REGISTRY.default))
SPEC = next((s for s in CHAIN if check_file(s, verify_hash=False) is None), CHAIN[-1])
TEXT = ("The vacuum pump on the pick and place is getting louder and the suction is weaker. "
        "Cleaned the filter, a bit better.")

if check_file(SPEC, verify_hash=False) is not None:
    pytest.skip(f"default model not installed at {SPEC.path}: run `kiosk models install-default` "
                f"(make setup does)", allow_module_level=True)


def dev_observations() -> list[dict]:
    if DEV_SET.exists():
        return [json.loads(line) for line in DEV_SET.read_text().splitlines() if line.strip()]
    return [{"lang": "en", "category": "maintenance", "text": TEXT}]


@pytest.fixture(scope="module")
def coach():
    config = load_config(env={}).with_changes(max_tokens=64, time_limit=20.0)
    coach = Coach(config)
    coach.start_loading()
    assert coach.wait_ready(120), coach.status
    yield coach
    coach.close()


def test_the_model_loads_and_is_ready(coach):
    assert coach.state == READY and coach.model_name == SPEC.name
    assert "ready" in coach.status_text("en").lower()
    assert SPEC.name not in coach.status_text("en")  # workers see plain words, not a file name


def test_closing_while_loading_leaves_it_shut_down():
    other = Coach(load_config(env={}))
    other.start_loading()
    time.sleep(0.05)
    other.close()
    assert other.engine.wait(30) is False
    assert other.state == "unavailable" and other.status.code == "closed"
    assert other.engine._llm is None


@pytest.mark.parametrize("observation", dev_observations(), ids=lambda o: o["text"][:30])
def test_every_dev_observation_gets_gated_suggestions_never_empty(coach, observation):
    lang, text = observation["lang"], observation["text"]
    pieces: list[str] = []
    result = coach.suggest(text, lang, on_token=pieces.append)
    assert 1 <= len(result.questions) <= 3 and all(q.text.strip() for q in result.questions)
    assert result.idea.text.strip() and result.title.text.strip()
    examples = tuple(prompt_set(lang).example_outputs())
    for item in result.items:
        if item.is_ai:  # model text is shown only when it passes the gate
            assert item.source == SPEC.name
            assert gate.check(item.text, item.kind, lang, text, examples=examples).ok, item
        else:
            assert item.source in (BANK, TEMPLATE, "text")  # never marked as AI
    for rejected in result.rejected:  # and what was turned down is not shown
        assert rejected.text not in [item.text for item in result.items]
        assert rejected.reason in gate.REASONS
    if SPEC.writes(lang):
        assert result.model == SPEC.name and result.raw
        assert "".join(pieces) == result.raw  # the UI sees exactly what was parsed
        # time_limit only when other processes starve the CPU (seen at load average > 3)
        assert result.stop_reason in ("done", "eos", "stop", "max_tokens", "time_limit"), result
        assert result.tokens <= 64
    else:
        assert result.stop_reason == "language" and not pieces


def test_the_model_contributes_in_english(coach):
    """Not everything falls back: over English observations the model's text is used (the first
    ten of the held-out set, which is in the repository; the dev set may be absent on a clone)."""
    held_out = Path(__file__).parent / "data" / "heldout_en.jsonl"
    english = [json.loads(line)["text"] for line in held_out.read_text().splitlines()[:10]]
    used = sum(item.is_ai for text in english for item in coach.suggest(text, "en").items)
    assert used >= len(english)  # on average at least one AI suggestion per observation


COUNT_PROMPT = "<|im_start|>user\nCount from 1 to 500.<|im_end|>\n<|im_start|>assistant\n1, 2, 3,"


def test_warm_prefix_is_reused_and_the_first_token_comes_sooner_than_cold(coach):
    prompt = prompt_set("en").build(TEXT).text
    warm = coach.engine.generate(prompt, max_tokens=4)
    assert warm.reused_tokens > 300  # the few-shot prefix was not evaluated again
    assert warm.prompt_tokens - warm.reused_tokens < 80
    coach.engine.forget()
    cold = coach.engine.generate(prompt, max_tokens=4)
    coach.warm("en")
    assert cold.reused_tokens == 0 and cold.prompt_tokens == warm.prompt_tokens
    # Five times fewer tokens to evaluate first; both measured here, on the same (busy) CPU.
    assert warm.first_token_s < cold.first_token_s, (warm, cold)


def test_cancel_stops_generation_at_the_next_token(coach):
    cancel = threading.Event()
    seen: list[str] = []

    def on_token(piece: str) -> None:
        seen.append(piece)
        if len(seen) == 5:
            cancel.set()

    result = coach.engine.generate(COUNT_PROMPT, max_tokens=400, on_token=on_token,
                                   cancel=cancel)
    assert result.stop_reason == "cancelled"
    assert 5 <= result.tokens <= 6, result  # the token being sampled at most, then it stops


def test_cancel_during_a_cold_prompt_stops_after_the_batch_being_evaluated(coach, monkeypatch):
    """The whole few-shot prompt must be evaluated again; the cancel comes while the first
    batch of it is evaluated, and no further batch is started."""
    engine = coach.engine
    engine.forget()
    llm = engine._llm
    cancel = threading.Event()
    batches: list[int] = []
    evaluate = llm.eval

    def eval_and_cancel(tokens):
        batches.append(len(tokens))
        cancel.set()  # as if Esc was pressed while this batch runs
        return evaluate(tokens)

    monkeypatch.setattr(llm, "eval", eval_and_cancel)
    try:
        result = coach.suggest(TEXT, "en", cancel=cancel)
    finally:
        monkeypatch.undo()
        coach.warm("en")
    assert result.stop_reason == "cancelled" and result.tokens == 0
    assert batches == [engine.batch], batches  # one batch of the prompt, of many
    assert len(result.questions) == 3  # the bank fills in


def test_coach_cancel_stops_a_running_suggestion(coach):
    result = coach.suggest(TEXT, "en", on_token=lambda piece: coach.cancel())
    assert result.stop_reason == "cancelled" and result.tokens <= 2, result
    assert len(result.questions) == 3


def test_time_limit_holds(coach):
    started = time.monotonic()
    result = coach.engine.generate(COUNT_PROMPT, max_tokens=400, time_limit=0.4)
    elapsed = time.monotonic() - started
    assert result.stop_reason == "time_limit", result
    assert result.tokens < 400
    # It stops at the first check after the limit: after a token, or after a batch of the prompt
    # when the machine is so busy that no token came yet. How long one step takes depends on
    # what else runs (bench/coach.py measures speed), so the bound is in steps of this run.
    if result.first_token_s is None:
        assert result.tokens == 0
        return
    times = result.token_times
    step = max([result.first_token_s, *(b - a for a, b in zip(times, times[1:]))])
    assert elapsed < 0.4 + 5 * step + 0.5, (elapsed, step)
