"""Commands for IT: `doctor`, `backup`, `restore`, `retention`.

All four find the backup folder the same way (`kiosk.ops.backup.resolve_backup_dir`): the flag
(--dir; doctor: --backup-dir), else $KIOSK_BACKUP_DIR, else [backup] dir, else <data_dir>-backups.
Only `doctor` runs with a broken config (it reports it); the others stop with exit 2 and the key.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from kiosk.cli.common import EXIT_FAIL, EXIT_STORE, EXIT_USAGE, CommandError, config_from_args
from kiosk.config import Config


def register(sub: argparse._SubParsersAction) -> None:
    from kiosk.ops.doctor import CHECKS

    doctor = sub.add_parser("doctor", help="check this kiosk's health; exit 1 on a problem")
    doctor.add_argument("--only", metavar="CHECKS",
                        help=f"comma-separated checks to run ({','.join(CHECKS)})")
    doctor.add_argument("--json", action="store_true", help="machine-readable output")
    doctor.add_argument("--backup-dir", metavar="DIR", help="where backups are looked for")
    doctor.set_defaults(func=cmd_doctor)

    backup = sub.add_parser("backup", help="write today's backup archive of the data folder")
    backup.add_argument("--dir", metavar="DIR",
                        help="backup folder (default: $KIOSK_BACKUP_DIR, else [backup] dir in "
                             "the config, else next to the data folder: /var/lib/kiosk-backups)")
    backup.add_argument("--keep-days", type=int, metavar="N",
                        help="delete this kiosk's archives older than N days (default: "
                             "[backup] keep_days in the config, 14 if not set)")
    backup.add_argument("--list", action="store_true", help="only list the existing archives")
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser("restore", help="replace the data folder with a backup archive")
    restore.add_argument("archive", metavar="ARCHIVE", help="a kiosk-backup-*.tar.gz file")
    restore.add_argument("--force", action="store_true",
                         help="replace existing data (it is first kept as a backup archive)")
    restore.add_argument("--dir", metavar="DIR",
                         help="where the current data is kept aside (default: the backup folder, "
                              "as for backup)")
    restore.set_defaults(func=cmd_restore)

    retention = sub.add_parser("retention",
                               help="show (or with --apply remove) entries and backups older "
                                    "than [privacy] retention_days")
    retention.add_argument("--apply", action="store_true", help="really remove them")
    retention.add_argument("--dir", metavar="DIR", help="backup folder (default as for backup)")
    retention.add_argument("--quiet", action="store_true", help="print only what was removed")
    retention.set_defaults(func=cmd_retention)


def _context(args: argparse.Namespace, backup_dir: str | None):
    """What `doctor` looks at; a broken config is one of its findings, not a stop."""
    from kiosk.ops.doctor import make_context

    return make_context(args.config, getattr(args, "data_dir", None), backup_dir)


def _config_and_backups(args: argparse.Namespace) -> tuple[Config, Path]:
    """The validated config (exit 2 naming the key if it is not) and the backup folder."""
    from kiosk.ops.backup import resolve_backup_dir

    config = config_from_args(args)
    return config, resolve_backup_dir(args.dir, config.backup_dir, config.data_dir)


def cmd_doctor(args: argparse.Namespace) -> int:
    from kiosk.ops.doctor import CHECKS, FAIL, as_json, render, run_checks

    only = [name.strip() for name in args.only.split(",")] if args.only else None
    unknown = sorted(set(only or []) - set(CHECKS))
    if unknown:
        raise CommandError(f"unknown check {unknown[0]!r}; known: {', '.join(CHECKS)}", 2)
    ctx = _context(args, args.backup_dir)
    rows = run_checks(ctx, only)
    # A terminal gets the table fitted to it; piped output is never wrapped.
    width = min(shutil.get_terminal_size((100, 24)).columns, 120) if sys.stdout.isatty() else None
    print(as_json(ctx, rows) if args.json else render(ctx, rows, width=width))
    return EXIT_FAIL if any(row.status == FAIL for row in rows) else 0


def cmd_backup(args: argparse.Namespace) -> int:
    from kiosk.ops.backup import BackupError, list_backups, make_backup, prune_backups

    config, backup_dir = _config_and_backups(args)
    keep_days = config.keep_days if args.keep_days is None else args.keep_days
    if not 1 <= keep_days <= config.retention_days:
        raise CommandError(f"--keep-days must be between 1 and privacy.retention_days "
                           f"({config.retention_days}), got {keep_days}: backups may not keep "
                           f"entries past the retention limit", EXIT_USAGE)
    if args.list:
        backups = list_backups(backup_dir)
        for info in backups:
            print(f"{info.path}  {info.path.stat().st_size / 1024:,.0f} KiB")
        print(f"{len(backups)} backup archive(s) in {backup_dir}")
        return 0
    try:
        result = make_backup(config.data_dir, backup_dir, kiosk_id=config.kiosk_id)
        removed = prune_backups(backup_dir, keep_days, kiosk_id=config.kiosk_id,
                                keep=result.path)
    except BackupError as exc:
        raise CommandError(str(exc), EXIT_FAIL) from None
    print(f"Backup written: {result.path} ({result.entries} entries, {result.files} files, "
          f"{result.size / 1024:,.0f} KiB)")
    if removed:
        print(f"Removed {len(removed)} archive(s) older than {keep_days} days.")
    if result.damaged:
        raise CommandError(f"the data folder has damaged files ({', '.join(result.damaged)}); "
                           f"they are in the backup as they are. Run `kiosk doctor`.", EXIT_FAIL)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from kiosk.ops.backup import BackupError, restore_backup

    config, backup_dir = _config_and_backups(args)
    archive = Path(args.archive).expanduser()
    try:
        result = restore_backup(archive, config.data_dir, aside_dir=backup_dir,
                                kiosk_id=config.kiosk_id, force=args.force)
    except BackupError as exc:
        raise CommandError(str(exc), EXIT_STORE) from None
    print(f"Restored {result.entries} entries ({result.files} files) from {archive} into "
          f"{config.data_dir}.")
    if result.kept_aside:
        print(f"The data that was there before is kept in {result.kept_aside}.")
    if result.from_kiosk != config.kiosk_id:
        print(f"Note: this backup was made on kiosk {result.from_kiosk!r}; this device's config "
              f"says {config.kiosk_id!r}. For a replacement device, use the old device's kiosk.id.")
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    from kiosk.ops.retention import apply_retention, expired_backups, plan_retention
    from kiosk.store import Store
    from kiosk.store_errors import StoreError, StoreLocked

    config, backup_dir = _config_and_backups(args)
    say = (lambda *a: None) if args.quiet else print
    code = 0
    if not config.data_dir.is_dir():
        say(f"No data folder at {config.data_dir}: no entries to remove.")
        store = None
    else:
        try:
            store = Store(config.data_dir, readonly=not args.apply)
        except StoreLocked as exc:
            print(f"Entries not checked: {exc} The kiosk service removes them itself when it "
                  f"starts.", file=sys.stderr)
            store, code = None, EXIT_STORE
        except StoreError as exc:
            raise CommandError(str(exc), EXIT_STORE) from None
    if store is not None:
        try:
            plan = plan_retention(store, config)
            say(f"Limit: {config.retention_days} days (last change before "
                f"{plan.cutoff:%Y-%m-%d}). Past it: {len(plan.remove)} entries to remove, "
                f"{len(plan.kept_unsent)} kept because the supervisor station has not received "
                f"them yet.")
            if args.apply:
                entries, drafts = apply_retention(store, plan)
                if entries or drafts or not args.quiet:
                    print(f"Removed {entries} entries and {drafts} unfinished drafts older than "
                          f"{config.retention_days} days.")
        finally:
            store.close()
    expired = expired_backups(backup_dir, config.retention_days)
    for path in expired:
        if args.apply:
            path.unlink(missing_ok=True)
            print(f"Removed backup {path} (older than {config.retention_days} days).")
        else:
            say(f"Would remove backup {path}.")
    if not args.apply:
        say("Nothing was changed; add --apply to remove.")
    return code
