"""The installed models for IT: one status row per registered model, file checks, adding a model.

Used by `kiosk models list | verify | add`; messages are for IT (English, say what to do).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.coach.lineup import Choice
from kiosk.coach.registry import (GGUF_MAGIC, ModelSpec, Registry, RegistryError, append_entry,
                                  check_file, load_registry, sha256_of)
from kiosk.paths import models_dir


def model_rows(registry: Registry, choices: dict[str, Choice]) -> list[dict[str, Any]]:
    """Every registered model with its state (cheap file check, no sha256) and the languages
    that use it (`choices`: kiosk/coach/lineup.py's language_models)."""
    rows = []
    for spec in registry.models.values():
        problem = check_file(spec, verify_hash=False)
        rows.append({
            "name": spec.name, "file": str(spec.path), "size": spec.size,
            "licence": spec.licence, "languages": list(spec.languages),
            "min_ram_mb": spec.min_ram_mb, "prompt_style": spec.prompt_style,
            "installed": problem is None, "problem": problem.message if problem else "",
            "default": spec.name == registry.default,
            "writes_for": [lang for lang, c in choices.items()
                           if c.spec and c.spec.name == spec.name and c.writes()],
            "added_here": spec.name in registry.local, "made_from": spec.made_from,
            "fallback": spec.fallback, "description": spec.description,
        })
    return rows


def language_rows(choices: dict[str, Choice]) -> list[dict[str, Any]]:
    """Per kiosk language: the model named for it, the one that will be loaded (the first of it
    and its fallbacks whose file is there), whether it writes the language, and a note."""
    rows = []
    for lang, choice in choices.items():
        row = {"language": lang, "named": choice.name, "key": choice.key, "model": None,
               "writes": False, "note": choice.problem}
        if choice.spec is not None:
            problems = [check_file(s, verify_hash=False) for s in choice.chain]
            usable = next((s for s, p in zip(choice.chain, problems) if p is None), None)
            row["model"] = usable.name if usable else None
            row["writes"] = choice.writes(usable)
            notes = []
            if usable is None:
                notes.append(problems[0].message)
            elif usable is not choice.spec and row["writes"]:
                notes.append(f"in place of {choice.spec.name}: {problems[0].message}")
            if choice.own and not choice.spec.writes(lang):
                notes.append(f"the registry does not list {lang} for it; used because "
                             f"{choice.key} names it")
            row["note"] = "; ".join(notes)
        rows.append(row)
    return rows


def model_list_lines(rows: list[dict[str, Any]], langs: list[dict[str, Any]],
                     config_note: str) -> list[str]:
    """`model_rows` and `language_rows` as text: a few lines per model, then which language
    uses which model."""
    lines = []
    for row in rows:
        used = f"writes {','.join(row['writes_for'])} here" if row["writes_for"] else ""
        marks = [m for m, on in (("default", row["default"]), (used, used),
                                 ("added on this device", row["added_here"]),
                                 (f"made here from {row['made_from']}", row["made_from"]),
                                 (f"falls back to {row['fallback']}", row["fallback"])) if on]
        state = "installed" if row["installed"] else "NOT INSTALLED"
        lines.append(f"{row['name']}  [{state}]{'  (' + ', '.join(marks) + ')' if marks else ''}")
        lines.append(f"   {row['file']}  {row['size'] / 1e6:.0f} MB  licence {row['licence']}  "
                     f"languages {','.join(row['languages'])}  RAM >= {row['min_ram_mb']} MB  "
                     f"prompt {row['prompt_style']}")
        if row["description"]:
            lines.append(f"   {row['description']}")
        if row["problem"]:
            lines.append(f"   problem: {row['problem']}")
    lines.append("")
    lines.append(f"Which model writes which language ({config_note}):")
    if not langs:
        lines.append("  (unknown until the config loads)")
    for lang in langs:
        if lang["model"] is None:
            what = f"curated questions only: no usable model ({lang['key']} = {lang['named']!r})"
        elif not lang["writes"]:
            what = (f"curated questions only: {lang['model']} does not write {lang['language']}"
                    f" (a model of its own: [coach.models] {lang['language']} = \"NAME\")")
        else:
            what = f"{lang['model']}  [{lang['key']}]"
        lines.append(f"  {lang['language']}  {what}")
        if lang["note"]:
            lines.append(f"      {lang['note']}")
    return lines


def models_to_verify(registry: Registry, configured: list[str]) -> list[str]:
    """The models worth a full check: every one whose file is there, and the configured ones."""
    names = [n for n, s in registry.models.items() if s.path.exists()]
    return names + [n for n in dict.fromkeys(configured) if n not in names]


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
