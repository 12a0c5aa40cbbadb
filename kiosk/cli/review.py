"""Supervisor commands: `report` (team-meeting report of a week), `insights` (aggregates) and
`review` (list the queue, mark seen, answer, set an idea's status, read the audit log)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from kiosk.cli.common import CommandError, config_from_args, open_store
from kiosk.entries import CATEGORIES, KINDS, STATUSES
from kiosk.i18n import available_languages


def register(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="the team-meeting report of one week")
    report.add_argument("--week", default="this",
                        help="ISO week like 2026-W48, or this (default) or last")
    report.add_argument("--format", choices=("md", "csv", "html"), default="md",
                        help="Markdown (default), CSV (one row per entry) or HTML")
    report.add_argument("--out", metavar="FILE", help="write to FILE instead of the screen")
    report.add_argument("--lang", choices=available_languages(),
                        help="labels (default: ui.language)")
    _scope_arguments(report)
    report.set_defaults(func=cmd_report)

    insights = sub.add_parser("insights", help="aggregate counts and themes (no per-person data)")
    _scope_arguments(insights)
    insights.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    insights.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    insights.add_argument("--weeks", type=int, default=12, help="weeks in the week series")
    insights.add_argument("--lang", choices=available_languages())
    insights.add_argument("--json", action="store_true")
    insights.set_defaults(func=cmd_insights)

    review = sub.add_parser("review", help="the supervisor's review queue and actions")
    review_sub = review.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    listing = review_sub.add_parser("list", help="the review queue: urgent and not seen first, then newest")
    _scope_arguments(listing)
    listing.add_argument("--category", choices=CATEGORIES)
    listing.add_argument("--kind", choices=KINDS)
    listing.add_argument("--status", choices=STATUSES)
    seen = listing.add_mutually_exclusive_group()
    seen.add_argument("--unseen", action="store_const", const=False, dest="seen")
    seen.add_argument("--seen", action="store_const", const=True, dest="seen")
    listing.add_argument("--waiting", action="store_true", help="only items waiting for you")
    listing.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    listing.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    listing.add_argument("--search", metavar="TEXT", help="words (or \"a phrase\") to find")
    listing.add_argument("--limit", type=int, default=20)
    listing.add_argument("--offset", type=int, default=0)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_review_list)

    mark = review_sub.add_parser("seen", help="mark an entry seen")
    mark.add_argument("entry_id")
    mark.add_argument("--by", required=True, help="your display name (shown to the worker)")
    mark.set_defaults(func=cmd_review_seen)

    answer = review_sub.add_parser("answer", help="answer an entry (marks it seen)")
    answer.add_argument("entry_id")
    answer.add_argument("text")
    answer.add_argument("--by", required=True, help="your display name (shown to the worker)")
    answer.set_defaults(func=cmd_review_answer)

    status = review_sub.add_parser("status", help="move an idea to a status")
    status.add_argument("entry_id")
    status.add_argument("status", choices=STATUSES)
    status.add_argument("--reason", default="", help="needed for declined; the worker reads it")
    status.add_argument("--by", required=True, help="your display name")
    status.set_defaults(func=cmd_review_status)

    audit = review_sub.add_parser("audit", help="show the audit log of supervisor actions")
    audit.add_argument("--json", action="store_true")
    audit.set_defaults(func=cmd_review_audit)


def _scope_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--line", help="only this line")
    parser.add_argument("--station", help="only this station")


def _loaded_index(store):
    from kiosk.review.queue import ReviewIndex

    index = ReviewIndex(store)
    index.load()
    return index


def _read_store(args: argparse.Namespace):
    config = config_from_args(args)
    return config, open_store(config, readonly=True)


# -- report -----------------------------------------------------------------------------------
def cmd_report(args: argparse.Namespace) -> int:
    from kiosk.review.report import ReportError, build_report, render

    config, store = _read_store(args)
    try:
        report = build_report(store, args.week, line=args.line,
                              station=args.station, min_group_size=config.min_group_size)
        text = render(report, args.format, args.lang or config.language)
    except ReportError as exc:
        raise CommandError(str(exc), 2) from None
    finally:
        store.close()
    if args.out:
        out = Path(args.out)
        try:
            out.write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from None
        print(f"Wrote the report of {report.week} to {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


# -- insights ---------------------------------------------------------------------------------
def cmd_insights(args: argparse.Namespace) -> int:
    from kiosk.i18n import Strings
    from kiosk.review.insights import format_insights, insights_for
    from kiosk.review.learning_view import format_learning, insights_learning

    config, store = _read_store(args)
    scope = dict(line=args.line, station=args.station, date_from=args.date_from,
                 date_to=args.date_to, weeks=max(1, args.weeks))
    try:
        index = _loaded_index(store)
        try:
            found = insights_for(index, min_group_size=config.min_group_size, **scope)
            learning = insights_learning(store, min_size=config.min_group_size, **scope)
        except ValueError as exc:
            raise CommandError(str(exc), 2) from None
    finally:
        store.close()
    if args.json:
        json.dump({**asdict(found), "learning": asdict(learning)}, sys.stdout,
                  ensure_ascii=False, indent=2)
        print()
        return 0
    labels = Strings.report(args.lang or config.language)
    print(format_insights(found, labels) + format_learning(learning, labels, scope["weeks"]))
    return 0


# -- review -----------------------------------------------------------------------------------
def cmd_review_list(args: argparse.Namespace) -> int:
    config, store = _read_store(args)
    try:
        index = _loaded_index(store)
        try:
            total, page = index.filter(
                line=args.line, station=args.station, category=args.category, kind=args.kind,
                status=args.status, seen=args.seen, waiting=True if args.waiting else None,
                date_from=args.date_from, date_to=args.date_to, text=args.search,
                limit=max(0, args.limit), offset=max(0, args.offset))
        except ValueError as exc:
            raise CommandError(str(exc), 2) from None
    finally:
        store.close()
    fields = ("id", "created", "line", "station", "kind", "category", "status", "seen",
              "visibility", "answers", "headline")
    if args.json:
        json.dump({"total": total, "items": [{f: getattr(i, f) for f in fields} for i in page]},
                  sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    from kiosk.review.plaintext import plain

    for item in page:
        mark = " " if item.seen else "*"
        print(f"{mark} {item.id}  {item.created[:10]}  {plain(item.station):<20.20}  "
              f"{item.kind:<11} {item.category:<11} {item.status:<8}  {plain(item.headline)}")
    shown = f"{args.offset + 1}-{args.offset + len(page)}" if page else "none"
    print(f"{total} matching ({shown} shown; * = not seen yet)")
    return 0


def _act(args: argparse.Namespace, action) -> int:
    from kiosk.i18n import Strings
    from kiosk.review.actions import ReviewError
    from kiosk.review.audit import AuditError
    from kiosk.store_errors import StoreError

    config = config_from_args(args)
    store = open_store(config)
    try:
        entry = action(store)
    except ReviewError as exc:
        raise CommandError(exc.text(config.language), 1) from None
    except (AuditError, StoreError) as exc:
        raise CommandError(Strings(config.language).message(exc), 3) from None
    finally:
        store.close()
    print(f"{entry.id}: seen={'yes' if entry.seen else 'no'}, status={entry.status}, "
          f"answers={len(entry.responses)}")
    return 0


def cmd_review_seen(args: argparse.Namespace) -> int:
    from kiosk.review.actions import mark_seen

    return _act(args, lambda store: mark_seen(store, args.entry_id, by=args.by))


def cmd_review_answer(args: argparse.Namespace) -> int:
    from kiosk.review.actions import answer

    return _act(args, lambda store: answer(store, args.entry_id, args.text, by=args.by))


def cmd_review_status(args: argparse.Namespace) -> int:
    from kiosk.review.actions import set_status

    return _act(args, lambda store: set_status(store, args.entry_id, args.status,
                                               reason=args.reason, by=args.by))


def cmd_review_audit(args: argparse.Namespace) -> int:
    from kiosk.review.audit import AUDIT_FILE, read_audit
    from kiosk.review.plaintext import plain

    config = config_from_args(args)
    contents = read_audit(config.data_dir / AUDIT_FILE)
    if args.json:
        json.dump({"records": [r.to_dict() for r in contents.records],
                   "problems": [asdict(p) for p in contents.problems]},
                  sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for r in contents.records:
            changes = []
            for key, value in r.after.items():
                after = json.dumps(value, ensure_ascii=False)
                changes.append(f"{key}: {json.dumps(r.before[key], ensure_ascii=False)} -> "
                               f"{after}" if key in r.before else f"{key}: {after}")
            note = f"  {r.note}" if r.note else ""
            print(plain(f"{r.at}  {r.who}  {r.action}  {r.entry}  {', '.join(changes)}"
                        f"{note}"))
        print(f"{len(contents.records)} audit records in {config.data_dir / AUDIT_FILE}")
    for problem in contents.problems:
        print(f"kiosk: audit log line {problem.line}: {problem.problem}", file=sys.stderr)
    return 0
