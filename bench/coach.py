"""Coach benchmark, for the configured model next to the file it falls back to (the Q4_0 SmolLM2
next to the shipped Q4_1 it is made from), each in a fresh process like the kiosk's: time from
start to a ready coach (sha256 check, load, few-shot prefix), prompt processing speed, time to
first token (warm prefix vs cold), tokens/s of the app's streaming path vs llama.cpp's own loop
(low-level llama_decode + sampler, same model, context, threads and prompt) as a ratio in the same
process, cancel latency (while tokens stream, and during the evaluation of a cold prompt) and
resident memory.

    python bench/coach.py [--model NAME] [--compare NAME] [--threads N] [--runs N] [--tokens N]

--model: the model to judge (default: the config's coach.model); --compare: the one to show next
to it (default: its fallback; "none" for none). Targets (issue 12) for the judged model: ready
< 2 s after start, first token < 0.25 s warm, app/raw speed >= 0.95, peak RSS < 250 MB, cancel
< 0.5 s. The machine's load average is printed too: other processes on the same cores slow
llama.cpp down a lot, so run it twice on a busy machine.
"""

from __future__ import annotations

import time

PROCESS_START = time.perf_counter()  # noqa: E402  (before the imports: they are part of start)

import argparse  # noqa: E402
import ctypes  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.coach.engine import Engine  # noqa: E402
from kiosk.coach.prompts import prompt_set  # noqa: E402
from kiosk.coach.registry import check_file, load_registry, sha256_of  # noqa: E402
from kiosk.coach.suggest import Coach  # noqa: E402
from kiosk.config import load_config  # noqa: E402

# ../shared/eval/ beside the checkout (or beside a folder of worktrees)
DEV_SET = next((p / "shared" / "eval" / "observations_dev.jsonl"
                for p in Path(__file__).resolve().parents[1:4]
                if (p / "shared" / "eval" / "observations_dev.jsonl").exists()),
               Path(__file__).resolve().parents[2] / "shared" / "eval" / "observations_dev.jsonl")
FALLBACK_TEXTS = [
    "The vacuum pump on the pick and place is getting louder and the suction is weaker.",
    "We waited 40 minutes for material from the warehouse because the order came too late.",
    "Three boxes went out with the wrong label; the customer sent them back.",
]
LONG_PROMPT = ("<|im_start|>user\nCount from 1 to 500, separated by commas.<|im_end|>\n"
               "<|im_start|>assistant\n1, 2, 3,")
TARGETS = (("ready", "ready < 2 s after start", lambda v: v < 2.0),
           ("first_warm", "first token warm < 0.25 s", lambda v: v < 0.25),
           ("ratio", "app/raw speed >= 0.95", lambda v: v >= 0.95),
           ("rss_peak", "peak RSS < 250 MB", lambda v: v < 250),
           ("cancel_max", "cancel < 0.5 s", lambda v: v < 0.5))


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


def app_path(engine: Engine, tokens: int) -> tuple[float, str, float]:
    """Tokens/s of Engine.generate, the streaming path the Coach uses (greedy, with on_token,
    stop strings and an `until` check on every token like a real suggestion); also tokens per
    CPU second of the process for the whole call (prompt included), which other processes on
    the same cores disturb less than the wall clock."""
    engine.forget()
    received: list[str] = []
    parse = prompt_set("en").parse
    cpu = time.process_time()
    result = engine.generate(LONG_PROMPT, max_tokens=tokens, on_token=received.append,
                             stop=("<|im_end|>",), until=lambda text: parse(text).complete,
                             temperature=0.0, repeat_penalty=1.0)
    cpu = time.process_time() - cpu
    return result.tokens_per_second, "".join(received), result.tokens / cpu


def raw_loop(engine: Engine, tokens: int) -> tuple[float, str, float]:
    """llama.cpp's own loop via the low-level API on the same context: llama_decode one token at
    a time, a penalties+greedy sampler chain (what Llama.generate builds for temp 0), and
    token_to_piece, as in llama.cpp's `simple` example."""
    import llama_cpp

    llm = engine._llm
    ctx, vocab = llm.ctx, llama_cpp.llama_model_get_vocab(llm.model)
    llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(ctx), True)
    llm.reset()  # keep Llama's own bookkeeping in line with the cleared cache
    cpu = time.process_time()
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
        cpu = time.process_time() - cpu
        llama_cpp.llama_sampler_free(sampler)
        llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(ctx), True)
        llm.reset()
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    return rate, b"".join(pieces).decode("utf-8", errors="replace"), len(stamps) / cpu


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


def measure(name: str, threads: int, runs: int, tokens: int) -> dict:
    """Every figure for one model, in this (fresh) process."""
    config = load_config(env={}).with_changes(threads=threads)
    spec = load_registry().resolve(name)
    problem = check_file(spec, verify_hash=False)
    if problem:
        return {"name": name, "error": problem.message}
    out: dict = {"name": spec.name, "mb": spec.path.stat().st_size / 1e6,
                 "rss_start": memory_mb()["VmRSS"], "load_before": os.getloadavg()[0]}
    started = time.perf_counter()
    sha256_of(spec.path)
    out["sha"] = time.perf_counter() - started
    coach = Coach(config, model=spec.name)
    engine = coach.engine
    engine.candidates = (spec,)  # measure this file, never its fallback
    started = time.perf_counter()
    coach.start_loading()
    if not coach.wait_ready(300):
        return {"name": name, "error": f"coach not ready: {coach.status}"}
    out["ready"] = time.perf_counter() - started
    out["ready_process"] = time.perf_counter() - PROCESS_START
    prefix = prompt_set("en").prefix(spec.prompt_style)
    pp = []
    for _ in range(3):  # prompt processing: the few-shot prefix, evaluated cold
        engine.forget()
        started = time.perf_counter()
        out["prefix_tokens"] = engine.warm(prefix)
        pp.append(out["prefix_tokens"] / (time.perf_counter() - started))
    out["pp"] = statistics.median(pp)

    texts = english_texts()
    warm = first_token_times(coach, texts, cold=False)
    cold = first_token_times(coach, texts[:3], cold=True)  # slow: a few are enough
    out.update(texts=len(texts), first_warm=statistics.median(warm) if warm else 99.0,
               first_warm_max=max(warm, default=99.0),
               first_cold=statistics.median(cold) if cold else 99.0)

    app_rates, raw_rates, ratios, cpu_ratios = [], [], [], []
    app_text = raw_text = ""
    for i in range(runs):  # interleaved, order alternating: background load hits both alike
        if i % 2 == 0:
            app, app_text, app_cpu = app_path(engine, tokens)
            raw, raw_text, raw_cpu = raw_loop(engine, tokens)
        else:
            raw, raw_text, raw_cpu = raw_loop(engine, tokens)
            app, app_text, app_cpu = app_path(engine, tokens)
        app_rates.append(app)
        raw_rates.append(raw)
        ratios.append(app / raw if raw else 0.0)
        cpu_ratios.append(app_cpu / raw_cpu if raw_cpu else 0.0)
    out.update(app=statistics.median(app_rates), raw=statistics.median(raw_rates),
               ratio=statistics.median(ratios), cpu_ratio=statistics.median(cpu_ratios),
               best_ratio=max(app_rates) / max(raw_rates), app_runs=app_rates,
               raw_runs=raw_rates, same_text=app_text == raw_text[:len(app_text)])
    cancels = {c: [cancel_latency(coach, cold=c) for _ in range(runs)] for c in (False, True)}
    out.update(cancel_stream=statistics.median(cancels[False]),
               cancel_cold=statistics.median(cancels[True]),
               cancel_max=max(max(c) for c in cancels.values()))
    memory = memory_mb()
    out.update(rss=memory["VmRSS"], rss_peak=memory["VmHWM"], load_after=os.getloadavg()[0])
    coach.close()
    return out


ROWS = (("file size", "mb", "{:.0f} MB"),
        ("ready after start_loading", "ready", "{:.2f} s"),
        ("  ... after process start", "ready_process", "{:.2f} s"),
        ("  of which sha256 check", "sha", "{:.2f} s"),
        ("prompt processing (prefix)", "pp", "{:.0f} tok/s"),
        ("first token, warm prefix", "first_warm", "{:.3f} s"),
        ("  max", "first_warm_max", "{:.3f} s"),
        ("first token, cold", "first_cold", "{:.3f} s"),
        ("app streaming path", "app", "{:.1f} tok/s"),
        ("llama.cpp raw loop", "raw", "{:.1f} tok/s"),
        ("app/raw (median of pairs)", "ratio", "{:.3f}"),
        ("  best run / best run", "best_ratio", "{:.3f}"),
        ("  per CPU second", "cpu_ratio", "{:.3f}"),
        ("cancel while streaming", "cancel_stream", "{:.3f} s"),
        ("cancel during cold prompt", "cancel_cold", "{:.3f} s"),
        ("RSS at the end", "rss", "{:.0f} MB"),
        ("  peak", "rss_peak", "{:.0f} MB"),
        ("load average (1 min) before", "load_before", "{:.2f}"),
        ("  after", "load_after", "{:.2f}"))


def report(results: list[dict], args) -> None:
    width = 16
    names = [r["name"] for r in results]
    print(f"{'':28}" + "".join(f"{n[-width:]:>{width + 2}}" for n in names))
    for label, key, fmt in ROWS:
        cells = [fmt.format(r[key]) if key in r else "-" for r in results]
        print(f"{label:28}" + "".join(f"{c:>{width + 2}}" for c in cells))
    for r in results:
        if "app_runs" in r:
            runs = {k: " ".join(f"{v:.0f}" for v in r[f"{k}_runs"]) for k in ("app", "raw")}
            print(f"   {r['name']}: tok/s per run, app {runs['app']}, raw {runs['raw']}"
                  + ("" if r["same_text"] else "  TEXT DIFFERS"))
    first = results[0]
    print(f"({first.get('texts', 0)} English observations for warm first tokens, 3 for cold; "
          f"{args.runs} "
          f"interleaved speed runs of {args.tokens} tokens, greedy; threads {args.threads}, "
          f"context 1024, n_batch 64, flash_attn on; cpus {os.cpu_count()})")
    if len(results) > 1 and "pp" in results[1] and "pp" in first:
        print(f"{first['name']} vs {results[1]['name']}: prompt processing "
              f"x{first['pp'] / results[1]['pp']:.2f}, ready "
              f"x{results[1]['ready'] / first['ready']:.2f} sooner, generation "
              f"x{first['app'] / results[1]['app']:.2f}")
    if "error" in first:
        print(f"{first['name']}: {first['error']}")
        return
    print(f"targets for {first['name']}: " + "; ".join(
        f"{label}: {'ok' if test(first[key]) else 'MISSED'}" for key, label, test in TARGETS))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="registry name (default: the config's coach.model)")
    parser.add_argument("--compare", help="registry name to show next to it (default: its "
                                          "fallback; none: no comparison)")
    parser.add_argument("--threads", type=int, help="default: the config's coach.threads")
    parser.add_argument("--runs", type=int, default=9, help="speed runs of each path (default 9)")
    parser.add_argument("--tokens", type=int, default=128, help="tokens per speed run")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child: measure this, print JSON
    args = parser.parse_args()
    config = load_config(env={})
    args.threads = args.threads or config.threads
    if args.one:
        print(json.dumps(measure(args.one, args.threads, args.runs, args.tokens)))
        return 0
    registry = load_registry()
    spec = registry.resolve(args.model or config.model)
    names = [spec.name]
    other = args.compare if args.compare is not None else spec.fallback
    if other and other != "none":
        names.append(registry.resolve(other).name)
    print(f"load average {os.getloadavg()[0]:.2f} at the start; each model in a fresh process",
          flush=True)
    results = []
    for name in names:
        child = subprocess.run([sys.executable, __file__, "--one", name, "--threads",
                                str(args.threads), "--runs", str(args.runs), "--tokens",
                                str(args.tokens)], capture_output=True, text=True)
        if child.returncode != 0:
            print(child.stderr[-2000:])
            results.append({"name": name, "error": f"exit status {child.returncode}"})
        else:
            results.append(json.loads(child.stdout.strip().splitlines()[-1]))
    report(results, args)
    return 0 if "error" not in results[0] else 1


if __name__ == "__main__":
    sys.exit(main())
