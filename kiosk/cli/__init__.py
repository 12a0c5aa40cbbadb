"""Command line: `kiosk [--config F] [--data-dir D] [COMMAND ...]`; without a command it runs the app.

An adapter like `kiosk.ui`: each command group module turns arguments into calls of the domain
packages and prints the result; `common` holds the shared plumbing (config, store, errors).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kiosk.cli import app, lessons, models, ops, review, sync
from kiosk.cli.common import EXIT_STORE, CommandError
from kiosk.store_errors import StoreError

COMMAND_GROUPS = (app, models, sync, ops, review, lessons)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk",
        description="Shop-floor learning kiosk. Without a command, starts the kiosk app.",
    )
    parser.add_argument("--config", metavar="FILE",
                        help="TOML config file (default: $KIOSK_CONFIG, else the demo config)")
    parser.add_argument("--data-dir", metavar="DIR", help="data folder (overrides the config)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(sub)
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
