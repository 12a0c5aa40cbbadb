"""Make a model file on the device from a registered one with llama.cpp's own quantizer
(`llama_cpp.llama_model_quantize`, allow_requantize): the shipped Q4_1 SmolLM2 becomes Q4_0, whose
prompts llama.cpp evaluates faster on x86 (repacked Q4_0 kernels).

The quantizer runs in a child process, so a llama.cpp abort cannot take set-up down, and writes a
temp file in the models folder; only a complete GGUF is renamed into place (fsynced), then its size
and sha256 are recorded in made.toml, which kiosk/coach/registry.py reads. Every failure raises
`QuantizeError` and leaves the source file and the records as they were: the coach then loads the
registry's `fallback` (the source file).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from kiosk.coach.registry import GGUF_MAGIC, MADE_FILE, ModelSpec, Registry, check_file, \
    sha256_of
from kiosk.durable import atomic_file, fsync_dir

FTYPES = {"q4_0": "LLAMA_FTYPE_MOSTLY_Q4_0", "q4_1": "LLAMA_FTYPE_MOSTLY_Q4_1",
          "q5_0": "LLAMA_FTYPE_MOSTLY_Q5_0", "q5_1": "LLAMA_FTYPE_MOSTLY_Q5_1",
          "q8_0": "LLAMA_FTYPE_MOSTLY_Q8_0", "q4_k_m": "LLAMA_FTYPE_MOSTLY_Q4_K_M",
          "q5_k_m": "LLAMA_FTYPE_MOSTLY_Q5_K_M", "q6_k": "LLAMA_FTYPE_MOSTLY_Q6_K"}
TIME_LIMIT = 900.0  # seconds; a 135M model takes about one second on 2 cores
MADE_HEADER = """\
# Written by `kiosk models install-default`: the models set-up made on this device from a
# registered one (registry.toml, source.quantize), with the size and sha256 of the result.
# Do not edit. Delete an entry (or this file) and run install-default to make the file again.
"""

# Runs in the child: only llama_cpp is imported there (python -I: no site path games).
_CHILD = """\
import ctypes, sys
import llama_cpp
source, target, ftype, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
params = llama_cpp.llama_model_quantize_default_params()
params.ftype = getattr(llama_cpp, ftype)
params.allow_requantize = True
params.nthread = threads
sys.exit(llama_cpp.llama_model_quantize(source.encode(), target.encode(), ctypes.byref(params)))
"""


class QuantizeError(Exception):
    """The file could not be made; the message says why (the source file is untouched)."""


def make_model(spec: ModelSpec, registry: Registry, *, threads: int | None = None,
               log: Callable[[str], object] = lambda message: None) -> str:
    """Make `spec`'s file from the model it names in source.quantize and record it. Returns
    "present" when it is already made and verified, "made" otherwise; QuantizeError if not."""
    if check_file(spec) is None:
        log(f"{spec.path.name} is already made and verified")
        return "present"
    base = registry.models.get(spec.made_from)
    if base is None:
        raise QuantizeError(f"{spec.name} is not made from a registered model")
    problem = check_file(base)
    if problem is not None:
        raise QuantizeError(f"cannot make {spec.name}: {problem.message}")
    kind = spec.source.get("type", "")
    if kind not in FTYPES:
        raise QuantizeError(f"{spec.name}: unknown quantization type {kind!r}")
    version = _llama_version()
    log(f"quantizing {base.path.name} to {kind} ({spec.path.name}) with llama.cpp "
        f"(llama-cpp-python {version})")
    started = time.monotonic()
    _quantize_into_place(base.path, spec.path, FTYPES[kind], threads or os.cpu_count() or 1)
    size, sha = spec.path.stat().st_size, sha256_of(spec.path)
    record = {"name": spec.name, "file": spec.file, "sha256": sha, "size": size,
              "from": base.name, "from_sha256": base.sha256, "type": kind,
              "llama_cpp_python": version, "made": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    try:
        write_records(registry.made_path, {**registry.made, spec.name: record})
    except OSError as exc:
        raise QuantizeError(f"{spec.path.name} was made but {MADE_FILE} could not be written "
                            f"({exc.strerror or exc})") from None
    log(f"made {spec.path.name} in {time.monotonic() - started:.1f} s: {size / 1e6:.0f} MB, "
        f"sha256 {sha[:16]}... (recorded in {MADE_FILE}); {base.name} stays as the fallback")
    return "made"


def _llama_version() -> str:
    try:
        return metadata.version("llama-cpp-python")
    except metadata.PackageNotFoundError:
        raise QuantizeError("llama-cpp-python is not installed") from None


def _quantize_into_place(source: Path, target: Path, ftype: str, threads: int) -> None:
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise QuantizeError(f"cannot write in {target.parent} ({exc.strerror or exc})") from None
    os.close(fd)
    tmp = Path(name)
    try:
        _run_child(source, tmp, ftype, threads)
        with open(tmp, "rb+") as handle:
            if handle.read(4) != GGUF_MAGIC:
                raise QuantizeError(f"llama.cpp wrote no GGUF file for {target.name}")
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp made it private; the kiosk user must read the model
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except OSError as exc:
        raise QuantizeError(f"cannot put {target.name} in place ({exc.strerror or exc})") \
            from None
    finally:
        tmp.unlink(missing_ok=True)


def _run_child(source: Path, target: Path, ftype: str, threads: int) -> None:
    command = [sys.executable, "-I", "-c", _CHILD, str(source), str(target), ftype, str(threads)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, errors="replace",
                                timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        raise QuantizeError(f"llama.cpp took longer than {TIME_LIMIT:.0f} s") from None
    if result.returncode != 0:
        lines = [line.strip() for line in (result.stderr or result.stdout).splitlines()
                 if line.strip()]
        why = next((line for line in reversed(lines) if "fail" in line.lower()),
                   lines[-1] if lines else f"exit status {result.returncode}")
        raise QuantizeError(f"llama.cpp could not quantize {source.name}: {why}")


def write_records(path: Path, records: dict[str, dict[str, Any]]) -> None:
    """Write made.toml with `records` (rewritten whole, atomically)."""
    def value(v: Any) -> str:
        if isinstance(v, int) and not isinstance(v, bool):
            return str(v)
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    tables = ["[[made]]\n" + "".join(f"{k} = {value(v)}\n" for k, v in record.items())
              for record in records.values()]
    with atomic_file(path, prepare=lambda tmp: os.chmod(tmp, 0o644)) as handle:  # kiosk reads it
        handle.write((MADE_HEADER + "\n" + "\n".join(tables)).encode("utf-8"))
