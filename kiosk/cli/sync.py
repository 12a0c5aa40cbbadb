"""Sync commands: `kiosk export`, `kiosk import`, `kiosk receipt` (files, PNGs, text, photos,
videos).

The same frames as on the export screen, one per line in files and text. Messages are in the
configured language; user mistakes end with a message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from kiosk.cli.common import CommandError, config_from_args, open_store
from kiosk.config import Config
from kiosk.durable import atomic_write_bytes
from kiosk.sync.codec import FILE_FRAME_CHARS, TYPE_ENTRIES, Batch, decode_lines
from kiosk.sync.collect import collect_batches
from kiosk.sync.errors import Message, SyncError

EXIT_REJECTED = 1


def register(sub: argparse._SubParsersAction) -> None:
    export = sub.add_parser(
        "export", help="write the entries to send (or, at the station, answers) as sync frames",
        description="Kiosk: the shared entries without a receipt, as QR sync frames. Station "
                    "(--return): the answers and idea status for one kiosk.")
    where = export.add_mutually_exclusive_group(required=True)
    where.add_argument("--file", metavar="PATH", help="a text file, one frame a line (USB stick)")
    where.add_argument("--png", metavar="DIR", help="one PNG image of a QR code per frame")
    where.add_argument("--text", action="store_true", help="frames to standard output")
    export.add_argument("--return", dest="return_batch", action="store_true",
                        help="at the supervisor station: answers and status back to a kiosk")
    export.add_argument("--kiosk", metavar="ID", help="with --return: the kiosk to answer")
    export.add_argument("--max-entries", type=int, metavar="N",
                        help="at most N entries (the rest go in the next batch)")
    export.add_argument("--protocol", type=int, choices=(2, 3), default=3,
                        help="3 (default): fountain-coded frames; 2: numbered frames, for a "
                             "station whose app is not updated yet")
    export.add_argument("--size", metavar="WxH", type=_size,
                        help="frames for a QR code of W x H terminal cells (default: 120x40 for "
                             "--png, long lines for files and text)")
    export.set_defaults(func=cmd_export)

    imp = sub.add_parser("import", help="read sync frames: entries at the station, answers "
                                        "at the kiosk")
    source = imp.add_mutually_exclusive_group(required=True)
    source.add_argument("--file", metavar="PATH", help="a file written by `kiosk export --file`")
    source.add_argument("--text", metavar="FILE",
                        help="pasted or scanned frames, one a line, other lines skipped "
                             "('-' reads standard input)")
    source.add_argument("--image", metavar="FILE", nargs="+",
                        help="photos or screenshots of the QR codes (any order)")
    source.add_argument("--video", metavar="FILE",
                        help="a video of the export screen, e.g. filmed with a phone (needs "
                             "kiosk[camera])")
    imp.set_defaults(func=cmd_import)

    receipt = sub.add_parser("receipt", help="enter the receipt code shown after an import")
    receipt.add_argument("code", nargs="+", help="the 8-character code, e.g. K7QD-M2XA")
    receipt.set_defaults(func=cmd_receipt)


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT in cells, e.g. 120x40, "
                                         f"got {text!r}")
    return int(match.group(1)), int(match.group(2))


def _say(config: Config, key: str, *, err: bool = False, **values: object) -> None:
    print(Message(key, values).text(config.language), file=sys.stderr if err else sys.stdout)


def _fail(config: Config, exc: SyncError) -> CommandError:
    return CommandError(exc.text(config.language), EXIT_REJECTED)


# -- export ---------------------------------------------------------------------------------------
def cmd_export(args: argparse.Namespace) -> int:
    from kiosk.sync import exchange, qr

    config = config_from_args(args)
    if args.max_entries is not None and args.max_entries < 1:
        raise CommandError("--max-entries must be at least 1", 2)
    if args.kiosk and not args.return_batch:
        raise CommandError("--kiosk goes with --return", 2)
    size = args.size or ((120, 40) if args.png else None)
    frame_size = None
    if size:
        try:
            frame_size = qr.frame_size_for(*size)
        except qr.QRError as exc:
            raise CommandError(str(exc), 2) from None
    store = open_store(config)
    try:
        if args.return_batch:
            args.kiosk = exchange.resolve_kiosk(store, args.kiosk)
            batch = exchange.export_replies(store, config, args.kiosk,
                                            max_entries=args.max_entries)
        else:
            batch = exchange.export_entries(store, config, max_entries=args.max_entries)
    except SyncError as exc:
        raise _fail(config, exc) from None
    finally:
        store.close()
    if batch is None:
        if args.return_batch:
            _say(config, "export.nothing_return", err=args.text, kiosk=args.kiosk)
        else:
            _say(config, "export.nothing", err=args.text)
        return 0
    try:
        frames = batch.frames(frame_size.max_chars if frame_size else FILE_FRAME_CHARS,
                              protocol=args.protocol)
    except SyncError as exc:
        raise _fail(config, exc) from None
    where = _write_frames(args, frames, batch.label, frame_size)
    values = {"label": batch.label, "count": batch.count, "frames": len(frames), "where": where}
    if args.return_batch:
        _say(config, "export.done_return", err=args.text, kiosk=batch.to, **values)
        if batch.lessons:
            _say(config, "lessons.exported", err=args.text, lessons=batch.lessons)
    else:
        _say(config, "export.done", err=args.text, **values)
        _say(config, "export.then_receipt", err=args.text)
    return 0


def _write_frames(args: argparse.Namespace, frames: list[str], label: str, frame_size) -> str:
    from kiosk.sync import qr

    if args.text:
        sys.stdout.write("".join(f"{frame}\n" for frame in frames))
        sys.stdout.flush()
        return "standard output"
    try:
        if args.file:
            path = Path(args.file).expanduser()
            if path.is_dir():
                path = path / f"kiosk-sync-{label}.txt"
            atomic_write_bytes(path, "".join(f"{f}\n" for f in frames).encode("ascii"))
            return str(path)
        folder = Path(args.png).expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        for number, frame in enumerate(frames, 1):
            qr.save_png(frame, folder / f"{label}-{number:03d}-of-{len(frames):03d}.png",
                        frame_size.version)
        return str(folder)
    except ImportError:
        raise CommandError("PNG output needs Pillow: pip install 'kiosk[imaging]'", 1) from None
    except OSError as exc:
        raise CommandError(f"cannot write {exc.filename or args.file or args.png}: "
                           f"{exc.strerror or exc}", 1) from None


# -- import ---------------------------------------------------------------------------------------
def cmd_import(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    if args.file:
        lines = _read_lines(args.file)
        try:
            batches = decode_lines(lines, config.site_key)
        except SyncError as exc:
            raise _fail(config, exc) from None
        problems = []
    else:
        if args.video:
            batches, problems = _read_video(config, args.video)
        else:
            lines = _read_images(args.image) if args.image else _read_lines(args.text)
            batches, problems = collect_batches(lines, config.site_key)
        for problem in problems:
            print(problem.text(config.language), file=sys.stderr)
    if not batches:
        if problems:
            return EXIT_REJECTED  # each problem was reported above
        raise CommandError(Message("batch.none_found").text(config.language), EXIT_REJECTED)
    _import_all(config, batches)
    return EXIT_REJECTED if problems else 0


def _read_lines(name: str) -> list[str]:
    try:
        if name == "-":
            return sys.stdin.read().splitlines()
        return Path(name).expanduser().read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        raise CommandError(f"{name}: no such file", 1) from None
    except IsADirectoryError:
        raise CommandError(f"{name}: is a folder, not a file", 1) from None
    except OSError as exc:
        raise CommandError(f"{name}: cannot be read ({exc.strerror or exc})", 1) from None


def _read_images(paths: list[str]) -> list[str]:
    from kiosk.sync import qr

    try:
        return qr.read_images(paths)
    except qr.QRError as exc:
        raise CommandError(str(exc), 1) from None


def _read_video(config: Config, path: str) -> tuple[list[Batch], list[Message]]:
    """The batches in a video, saying each part read as it comes (on standard error)."""
    from kiosk.sync import qr, video

    def progress(message: Message) -> None:
        print(message.text(config.language), file=sys.stderr, flush=True)

    try:
        return video.collect_video(Path(path).expanduser(), config.site_key, progress)
    except qr.QRError as exc:
        raise CommandError(str(exc), 1) from None


def _import_all(config: Config, batches: list[Batch]) -> None:
    from kiosk.sync import exchange

    store = open_store(config)
    try:
        for batch in batches:
            try:
                report = exchange.import_batch(store, config, batch)
            except SyncError as exc:
                raise CommandError(Message("batch.named", {"label": batch.label, "problem": exc})
                                   .text(config.language), EXIT_REJECTED) from None
            print(report.message().text(config.language))
            if report.again:
                _say(config, "import.again")
            key = "import.receipt_station" if batch.batch_type == TYPE_ENTRIES else \
                "import.receipt_kiosk"
            _say(config, key, code=report.receipt)
    finally:
        store.close()


# -- receipt --------------------------------------------------------------------------------------
def cmd_receipt(args: argparse.Namespace) -> int:
    from kiosk.sync import exchange

    config = config_from_args(args)
    store = open_store(config)
    try:
        report = exchange.apply_receipt(store, config, " ".join(args.code))
    except SyncError as exc:
        raise _fail(config, exc) from None
    finally:
        store.close()
    print(report.message().text(config.language))
    return 0
