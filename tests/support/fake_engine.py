"""A stand-in for kiosk.coach.engine.Engine in tests: no model, fixed tokens with a delay.

Tests pass it to the real Coach (`Coach(config, engine=FakeEngine(...))`) and the Coach to the app
(`make_app(config, store, coach=coach)`). Import it as `from support.fake_engine import FakeEngine`
(pytest's default "prepend" import mode puts tests/, which has no __init__.py, on sys.path).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from kiosk.coach.engine import (LOADING, NOT_STARTED, READY, UNAVAILABLE, Engine, Generation,
                                OnToken, Status, Stopper, not_ready_reason)
from kiosk.coach.registry import ModelSpec


class FakeEngine:
    """Engine stand-in for UI tests: no model; streams `tokens` with `delay` seconds between them
    (after `first_delay`), honouring cancel, time limit, max_tokens and `until` like the real one.

    The default answer is about a pump noise: the quality gate only lets it through for a worker
    text that mentions a pump (otherwise it is "off_topic" and the bank fills in). Pass `tokens`
    for other texts; the first token continues the prompt's lead ("Title:"), e.g. " Belt slips"."""

    # The prompt ends with the first label ("Title:"), so the answer starts with its value.
    DEFAULT_TOKENS = (" Pump", " noise", "\n", "Question:", " When", " did", " the",
                      " pump", " noise", " start", "?", "\n", "Question:", " Who", " else",
                      " heard", " the", " pump", "?", "\n", "Idea:", " Record", " the", " pump",
                      " noise", " for", " maintenance", ".", "\n")

    def __init__(self, tokens: tuple[str, ...] | None = None, *, delay: float = 0.02,
                 first_delay: float = 0.0, load_delay: float = 0.0, name: str = "fake-model",
                 languages: tuple[str, ...] = ("en", "nl"), unavailable: str = ""):
        self.tokens = tuple(tokens) if tokens is not None else self.DEFAULT_TOKENS
        self.delay, self.first_delay, self.load_delay = delay, first_delay, load_delay
        self.spec = ModelSpec(name=name, file="fake.gguf", sha256="0" * 64, size=0,
                              licence="none", languages=languages, min_ram_mb=0,
                              prompt_style="chatml")
        self.unavailable = unavailable
        self.calls: list[str] = []  # prompts received, for assertions
        self.load_seconds: float | None = None
        self._status = Status(NOT_STARTED)
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._closing = threading.Event()

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def status(self) -> Status:
        return self._status

    def start(self) -> None:
        if self._status.state != NOT_STARTED:
            return
        self._status = Status(LOADING)
        threading.Thread(target=self._finish_loading, daemon=True).start()

    def load(self) -> Status:
        if self._status.state == NOT_STARTED:
            self._status = Status(LOADING)
            self._finish_loading()
        self._ready.wait()
        return self._status

    def _finish_loading(self) -> None:
        time.sleep(self.load_delay)
        self.load_seconds = self.load_delay
        self._status = Status(UNAVAILABLE, "fake", self.unavailable) if self.unavailable \
            else Status(READY)
        self._ready.set()

    def wait(self, timeout: float | None = None, cancel: threading.Event | None = None) -> bool:
        return Engine.wait(self, timeout, cancel)  # type: ignore[arg-type]

    def warm(self, prefix: str, cancel: threading.Event | None = None) -> int:
        return 0

    def tokenize(self, text: str) -> list[int]:
        return list(range(len(text.split())))

    def generate(self, prompt: str, *, max_tokens: int = 64, on_token: OnToken | None = None,
                 cancel: threading.Event | None = None, time_limit: float | None = None,
                 stop: tuple[str, ...] = (), until: Callable[[str], bool] | None = None,
                 temperature: float = 0.0, repeat_penalty: float = 1.1) -> Generation:
        started = time.monotonic()
        stopper = Stopper(cancel, time_limit, self._closing)
        result = Generation(prompt_tokens=len(prompt.split()))
        if self._status.state == NOT_STARTED or not self.wait(stopper.remaining(), cancel):
            result.stop_reason = not_ready_reason(self._status, stopper)
            return result
        with self._lock:
            self.calls.append(prompt)
            result.stop_reason = "eos"
            for i, piece in enumerate(self.tokens):
                pause = self.first_delay if i == 0 else self.delay
                end = time.monotonic() + pause
                while time.monotonic() < end and not stopper():
                    time.sleep(min(0.005, max(0.0, end - time.monotonic())))
                if stopper():
                    result.stop_reason = stopper.reason
                    break
                now = time.monotonic()
                if result.first_token_s is None:
                    result.first_token_s = now - started
                result.tokens += 1
                result.token_times.append(now)
                result.text += piece
                if on_token is not None:
                    on_token(piece)
                if until is not None and until(result.text):
                    result.stop_reason = "done"
                    break
                if result.tokens >= max_tokens:
                    result.stop_reason = "max_tokens"
                    break
        result.seconds = time.monotonic() - started
        return result

    def close(self) -> None:
        self._closing.set()
        if self._status.state != UNAVAILABLE:
            self._status = Status(UNAVAILABLE, "closed", "the coach was shut down")
        self._ready.set()
