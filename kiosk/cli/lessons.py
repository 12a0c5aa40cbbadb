"""`kiosk lessons`: lessons shared with every station (kiosk/learning/lessons.py). At the
station: list, share an entry, take a lesson back; at a kiosk: list the lessons received."""

from __future__ import annotations

import argparse
import json
import sys

from kiosk.cli.common import CommandError, config_from_args, open_store


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("lessons", help="lessons shared with every station")
    lessons_sub = group.add_subparsers(dest="lessons_command", metavar="ACTION", required=True)
    listing = lessons_sub.add_parser("list", help="station: lessons shared; kiosk: received")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)

    share = lessons_sub.add_parser("share", help="share an entry with every station (station)")
    share.add_argument("entry_id")
    share.add_argument("--title", help="default: the entry's headline")
    share.add_argument("--text", help="default: what the worker learned (or what happened)")
    share.add_argument("--by", required=True, help="your display name (for the audit log)")
    share.set_defaults(func=cmd_share)

    withdraw = lessons_sub.add_parser("withdraw", help="take a shared lesson back (station)")
    withdraw.add_argument("entry_id")
    withdraw.add_argument("--by", required=True, help="your display name (for the audit log)")
    withdraw.set_defaults(func=cmd_withdraw)


def cmd_list(args: argparse.Namespace) -> int:
    from kiosk.learning import lessons
    from kiosk.review.plaintext import plain

    config = config_from_args(args)
    store = open_store(config, readonly=True)
    try:
        if config.mode == "supervisor":
            rows = [{"entry": r["entry"], **r["lesson"], "shared": r["shared"], "by": r["by"],
                     "withdrawn": r["withdrawn"]} for r in lessons.shared_records(store)]
        else:
            rows = [lesson.to_dict() for lesson in lessons.received_lessons(store)]
    finally:
        store.close()
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    for row in rows:
        mark = "-" if row.get("withdrawn") else " "
        print(f"{mark} {row['day']}  {plain(row['station']):<20.20}  {row['kind']:<11} "
              f"{plain(row['title'] or row['text'])}")
    print(("1 lesson" if len(rows) == 1 else f"{len(rows)} lessons")
          + (" (- = taken back)" if config.mode == "supervisor" else ""))
    return 0


def _station_store(args: argparse.Namespace):
    config = config_from_args(args)
    if config.mode != "supervisor":
        raise CommandError("lessons are shared at the supervisor station (kiosk.mode = "
                           "\"supervisor\"); this is a kiosk", 2)
    return config, open_store(config)


def _run(args: argparse.Namespace, action):
    from kiosk.i18n import Strings
    from kiosk.learning.lessons import LessonError
    from kiosk.review.audit import AuditError
    from kiosk.store_errors import StoreError

    config, store = _station_store(args)
    try:
        return action(store)
    except LessonError as exc:
        raise CommandError(exc.text(config.language), 1) from None
    except (AuditError, StoreError) as exc:
        raise CommandError(Strings(config.language).message(exc), 3) from None
    finally:
        store.close()


def cmd_share(args: argparse.Namespace) -> int:
    from kiosk.learning import lessons

    def share(store):
        entry = store.get(args.entry_id)
        title, text = lessons.suggested_wording(entry) if entry else ("", "")
        return lessons.share_lesson(store, args.entry_id, by=args.by,
                                    title=title if args.title is None else args.title,
                                    text=text if args.text is None else args.text)

    lesson = _run(args, share)
    print(f"{args.entry_id}: shared as lesson {lesson.id} ({lesson.day}, {lesson.station}); "
          f"it goes with the next return batch to each kiosk")
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    from kiosk.learning import lessons

    taken = _run(args, lambda store: lessons.withdraw_lesson(store, args.entry_id, by=args.by))
    print(f"{args.entry_id}: " + ("taken back; kiosks remove it with their next return batch"
                                  if taken else "not shared, nothing to take back"))
    return 0
