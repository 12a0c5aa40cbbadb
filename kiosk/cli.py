"""Command line: `kiosk [--config F] [--data-dir D] [COMMAND ...]`; without a command it runs the app.

Each command group lives in its own module with a `register(subparsers)` function; this module
only holds the shared plumbing (config, data folder, store, error reporting).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from kiosk.config import Config, ConfigError, load_config
from kiosk.store import StoreError

COMMAND_MODULES = (
    "kiosk.commands",
    "kiosk.coach.commands",
    "kiosk.sync.commands",
    "kiosk.ops.commands",
    "kiosk.review.commands",
)

EXIT_USAGE, EXIT_CONFIG, EXIT_STORE = 2, 2, 3


class CommandError(Exception):
    """A problem to print as `kiosk: <message>` with an exit code (no traceback)."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def config_from_args(args: argparse.Namespace) -> Config:
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        raise CommandError(f"config error: {exc}", EXIT_CONFIG) from None
    if getattr(args, "data_dir", None):
        config = config.with_changes(data_dir=Path(args.data_dir).expanduser())
    return config


def open_store(config: Config, *, readonly: bool = False):
    from kiosk.store import Store, StoreError

    try:
        return Store(config.data_dir, readonly=readonly)
    except StoreError as exc:
        raise CommandError(str(exc), EXIT_STORE) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk",
        description="Shop-floor learning kiosk. Without a command, starts the kiosk app.",
    )
    parser.add_argument("--config", metavar="FILE",
                        help="TOML config file (default: $KIOSK_CONFIG, else the demo config)")
    parser.add_argument("--data-dir", metavar="DIR", help="data folder (overrides the config)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
                continue  # a command group not built yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*(argv if argv is not None else sys.argv[1:]), "run"])
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return exc.code
    except StoreError as exc:  # a damaged, full or locked data folder, met after opening it
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_STORE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `kiosk entries list --json | head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
