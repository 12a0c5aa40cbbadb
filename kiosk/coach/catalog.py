"""The installed models for IT: one status row per registered model, file checks, adding a model.

Used by `kiosk models list | verify | add`; messages are for IT (English, say what to do).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.coach.registry import (GGUF_MAGIC, ModelSpec, Registry, RegistryError, append_entry,
                                  check_file, load_registry, sha256_of)
from kiosk.paths import models_dir


def model_rows(registry: Registry, configured: str | None) -> list[dict[str, Any]]:
    """Every registered model with its state (cheap file check, no sha256)."""
    rows = []
    for spec in registry.models.values():
        problem = check_file(spec, verify_hash=False)
        rows.append({
            "name": spec.name, "file": str(spec.path), "size": spec.size,
            "licence": spec.licence, "languages": list(spec.languages),
            "min_ram_mb": spec.min_ram_mb, "prompt_style": spec.prompt_style,
            "installed": problem is None, "problem": problem.message if problem else "",
            "default": spec.name == registry.default, "configured": spec.name == configured,
            "added_here": spec.name in registry.local,
            "description": spec.description,
        })
    return rows


def model_list_lines(rows: list[dict[str, Any]], registry: Registry,
                     configured: str | None) -> list[str]:
    """`model_rows` as text, a few lines per model, and a note on a configured unknown model."""
    lines = []
    for row in rows:
        marks = [m for m, on in (("default", row["default"]), ("configured", row["configured"]),
                                 ("added on this device", row["added_here"])) if on]
        state = "installed" if row["installed"] else "NOT INSTALLED"
        lines.append(f"{row['name']}  [{state}]{'  (' + ', '.join(marks) + ')' if marks else ''}")
        lines.append(f"   {row['file']}  {row['size'] / 1e6:.0f} MB  licence {row['licence']}  "
                     f"languages {','.join(row['languages'])}  RAM >= {row['min_ram_mb']} MB  "
                     f"prompt {row['prompt_style']}")
        if row["description"]:
            lines.append(f"   {row['description']}")
        if row["problem"]:
            lines.append(f"   problem: {row['problem']}")
    if configured and configured not in registry.models:
        lines.append(f"config: coach.model = {configured!r} is not in the registry")
    return lines


def models_to_verify(registry: Registry, configured: str | None) -> list[str]:
    """The models worth a full check: every one whose file is there, and the configured one."""
    names = [n for n, s in registry.models.items() if s.path.exists()]
    if configured and configured not in names:
        names.append(configured)
    return names


def verify_model(registry: Registry, name: str) -> tuple[bool, str]:
    """Full check of one model (size, GGUF header, sha256): whether it passed, and a line."""
    try:
        spec = registry.resolve(name)
    except RegistryError as exc:
        return False, f"FAIL {name}: {exc}"
    problem = check_file(spec)
    if problem is None:
        return True, f"ok   {spec.name}: {spec.path} ({spec.size} bytes, sha256 verified)"
    return False, f"FAIL {spec.name}: {problem.message}"


def add_model(source: Path, *, name: str | None, licence: str, languages: str,
              min_ram_mb: int, prompt_style: str, description: str, in_place: bool,
              log: Callable[[str], object]) -> tuple[Registry, ModelSpec]:
    """Register a GGUF file in local.toml, copied into the models folder unless `in_place`.

    RegistryError (nothing changed) for a missing or non-GGUF file, a name already taken, a
    file of that name already in the models folder, or a registry that does not read.
    Returns the registry as it was before and the new entry.
    """
    source = source.expanduser().resolve()
    if not source.is_file():
        raise RegistryError(f"{source}: no such file")
    with open(source, "rb") as handle:
        if handle.read(4) != GGUF_MAGIC:
            raise RegistryError(f"{source}: not a GGUF model file (llama.cpp format)")
    registry = load_registry()
    name = (name or source.stem).lower().replace(" ", "-")
    if name in registry.models:
        raise RegistryError(f"a model named {name!r} is already registered")
    langs = tuple(lang.strip() for lang in languages.split(",") if lang.strip())
    folder = models_dir()
    if in_place:
        file = str(source)
    else:
        target = folder / source.name
        if target.exists() and target.resolve() != source:
            raise RegistryError(f"{target} exists already; rename the file or use --in-place")
        if target.resolve() != source:
            log(f"copying {source} to {target}")
            shutil.copyfile(source, target)
        file = source.name
    log("computing sha256 ...")
    spec = ModelSpec(name=name, file=file, sha256=sha256_of(source), size=source.stat().st_size,
                     licence=licence, languages=langs, min_ram_mb=min_ram_mb,
                     prompt_style=prompt_style, description=description, folder=folder)
    append_entry(registry.local_path, spec)
    return registry, spec
