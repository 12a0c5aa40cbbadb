"""The LLM engine: one llama_cpp.Llama per process, loaded in a background thread, every call under
one lock (a Llama object is not thread-safe).

- States: loading -> ready, or unavailable with a reason (missing, truncated or non-GGUF file,
  sha256 mismatch, llama-cpp-python missing, load failure). Never raises for a bad model file.
- Fallbacks: when the model's file cannot be used, the next of `fallbacks` is tried (the Q4_1 file
  a Q4_0 one is made from); `spec` is then the one loaded and `fell_back` says why.
- Memory: use_mmap=False. llama.cpp repacks Q4_0 weights for its faster x86 kernels into memory
  of its own; with mmap the file's pages stayed resident next to that copy (SmolLM2 Q4_0: 231 MB
  RSS with mmap, 174 MB without; Q4_1, not repacked: 180 MB either way). Every weight is read for
  every token, so the whole model is resident in any case.
- Speed: n_threads and n_threads_batch from config, n_batch=64, flash_attn=True. `warm(prefix)`
  evaluates the fixed few-shot prefix once; `Llama.generate` then reuses that common token prefix,
  so only the varying end of a prompt is evaluated (keep what varies at the END of the prompt).
- Streaming: `generate()` calls `on_token(text)` for each piece as it is decoded (from the calling
  thread), in llama.cpp's own token loop (low-level API; Llama.generate's Python around every
  token cost about 5% of the speed). Cancel: a threading.Event checked between prompt chunks and
  between tokens; a time limit works the same way.
- Quiet: llama.cpp logs go to the `kiosk.coach.llama` logger (llama_log_set); the model loads
  with verbose=True so llama-cpp-python does not redirect the process's stdout/stderr file
  descriptors (that would blank a running terminal UI); its few Python prints during loading are
  sent to the log as well.
"""

from __future__ import annotations

import codecs
import ctypes
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.coach.llama_log import install_log_bridge, python_output_to_log
from kiosk.coach.registry import ModelSpec, check_file

__all__ = ["Engine", "Generation", "Status", "Stopper", "install_log_bridge"]

log = logging.getLogger("kiosk.coach")

LOADING, READY, UNAVAILABLE = "loading", "ready", "unavailable"
NOT_STARTED = "not_started"
SEED = 20240601  # fixed sampling seed: the same text gets the same suggestions

# Why a generation ended.
STOP_REASONS = ("done", "eos", "stop", "max_tokens", "cancelled", "time_limit", "unavailable",
                "error")

OnToken = Callable[[str], None]


@dataclass(frozen=True)
class Status:
    """The engine's state; `code` and `message` say why when it is unavailable."""

    state: str
    code: str = ""
    message: str = ""

    @property
    def ready(self) -> bool:
        return self.state == READY


@dataclass
class Generation:
    """The result of one generate() call."""

    text: str = ""
    tokens: int = 0
    stop_reason: str = "done"
    prompt_tokens: int = 0
    reused_tokens: int = 0  # prompt tokens already evaluated (the warm prefix)
    first_token_s: float | None = None  # from the call to the first token
    seconds: float = 0.0
    token_times: list[float] = field(default_factory=list, repr=False)

    @property
    def tokens_per_second(self) -> float:
        if len(self.token_times) < 2:
            return 0.0
        return (len(self.token_times) - 1) / (self.token_times[-1] - self.token_times[0])


class Stopper:
    """Cancel event + deadline, checked between prompt chunks and between tokens."""

    def __init__(self, cancel: threading.Event | None, time_limit: float | None,
                 extra: threading.Event | None = None):
        self.cancel, self.extra = cancel, extra
        self.deadline = time.monotonic() + time_limit if time_limit else None
        self.reason = ""

    def __call__(self, *_args) -> bool:
        if (self.cancel is not None and self.cancel.is_set()) or \
                (self.extra is not None and self.extra.is_set()):
            self.reason = "cancelled"
        elif self.deadline is not None and time.monotonic() >= self.deadline:
            self.reason = "time_limit"
        return bool(self.reason)

    def remaining(self) -> float | None:
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())


WarmPrefixes = tuple[str, ...] | Callable[[ModelSpec], tuple[str, ...]]


class Engine:
    """One GGUF model behind a lock. Use `start()` (background) or `load()` (blocking).

    `warm_prefixes`: prompt prefixes to evaluate once loaded, or a function of the spec that was
    loaded (a fallback may have another prompt style)."""

    def __init__(self, spec: ModelSpec, *, threads: int = 2, context: int = 1024,
                 batch: int = 64, flash_attn: bool = True, verify_hash: bool = True,
                 warm_prefixes: WarmPrefixes = (), fallbacks: tuple[ModelSpec, ...] = ()):
        self.spec = spec
        self.candidates = (spec, *fallbacks)
        self.fell_back = ""  # why the first choice was not loaded, when a fallback was
        self.threads, self.context, self.batch = threads, context, batch
        self.flash_attn, self.verify_hash = flash_attn, verify_hash
        self.warm_prefixes = warm_prefixes
        self.load_seconds: float | None = None
        self._llm = None
        self._lock = threading.Lock()  # the Llama object: one caller at a time
        self._state_lock = threading.Lock()
        self._status = Status(NOT_STARTED)
        self._ready = threading.Event()  # set when loading has finished, ready or not
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def status(self) -> Status:
        return self._status

    def _set(self, state: str, code: str = "", message: str = "") -> None:
        self._status = Status(state, code, message)
        if state == UNAVAILABLE and code != "closed":
            log.warning("coach model %s unavailable: %s", self.spec.name, message)
        if state in (READY, UNAVAILABLE):
            self._ready.set()

    # -- loading ---------------------------------------------------------------------------
    def start(self) -> None:
        """Load in a daemon thread; returns at once. Safe to call more than once."""
        with self._state_lock:
            if self._thread is not None or self._status.state != NOT_STARTED:
                return
            self._status = Status(LOADING)
            self._thread = threading.Thread(target=self._load_quietly, name="coach-model-load",
                                            daemon=True)
            self._thread.start()

    def load(self) -> Status:
        """Load in this thread (or wait for a load already started); returns the final status."""
        with self._state_lock:
            started = self._thread is not None or self._status.state != NOT_STARTED
            if not started:
                self._status = Status(LOADING)
        if started:
            self._ready.wait()
        else:
            self._load_quietly()
        return self._status

    def wait(self, timeout: float | None = None, cancel: threading.Event | None = None) -> bool:
        """Wait until loading has finished (at most `timeout` s, or until `cancel`); True if
        the model is ready."""
        end = None if timeout is None else time.monotonic() + timeout
        while not self._ready.is_set():
            if cancel is not None and cancel.is_set():
                return False
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                return False
            self._ready.wait(0.05 if left is None else min(0.05, left))
        return self._status.ready

    def _load_quietly(self) -> None:
        try:
            self._load()
        except Exception as exc:  # a bug or an unexpected runtime error: keep the kiosk working
            log.exception("loading the coach model failed")
            self._set(UNAVAILABLE, "error", f"the model could not be loaded ({exc})")

    def _load(self) -> None:
        started = time.perf_counter()
        problems: list[tuple[str, str]] = []  # (code, message) of each candidate not loaded
        llm = None
        for spec in self.candidates:
            problem = check_file(spec, verify_hash=self.verify_hash)
            if problem is not None:
                problems.append((problem.code, problem.message))
                continue
            try:
                import llama_cpp
            except ImportError as exc:
                self._set(UNAVAILABLE, "no_runtime", f"llama-cpp-python is not installed ({exc})")
                return
            llm = self._open(llama_cpp, spec, problems)
            if llm is not None:
                self.spec = spec
                break
        if llm is None:  # the last one tried is the root cause (the file the others come from)
            self._set(UNAVAILABLE, problems[-1][0], "; ".join(m for _, m in problems))
            return
        if problems:
            self.fell_back = "; ".join(m for _, m in problems)
            log.warning("coach model %s not used (%s); using %s", self.candidates[0].name,
                        self.fell_back, self.spec.name)
        with self._lock:
            if self._closing.is_set():  # close() came while loading
                llm.close()
                return
            self._llm = llm
        prefixes = self.warm_prefixes
        for prefix in prefixes(self.spec) if callable(prefixes) else prefixes:
            self.warm(prefix)
        with self._lock:
            if self._llm is None or self._closing.is_set():
                return
            self.load_seconds = time.perf_counter() - started
            log.info("coach model %s ready in %.2f s", self.spec.name, self.load_seconds)
            self._set(READY)

    def _open(self, llama_cpp, spec: ModelSpec, problems: list[tuple[str, str]]):
        install_log_bridge()
        try:
            with python_output_to_log():
                llm = llama_cpp.Llama(
                    model_path=str(spec.path), n_ctx=self.context, n_batch=self.batch,
                    n_threads=self.threads, n_threads_batch=self.threads,
                    flash_attn=self.flash_attn, use_mmap=False, seed=SEED, verbose=True)
            llm.verbose = False  # no prints from generate() from here on
            return llm
        except Exception as exc:  # llama.cpp reports a bad file as ValueError/RuntimeError
            problems.append(("load_failed", f"llama.cpp could not load {spec.path.name} ({exc}); "
                                            f"run `kiosk models verify {spec.name}`"))
            return None

    # -- generation ------------------------------------------------------------------------
    def tokenize(self, text: str) -> list[int]:
        with self._lock:
            return self._tokenize(text)

    def _tokenize(self, text: str) -> list[int]:
        return self._llm.tokenize(text.encode("utf-8"), add_bos=True, special=True)

    def warm(self, prefix: str, cancel: threading.Event | None = None) -> int:
        """Evaluate `prefix` now so later prompts starting with it only evaluate their end.
        Returns how many tokens were evaluated (0 when it was already warm)."""
        with self._lock:
            if self._llm is None:
                return 0
            tokens = self._tokenize(prefix)
            before = self._llm.n_tokens
            reused = self._feed(tokens, Stopper(cancel, None, self._closing))
            log.debug("warm prefix: %d tokens, %d reused (had %d)", len(tokens), reused, before)
            return len(tokens) - reused

    def _feed(self, tokens: list[int], stopper: Stopper, *, fresh_last: bool = False) -> int:
        """Make the context hold exactly `tokens`, evaluating in n_batch chunks and checking
        `stopper` between chunks. `fresh_last`: evaluate the last token even when it is there
        already, so the logits are its own (to sample from). Returns how many were reused."""
        llm = self._llm
        common = 0
        for have, want in zip(llm.input_ids[: llm.n_tokens], tokens):
            if have != want:
                break
            common += 1
        if fresh_last:
            common = min(common, len(tokens) - 1)
        llm.n_tokens = common  # Llama.eval() drops everything after n_tokens from the cache
        for i in range(common, len(tokens), self.batch):
            if stopper():
                break
            llm.eval(tokens[i:i + self.batch])
        return common

    def generate(self, prompt: str, *, max_tokens: int = 64, on_token: OnToken | None = None,
                 cancel: threading.Event | None = None, time_limit: float | None = None,
                 stop: tuple[str, ...] = (), until: Callable[[str], bool] | None = None,
                 temperature: float = 0.0, repeat_penalty: float = 1.1) -> Generation:
        """Complete `prompt`; blocking (run it in a worker thread). Stops at end of text, a `stop`
        string, when `until(text)` is true, after `max_tokens`, on `cancel` or `time_limit`."""
        started = time.monotonic()
        stopper = Stopper(cancel, time_limit, self._closing)
        result = Generation()
        if self._status.state == NOT_STARTED or not self.wait(stopper.remaining(), cancel):
            result.stop_reason = not_ready_reason(self._status, stopper)
            return result
        while not self._lock.acquire(timeout=0.05):
            if stopper():
                result.stop_reason = stopper.reason
                return result
        try:
            if self._llm is None:
                result.stop_reason = "unavailable"
                return result
            self._run(prompt, result, stopper, started, max_tokens, on_token, stop, until,
                      temperature, repeat_penalty)
        finally:
            self._lock.release()
            result.seconds = time.monotonic() - started
        return result

    def _run(self, prompt, result, stopper, started, max_tokens, on_token, stop, until,
             temperature, repeat_penalty) -> None:
        """The prompt through Llama.eval (keeps its record of the evaluated tokens, for the
        prefix reuse), then llama.cpp's own token loop on the low-level API, as in its `simple`
        example: sample, check, decode the token. Llama.generate does the same with more Python
        around every token; this keeps the app's speed at llama.cpp's (bench/coach.py)."""
        import llama_cpp

        llm = self._llm
        tokens = self._tokenize(prompt)
        result.prompt_tokens = len(tokens)
        if len(tokens) + max_tokens > llm.n_ctx():
            result.stop_reason = "error"
            log.warning("prompt of %d tokens does not fit the context of %d", len(tokens),
                        llm.n_ctx())
            return
        result.reused_tokens = self._feed(tokens, stopper, fresh_last=True)
        if stopper():
            result.stop_reason = stopper.reason
            return
        ctx, vocab = llm.ctx, llama_cpp.llama_model_get_vocab(llm.model)
        sampler = _sampler_chain(llama_cpp, llm.n_vocab(), temperature, repeat_penalty)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        buffer, one = ctypes.create_string_buffer(256), (llama_cpp.llama_token * 1)()
        pieces: list[str] = []
        text = ""
        try:
            while True:
                token = llama_cpp.llama_sampler_sample(sampler, ctx, -1)
                now = time.monotonic()
                if result.first_token_s is None:
                    result.first_token_s = now - started
                if llama_cpp.llama_vocab_is_eog(vocab, token):
                    result.stop_reason = "eos"
                    break
                result.tokens += 1
                result.token_times.append(now)
                size = llama_cpp.llama_token_to_piece(vocab, token, buffer, 256, 0, True)
                piece = decoder.decode(buffer.raw[:max(size, 0)])
                if piece:
                    pieces.append(piece)
                    text += piece
                    cut = _first_stop(text, stop)
                    if cut is not None:
                        result.text = text[:cut]
                        result.stop_reason = "stop"
                        break
                    if on_token is not None:
                        on_token(piece)
                    if until is not None and until(text):
                        result.stop_reason = "done"
                        break
                if result.tokens >= max_tokens:
                    result.stop_reason = "max_tokens"
                    break
                if stopper():
                    result.stop_reason = stopper.reason
                    break
                one[0] = token
                position = llm.n_tokens
                if llama_cpp.llama_decode(ctx, llama_cpp.llama_batch_get_one(one, 1)) != 0:
                    log.warning("llama_decode failed after %d tokens", result.tokens)
                    result.stop_reason = "error"
                    break
                llm.input_ids[position] = token  # Llama's record, for the next prefix reuse
                llm.n_tokens = position + 1
        finally:
            llama_cpp.llama_sampler_free(sampler)
        if result.stop_reason != "stop":
            result.text = "".join(pieces) + decoder.decode(b"", final=True)

    def forget(self) -> None:
        """Drop the evaluated tokens, so the next prompt starts cold (for benchmarks)."""
        with self._lock:
            if self._llm is not None:
                self._llm.reset()

    # -- shutting down ---------------------------------------------------------------------
    def close(self) -> None:
        """Stop any generation, free the model. The engine is unavailable afterwards."""
        self._closing.set()
        with self._lock:
            if self._llm is not None:
                self._llm.close()
                self._llm = None
        if self._status.state in (NOT_STARTED, LOADING, READY):
            self._set(UNAVAILABLE, "closed", "the coach was shut down")


def _sampler_chain(llama_cpp, n_vocab: int, temperature: float, repeat_penalty: float):
    """The sampler chain Llama.generate builds for these settings (penalties over the tokens
    generated in this call, then greedy, or top-k 40, typical 1.0, top-p 0.95, min-p 0.05,
    temperature and a seeded draw), so the text is the same as through Llama.generate."""
    chain = llama_cpp.llama_sampler_chain_init(llama_cpp.llama_sampler_chain_default_params())
    steps = [llama_cpp.llama_sampler_init_penalties(n_vocab, 64, repeat_penalty, 0.0, 0.0)]
    if temperature <= 0.0:
        steps.append(llama_cpp.llama_sampler_init_greedy())
    else:
        steps += [llama_cpp.llama_sampler_init_top_k(40),
                  llama_cpp.llama_sampler_init_typical(1.0, 1),
                  llama_cpp.llama_sampler_init_top_p(0.95, 1),
                  llama_cpp.llama_sampler_init_min_p(0.05, 1),
                  llama_cpp.llama_sampler_init_temp(temperature),
                  llama_cpp.llama_sampler_init_dist(SEED)]
    for step in steps:
        llama_cpp.llama_sampler_chain_add(chain, step)
    return chain


def not_ready_reason(status: Status, stopper: Stopper) -> str:
    if stopper():
        return stopper.reason  # cancelled, or the time limit passed while the model loaded
    return "unavailable"


def _first_stop(text: str, stops: tuple[str, ...]) -> int | None:
    found = [text.find(s) for s in stops if s and s in text]
    return min(found) if found else None
