"""App commands: `run` (the app), `entries list`, `demo-data`, `pin set`."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from kiosk.cli.common import CommandError, config_from_args, open_store


def register(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="start the kiosk app (the default)")
    run.add_argument("--mode", choices=("kiosk", "supervisor"), help="override kiosk.mode")
    run.set_defaults(func=cmd_run)

    entries = sub.add_parser("entries", help="read the entries of a data folder")
    entries_sub = entries.add_subparsers(dest="entries_command", metavar="ACTION", required=True)
    listing = entries_sub.add_parser("list", help="list every entry with every field")
    listing.add_argument("--json", action="store_true", help="one JSON array, every field")
    listing.set_defaults(func=cmd_entries_list)

    demo = sub.add_parser("demo-data", help="fill a data folder with realistic demo entries")
    demo.add_argument("--count", type=int, default=60, help="how many entries (default 60)")
    demo.add_argument("--days", type=int, default=None,
                      help="spread over this many past days (default: about 30 entries a day)")
    demo.add_argument("--seed", type=int, default=None, help="random seed, for repeatable data")
    demo.add_argument("--stations", type=int, default=1,
                      help="spread over this many stations (default 1: the configured one)")
    demo.set_defaults(func=cmd_demo_data)

    pin = sub.add_parser("pin", help="PIN hashes for the config file")
    pin_sub = pin.add_subparsers(dest="pin_command", metavar="ACTION", required=True)
    pin_set = pin_sub.add_parser("set", help="ask for a PIN and print its config line")
    pin_set.add_argument("role", choices=("admin", "supervisor"))
    pin_set.set_defaults(func=cmd_pin_set)


def _log_to_journal() -> None:
    """Under systemd (INVOCATION_ID set) the terminal is tty1, so logs go to journald via syslog."""
    import logging
    import logging.handlers
    import os

    if not os.environ.get("INVOCATION_ID") or not os.path.exists("/dev/log"):
        return
    handler = logging.handlers.SysLogHandler(address="/dev/log")
    handler.ident = "kiosk: "
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def cmd_run(args: argparse.Namespace) -> int:
    import logging

    _log_to_journal()
    log = logging.getLogger("kiosk")
    config = config_from_args(args)
    if args.mode:
        config = config.with_changes(mode=args.mode)
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise CommandError("the kiosk app needs a terminal (run it on a console or in tmux)")
    store = open_store(config)
    coach = None
    try:
        from kiosk.coach.suggest import Coach
        from kiosk.ui.app import make_app

        coach = Coach(config)  # loads in the background once the app runs; never blocks it
        app = make_app(config, store, coach=coach)
        log.info("kiosk %s starting (%s mode, station %s, data %s)", config.kiosk_id,
                 config.mode, config.station, config.data_dir)
        app.run()
        if app.return_code:
            log.error("kiosk app stopped with an error (exit %s)", app.return_code)
            return app.return_code
        log.info("kiosk app closed")
    finally:
        if coach is not None:
            coach.close()
        store.close()
    return 0


def cmd_entries_list(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    store = open_store(config, readonly=True)
    entries = [entry.to_dict() for entry in store.entries()]
    if args.json:
        json.dump(entries, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    if not entries:
        print(f"No entries in {config.data_dir}.")
        return 0
    for data in entries:
        print(f"== {data['id']}  {data['created']}  {data['kind']}/{data['category']}  "
              f"{data['visibility']}  {data['station']}")
        for key, value in data.items():
            if key in ("id", "created") or value in ("", [], None):
                continue
            print(f"   {key}: {json.dumps(value, ensure_ascii=False)}")
    print(f"{len(entries)} entries in {config.data_dir}")
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    from kiosk.demo import fill_demo_data

    if args.count < 1:
        raise CommandError("--count must be at least 1", 2)
    config = config_from_args(args)
    store = open_store(config)
    try:
        made = fill_demo_data(store, config, count=args.count, days=args.days, seed=args.seed,
                              stations=args.stations)
    finally:
        store.close()
    print(f"Added {made} demo entries to {config.data_dir}")
    return 0


def cmd_pin_set(args: argparse.Namespace) -> int:
    from kiosk.pins import hash_pin

    pin = getpass.getpass(f"New {args.role} PIN (4-12 digits): ")
    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        raise CommandError("a PIN is 4 to 12 digits", 2)
    if getpass.getpass("Repeat it: ") != pin:
        raise CommandError("the two PINs differ; nothing changed", 2)
    print("Put this line in the [security] section of the config file:")
    print(f'{args.role}_pin_hash = "{hash_pin(pin)}"')
    return 0
