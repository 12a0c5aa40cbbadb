"""Coach benchmark: model load time, time to first token (warm prefix vs cold), tokens/s of the
app's streaming path vs llama.cpp's own loop (low-level llama_decode + sampler, same model, context,
threads and prompt) as a ratio in one run, cancel latency (while tokens stream, and during the
evaluation of a cold prompt) and resident memory.

    python bench/coach.py [--model NAME] [--threads N] [--runs N] [--tokens N]

Targets (DESIGN.md): first token < 0.5 s warm, speed ratio >= 0.9, cancel < 0.5 s, RSS < 300 MB.
The machine's load average is printed too: other processes on the same cores slow llama.cpp down
a lot.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.coach.engine import Engine  # noqa: E402
from kiosk.coach.prompts import prompt_set  # noqa: E402
from kiosk.coach.registry import check_file, load_registry, sha256_of  # noqa: E402
from kiosk.coach.suggest import Coach  # noqa: E402
from kiosk.config import load_config  # noqa: E402

DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "observations_dev.jsonl"
FALLBACK_TEXTS = [
    "The vacuum pump on the pick and place is getting louder and the suction is weaker.",
    "We waited 40 minutes for material from the warehouse because the order came too late.",
    "Three boxes went out with the wrong label; the customer sent them back.",
]
LONG_PROMPT = ("<|im_start|>user\nCount from 1 to 500, separated by commas.<|im_end|>\n"
               "<|im_start|>assistant\n1, 2, 3,")


def memory_mb() -> dict[str, float]:
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


def english_texts() -> list[str]:
    if DEV_SET.exists():
        rows = [json.loads(line) for line in DEV_SET.read_text().splitlines() if line.strip()]
        return [r["text"] for r in rows if r["lang"] == "en"]
    return FALLBACK_TEXTS


def first_token_times(coach: Coach, texts: list[str], *, cold: bool) -> list[float]:
    times = []
    for text in texts:
        if cold:
            coach.engine.forget()
        else:
            coach.engine.warm(prompt_set("en").prefix(coach.engine.spec.prompt_style))
        started = time.perf_counter()
        first: list[float] = []
        coach.suggest(text, "en", on_token=lambda piece: first or first.append(
            time.perf_counter() - started))
        if first:
            times.append(first[0])
    return times


def app_path(engine: Engine, tokens: int) -> tuple[float, str]:
    """Tokens/s of Engine.generate, the streaming path the Coach uses (greedy, with on_token,
    stop strings and an `until` check on every token like a real suggestion)."""
    engine.forget()
    received: list[str] = []
    parse = prompt_set("en").parse
    result = engine.generate(LONG_PROMPT, max_tokens=tokens, on_token=received.append,
                             stop=("<|im_end|>",), until=lambda text: parse(text).complete,
                             temperature=0.0, repeat_penalty=1.0)
    return result.tokens_per_second, "".join(received)


def raw_loop(engine: Engine, tokens: int) -> tuple[float, str]:
    """llama.cpp's own loop via the low-level API on the same context: llama_decode one token at
    a time, a penalties+greedy sampler chain (what Llama.generate builds for temp 0), and
    token_to_piece, as in llama.cpp's `simple` example."""
    import llama_cpp

    llm = engine._llm
    ctx, vocab = llm.ctx, llama_cpp.llama_model_get_vocab(llm.model)
    llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(ctx), True)
    llm.reset()  # keep Llama's own bookkeeping in line with the cleared cache
    prompt = llm.tokenize(LONG_PROMPT.encode(), add_bos=True, special=True)
    for i in range(0, len(prompt), engine.batch):
        chunk = prompt[i:i + engine.batch]
        array = (llama_cpp.llama_token * len(chunk))(*chunk)
        if llama_cpp.llama_decode(ctx, llama_cpp.llama_batch_get_one(array, len(chunk))) != 0:
            raise RuntimeError("llama_decode failed on the prompt")
    sampler = llama_cpp.llama_sampler_chain_init(llama_cpp.llama_sampler_chain_default_params())
    llama_cpp.llama_sampler_chain_add(
        sampler, llama_cpp.llama_sampler_init_penalties(llm.n_vocab(), 64, 1.0, 0.0, 0.0))
    llama_cpp.llama_sampler_chain_add(sampler, llama_cpp.llama_sampler_init_greedy())
    buffer = ctypes.create_string_buffer(64)
    one = (llama_cpp.llama_token * 1)()
    pieces, stamps = [], []
    try:
        for _ in range(tokens):
            token = llama_cpp.llama_sampler_sample(sampler, ctx, -1)
            if llama_cpp.llama_vocab_is_eog(vocab, token):
                break
            stamps.append(time.perf_counter())
            n = llama_cpp.llama_token_to_piece(vocab, token, buffer, 64, 0, True)
            pieces.append(buffer.raw[:n])
            one[0] = token
            if llama_cpp.llama_decode(ctx, llama_cpp.llama_batch_get_one(one, 1)) != 0:
                raise RuntimeError("llama_decode failed")
    finally:
        llama_cpp.llama_sampler_free(sampler)
        llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(ctx), True)
        llm.reset()
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    return rate, b"".join(pieces).decode("utf-8", errors="replace")


def cancel_latency(coach: Coach, *, cold: bool) -> float:
    """Seconds from setting the cancel event to the suggestion's return: while tokens stream
    (warm prefix, after the first token), or 50 ms into the evaluation of a cold prompt."""
    cancel, first = threading.Event(), threading.Event()
    if cold:
        coach.engine.forget()
    else:
        coach.engine.warm(prompt_set("en").prefix(coach.engine.spec.prompt_style))
    worker = threading.Thread(target=coach.suggest, args=(english_texts()[0], "en"),
                              kwargs={"cancel": cancel, "on_token": lambda piece: first.set()})
    worker.start()
    if cold:
        time.sleep(0.05)
    else:
        first.wait(30)
    started = time.perf_counter()
    cancel.set()
    worker.join()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="registry name (default: the config's coach.model)")
    parser.add_argument("--threads", type=int, help="default: the config's coach.threads")
    parser.add_argument("--runs", type=int, default=5, help="speed runs of each path (default 5)")
    parser.add_argument("--tokens", type=int, default=128, help="tokens per speed run")
    args = parser.parse_args()
    config = load_config(env={})
    if args.threads:
        config = config.with_changes(threads=args.threads)
    spec = load_registry().resolve(args.model or config.model)
    problem = check_file(spec, verify_hash=False)
    if problem:
        print(f"model not usable: {problem.message}")
        return 1
    print(f"model {spec.name} ({spec.path.stat().st_size / 1e6:.0f} MB), threads {config.threads},"
          f" context {config.context}, n_batch 64, flash_attn on; cpus {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    rss_start = memory_mb()["VmRSS"]

    started = time.perf_counter()
    sha256_of(spec.path)
    sha_s = time.perf_counter() - started
    coach = Coach(config, model=spec.name)
    started = time.perf_counter()
    coach.start_loading()
    if not coach.wait_ready(300):
        print(f"coach not ready: {coach.status}")
        return 1
    load_s = time.perf_counter() - started
    engine = coach.engine
    prefix = prompt_set("en").prefix(spec.prompt_style)
    engine.forget()
    started = time.perf_counter()
    prefix_tokens = engine.warm(prefix)
    warm_s = time.perf_counter() - started
    print(f"load: {load_s:.2f} s to ready in the background (of which sha256 check ~{sha_s:.2f} s,"
          f" few-shot prefix of {prefix_tokens} tokens {warm_s:.2f} s)")

    texts = english_texts()
    warm = first_token_times(coach, texts, cold=False)
    cold = first_token_times(coach, texts, cold=True)
    for label, times, note in (("warm prefix", warm, f"{len(texts)} English dev observations"),
                               ("cold       ", cold, "whole prompt evaluated")):
        if times:
            print(f"first token, {label}: median {statistics.median(times):.3f} s, "
                  f"max {max(times):.3f} s  ({note}; {len(texts) - len(times)} without a token "
                  f"within the coach's time limit)")
        else:
            print(f"first token, {label}: none within the coach's time limit ({note}); "
                  f"is the machine busy?")

    app_rates, raw_rates = [], []
    app_text = raw_text = ""
    for _ in range(args.runs):  # interleaved, so background load hits both alike
        rate, app_text = app_path(engine, args.tokens)
        app_rates.append(rate)
        rate, raw_text = raw_loop(engine, args.tokens)
        raw_rates.append(rate)
    app, raw = statistics.median(app_rates), statistics.median(raw_rates)
    same = "same text" if app_text == raw_text[:len(app_text)] else "TEXT DIFFERS"
    print("   tok/s per run, app:", " ".join(f"{r:.0f}" for r in app_rates),
          " raw:", " ".join(f"{r:.0f}" for r in raw_rates))
    print(f"speed: app streaming path {app:.1f} tok/s, llama.cpp raw loop {raw:.1f} tok/s, "
          f"ratio {app / raw:.3f}  (median of {args.runs} interleaved runs of {args.tokens} "
          f"tokens, greedy; {same})")
    cancels = {cold: [cancel_latency(coach, cold=cold) for _ in range(args.runs)]
               for cold in (False, True)}
    print(f"cancel: {statistics.median(cancels[False]):.3f} s median, "
          f"{max(cancels[False]):.3f} s max while tokens stream; "
          f"{statistics.median(cancels[True]):.3f} s median, {max(cancels[True]):.3f} s max "
          f"during a cold prompt  ({args.runs} runs each)")
    memory = memory_mb()
    print(f"memory: RSS {memory['VmRSS']:.0f} MB now, peak {memory['VmHWM']:.0f} MB "
          f"(Python + libraries before loading: {rss_start:.0f} MB)")
    coach.close()

    checks = [("first token warm < 0.5 s", statistics.median(warm) < 0.5),
              ("speed ratio >= 0.9", app / raw >= 0.9),
              ("cancel < 0.5 s", max(max(c) for c in cancels.values()) < 0.5),
              ("RSS < 300 MB", memory["VmHWM"] < 300)]
    print("targets: " + "; ".join(f"{name}: {'ok' if ok else 'MISSED'}" for name, ok in checks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
