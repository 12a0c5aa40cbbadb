"""What every command group shares: the error that ends a command, exit codes, config and store."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.config import Config, ConfigError, load_config

EXIT_FAIL, EXIT_USAGE, EXIT_CONFIG, EXIT_STORE = 1, 2, 2, 3


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
    from kiosk.store import Store
    from kiosk.store_errors import StoreError

    try:
        return Store(config.data_dir, readonly=readonly)
    except StoreError as exc:
        raise CommandError(exc.text(config.language), EXIT_STORE) from None
