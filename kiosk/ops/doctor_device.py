"""`kiosk doctor`, the device checks: the model file, llama.cpp against this CPU, memory, the
terminal and the Linux console."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from pathlib import Path

from kiosk.durable import lock_holder
from kiosk.ops.doctor_rows import FAIL, OK, SKIP, WARN, Check, Context

MIN_COLS, MIN_ROWS = 80, 24
APP_MB_WITHOUT_MODEL = 120
OS_RESERVE_MB = 100

# llama.cpp's compile-time CPU features (llama_print_system_info) -> /proc/cpuinfo flags.
CPU_FLAGS = {
    "SSE3": "pni", "SSSE3": "ssse3", "AVX": "avx", "AVX2": "avx2", "F16C": "f16c", "FMA": "fma",
    "BMI2": "bmi2", "AVX_VNNI": "avx_vnni", "AVX512": "avx512f", "AVX512_VBMI": "avx512vbmi",
    "AVX512_VNNI": "avx512_vnni", "AVX512_BF16": "avx512_bf16", "AMX_INT8": "amx_int8",
    "NEON": "asimd", "ARM_FMA": "asimd", "FP16_VA": "asimdhp", "DOTPROD": "asimddp",
    "MATMUL_INT8": "i8mm", "SVE": "sve",
}


def _model_specs(ctx: Context):
    """([(label, chain of specs)], []) for the configured models (the general one and each
    language's own), or ([], [Check]) when the registry does not load; a name that is not in
    the registry gives a FAIL row of its own."""
    try:
        from kiosk.coach.registry import RegistryError, load_registry
    except ImportError:
        return [], [Check("model", SKIP, "kiosk.coach.registry is not part of this build")]
    try:
        registry = load_registry()
    except RegistryError as exc:
        return [], [Check("model", FAIL, str(exc), "reinstall the app (install.sh)")]
    named = [("model", "coach.model", ctx.model or registry.default)]
    own = ctx.config.language_models if ctx.config is not None else ()
    named += [(f"model ({lang})", f"coach.models.{lang}", name) for lang, name in own]
    found, failed = [], []
    for label, key, name in named:
        try:
            found.append((label, registry.chain(registry.resolve(name))))
        except RegistryError as exc:
            failed.append(Check(label, FAIL, f"{key}: {exc}",
                                f"set {key} to a name from `kiosk models list`; until then "
                                f"the kiosk works without it (curated questions)"))
    return found, failed


def check_model(ctx: Context) -> list[Check]:
    if not ctx.coach_enabled:
        return [Check("model", OK, "coach disabled in the config: curated questions only")]
    found, rows = _model_specs(ctx)
    return [_check_chain(label, chain) for label, chain in found] + rows


def _check_chain(label: str, chain) -> Check:
    """The first of a model and its fallbacks whose file passes every check (sha256 too)."""
    from kiosk.coach.registry import check_file

    problems = []
    for spec in chain:
        problem = check_file(spec, verify_hash=True)
        if problem is None:
            break
        problems.append(problem)
    else:
        return Check(label, FAIL, problems[0].message,
                     "the kiosk still works, with curated questions only, until this is fixed")
    verified = "size and sha256 verified" if spec.sha256 else "not in the registry: unverified"
    detail = f"{spec.name}: {spec.path} ({spec.size / 2**20:.0f} MB), {verified}"
    if not problems:
        return Check(label, OK, detail)
    return Check(label, WARN, f"{chain[0].name} is not usable ({problems[0].message}); the "
                 f"coach uses its fallback {detail}", "run `sudo kiosk models install-default`")


def check_llama(ctx: Context) -> list[Check]:
    if not ctx.coach_enabled:
        return [Check("llama.cpp", SKIP, "coach disabled")]
    code = ("import llama_cpp, sys\n"
            "sys.stdout.write(llama_cpp.llama_print_system_info().decode())")
    try:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                timeout=120)
    except subprocess.TimeoutExpired:
        return [Check("llama.cpp", WARN, "loading llama-cpp-python took over 2 minutes", "")]
    rebuild = ("install an offline bundle built with the flags for older CPUs "
               "(deploy/README.md, 'Older CPUs')")
    if result.returncode < 0:
        return [Check("llama.cpp", FAIL, f"llama-cpp-python crashed while loading (signal "
                      f"{-result.returncode}): it was built for a newer CPU", rebuild)]
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["unknown error"])[-1]
        return [Check("llama.cpp", FAIL, f"llama-cpp-python does not load: {last}",
                      "reinstall: run install.sh again (or pip install llama-cpp-python)")]
    features = re.findall(r"([A-Z0-9_]+) = 1", result.stdout)
    cpu = _cpu_flags()
    missing = [f for f in features if f in CPU_FLAGS and cpu and CPU_FLAGS[f] not in cpu]
    used = " ".join(f for f in features if f in CPU_FLAGS) or "none"
    if missing:
        return [Check("llama.cpp", FAIL, f"built for CPU features this {platform.machine()} "
                      f"CPU lacks: {', '.join(missing)}; the coach would crash", rebuild)]
    return [Check("llama.cpp", OK, f"loads; uses CPU features {used}"
                  + (", all present on this CPU" if cpu else ""))]


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    flags: set[str] = set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            flags.update(value.split())
    return flags


def _meminfo() -> dict[str, int]:
    out = {}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, _, value = line.partition(":")
            out[key] = int(value.split()[0]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return out


def check_memory(ctx: Context) -> list[Check]:
    info = _meminfo()
    if "MemTotal" not in info:
        return [Check("memory", SKIP, "/proc/meminfo cannot be read")]
    need = APP_MB_WITHOUT_MODEL
    if ctx.coach_enabled:  # every model stays loaded once used: the largest, plus the others
        found, _ = _model_specs(ctx)
        models = sorted({chain[0].name: chain[0].min_ram_mb for _, chain in found}.values())
        if models and models[-1]:
            need = max(need, models[-1]) + sum(max(0, m - APP_MB_WITHOUT_MODEL)
                                               for m in models[:-1])
    total, available = info["MemTotal"], info.get("MemAvailable", 0)
    detail = f"{total} MB total, {available} MB available; the kiosk needs about {need} MB"
    if total < need + OS_RESERVE_MB:
        return [Check("memory", FAIL, detail, "use a device with more memory, or a smaller model "
                      "([coach] model), or [coach] enabled = false")]
    if available < need and not lock_holder(ctx.data_dir):
        return [Check("memory", WARN, detail, "stop other programs on this device")]
    return [Check("memory", OK, detail)]


def _terminal_size(fd: int) -> tuple[int, int] | None:
    try:
        size = os.get_terminal_size(fd)
        return size.columns, size.lines
    except OSError:
        return None


def _colours(term: str) -> int | None:
    try:
        import curses

        curses.setupterm(term, sys.stdout.fileno())
        return curses.tigetnum("colors")
    except Exception:  # no terminfo for TERM, no curses: unknown
        return None


def check_terminal(ctx: Context) -> list[Check]:
    rows = []
    if sys.stdout.isatty():
        term = os.environ.get("TERM", "")
        size = _terminal_size(sys.stdout.fileno())
        colours = _colours(term) if term else None
        where = f"this terminal (TERM={term or 'unset'}"
        where += f", {colours} colours)" if colours and colours > 0 else ")"
        if not term or term == "dumb" or (colours is not None and 0 < colours < 8):
            rows.append(Check("terminal", WARN, where + " cannot show the kiosk's colours",
                              "use TERM=linux on the console, xterm-256color elsewhere"))
        elif size and (size[0] < MIN_COLS or size[1] < MIN_ROWS):
            rows.append(Check("terminal", WARN, f"{where} is {size[0]}x{size[1]}; the kiosk "
                              f"needs at least {MIN_COLS}x{MIN_ROWS}", "enlarge the window"))
        else:
            shown = f" is {size[0]}x{size[1]}" if size else ""
            rows.append(Check("terminal", OK, where + shown))
    rows.extend(_console_rows(ctx))
    if not rows:
        rows.append(Check("terminal", SKIP, "not run in a terminal, and the console is not "
                          "readable here; run `kiosk doctor` on the kiosk's screen to check"))
    return rows


def _console_rows(ctx: Context) -> list[Check]:
    """Size of the Linux console the kiosk service uses (readable by root or the kiosk user)."""
    import fcntl
    import struct
    import termios

    try:
        fd = os.open(ctx.tty1, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError:
        return []
    try:
        rows, cols = struct.unpack("hhhh", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))[:2]
    except OSError:
        return []
    finally:
        os.close(fd)
    if cols and rows and (cols < MIN_COLS or rows < MIN_ROWS):
        return [Check("console", FAIL, f"{ctx.tty1} is {cols}x{rows}; the kiosk needs at least "
                      f"{MIN_COLS}x{MIN_ROWS}", "choose a smaller console font: sudo "
                      "dpkg-reconfigure console-setup (e.g. Terminus 8x16)")]
    if cols and rows:
        return [Check("console", OK, f"{ctx.tty1} is {cols}x{rows} (TERM=linux, 16 colours)")]
    return []
