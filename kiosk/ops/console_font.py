"""`kiosk doctor`'s console font check: can tty1 show the letters of the kiosk's languages (ą ł ś,
ğ ı İ ş, ...) and the half blocks of the sync QR codes (▀ ▄ █)?

Which characters the font has, first found wins:
1. the kiosk's console itself (/dev/tty1, readable by root) or this terminal when it is a Linux
   console: the kernel's Unicode map of the loaded font (ioctl GIO_UNIMAP);
2. the console-setup configuration (/etc/default/console-setup: FONT, or CODESET + FONTFACE +
   FONTSIZE), whose font file (PSF 1 or 2, maybe gzipped) lists the characters of each glyph.
Neither there (not a Linux console, no console-setup): the check says so and passes (SKIP).
deploy/install.sh sets DEPLOY_FONT, which has every letter of the shipped languages.
"""

from __future__ import annotations

import ctypes
import fcntl
import gzip
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from kiosk.i18n import available_languages, language_letters, language_name
from kiosk.ops.doctor_rows import OK, SKIP, WARN, Check, Context

GIO_UNIMAP = 0x4B66
CONSOLE_SETUP = Path("/etc/default/console-setup")
FONT_DIRS = (Path("/usr/share/consolefonts"), Path("/usr/share/kbd/consolefonts"))
DEPLOY_FONT = ("Vietnamese", "Terminus", "8x16")  # CODESET, FONTFACE, FONTSIZE (install.sh)
QR_GLYPHS = "▀▄█"  # the sync QR codes on screen (kiosk/sync/qr.py, widgets/bigcode.py)
_PSF1, _PSF2 = b"\x36\x04", b"\x72\xb5\x4a\x86"


@dataclass(frozen=True)
class Font:
    chars: frozenset[str]
    source: str  # where the map came from, for the doctor's row


class _UniPair(ctypes.Structure):
    _fields_ = [("unicode", ctypes.c_ushort), ("fontpos", ctypes.c_ushort)]


class _UniMapDesc(ctypes.Structure):
    _fields_ = [("entry_ct", ctypes.c_ushort), ("entries", ctypes.POINTER(_UniPair))]


def loaded_font(device: Path | int) -> frozenset[str] | None:
    """The characters of the font loaded on a Linux console (a path or an open descriptor), or
    None when it is not a console or cannot be read here."""
    fd = device if isinstance(device, int) else None
    try:
        if fd is None:
            fd = os.open(device, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
        pairs = (_UniPair * 65535)()
        desc = _UniMapDesc(65535, ctypes.cast(pairs, ctypes.POINTER(_UniPair)))
        fcntl.ioctl(fd, GIO_UNIMAP, desc)
    except OSError:
        return None
    finally:
        if fd is not None and not isinstance(device, int):
            os.close(fd)
    return frozenset(chr(pairs[i].unicode) for i in range(desc.entry_ct))


def psf_chars(data: bytes) -> frozenset[str] | None:
    """The characters a PSF font file's Unicode table gives its glyphs; None without a table."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:2] == _PSF1:
        mode, height = data[2], data[3]
        if not mode & 0x02:  # no Unicode table
            return None
        table = data[4 + (512 if mode & 0x01 else 256) * height:]
        codes = struct.unpack(f"<{len(table) // 2}H", table[:len(table) // 2 * 2])
        return frozenset(chr(c) for c in codes if c < 0xFFFE)
    if data[:4] == _PSF2:
        _, header, flags, count, size = struct.unpack_from("<5I", data, 4)
        if not flags & 0x01:
            return None
        found: set[str] = set()
        for glyph in data[header + count * size:].split(b"\xff"):
            found.update(glyph.split(b"\xfe", 1)[0].decode("utf-8", "ignore"))
        return frozenset(found)
    return None


def configured_font(config: Path | None = None,
                    dirs: tuple[Path, ...] | None = None) -> tuple[Path | None, str]:
    """(the font file console-setup loads, what the config says), from its config file."""
    config = CONSOLE_SETUP if config is None else config
    dirs = FONT_DIRS if dirs is None else dirs
    try:
        text = config.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None, ""
    values = dict(re.findall(r'^\s*([A-Z]+)\s*=\s*"?([^"\n]*)"?', text, flags=re.M))
    if values.get("FONT"):
        names = [values["FONT"].split()[0]]
        said = f'FONT="{values["FONT"]}"'
    else:
        codeset, face, size = (values.get(k, "") for k in ("CODESET", "FONTFACE", "FONTSIZE"))
        said = f'CODESET="{codeset}" FONTFACE="{face}" FONTSIZE="{size}"'
        width, _, height = size.partition("x")
        names = [f"{codeset}-{face}{n}" for n in (height, size, f"{height}x{width}") if n]
    for name in names:
        for folder in dirs:
            for candidate in (Path(name), folder / name):
                for suffix in ("", ".psf.gz", ".psf", ".psfu.gz", ".psfu"):
                    path = candidate.with_name(candidate.name + suffix)
                    if path.is_absolute() and path.is_file():
                        return path, said
    return None, said


def console_font(ctx: Context, config: Path | None = None,
                 dirs: tuple[Path, ...] | None = None) -> Font | str:
    """The font tty1 shows (see the module docstring), or why it cannot be told."""
    config = CONSOLE_SETUP if config is None else config
    for device in (ctx.tty1, 0):
        if device == 0 and not _is_console(0):
            continue
        chars = loaded_font(device)
        if chars:
            return Font(chars, f"the font loaded on {'this console' if device == 0 else device}")
    path, said = configured_font(config, dirs)
    if path is not None:
        try:
            chars = psf_chars(path.read_bytes())
        except (OSError, EOFError, struct.error, ValueError):
            chars = None
        if chars:
            return Font(chars, f"{path.name} ({config}: {said})")
        return f"{path} has no Unicode table to check"
    if said:
        return f"{config} says {said}, but no such font file was found"
    return "not on a Linux console and no console-setup config here"


def _is_console(fd: int) -> bool:
    try:
        return bool(re.fullmatch(r"/dev/tty\d+", os.ttyname(fd)))
    except OSError:
        return False


def missing(font: frozenset[str], languages: list[str] | tuple[str, ...]) -> dict[str, str]:
    """{what: the characters `font` lacks} for each language (and "QR" for the half blocks)."""
    gaps = {}
    for language in languages:
        lacking = "".join(sorted(language_letters(language) - font))
        if lacking:
            gaps[language] = lacking
    qr = "".join(c for c in QR_GLYPHS if c not in font)
    if qr:
        gaps["QR"] = qr
    return gaps


def check_console_font(ctx: Context) -> list[Check]:
    languages = ctx.config.languages if ctx.config is not None else tuple(available_languages())
    found = console_font(ctx)
    if isinstance(found, str):
        return [Check("font", SKIP, f"console font not checked: {found}")]
    gaps = missing(found.chars, languages)
    if not gaps:
        return [Check("font", OK, f"{found.source} has the letters of "
                      f"{', '.join(language_name(code) for code in languages)} and the QR "
                      f"codes' blocks")]
    said = "; ".join(f"{'the sync QR codes' if what == 'QR' else language_name(what)}: {chars}"
                     for what, chars in gaps.items())
    codeset, face, size = DEPLOY_FONT
    return [Check("font", WARN, f"{found.source} lacks {said}: tty1 shows them as blanks or "
                  f"question marks",
                  f'set CODESET="{codeset}" FONTFACE="{face}" FONTSIZE="{size}" in '
                  f"{CONSOLE_SETUP} and run `sudo setupcon` (deploy/install.sh does this)")]
