"""The learning record as QR codes a phone reads as plain text: UTF-8 in QR byte mode, cut at
line ends into parts that each say "(k/n)", drawn like the sync codes (kiosk/sync/qr.py: black
on white, half blocks, a quiet zone)."""

from __future__ import annotations

import qrcode
from qrcode import constants, util
from qrcode.base import rs_blocks

from kiosk.sync.qr import ERROR_CORRECTION, QUIET_ZONE, Cell, QRError, cells_for, cells_from_matrix

MAX_PARTS = 999


def byte_capacity(version: int) -> int:
    """Most bytes a QR code of `version` holds in byte mode at error correction M."""
    bits = sum(block.data_count for block in rs_blocks(version, ERROR_CORRECTION)) * 8
    return (bits - 4 - util.length_in_bits(util.MODE_8BIT_BYTE, version)) // 8


def version_for_area(width: int, height: int) -> int:
    """The largest QR version whose code fits `width` x `height` terminal cells."""
    best = 0
    for version in range(1, 41):
        w, h = cells_for(version)
        if w > width or h > height:
            break
        best = version
    if best < 2:
        raise QRError(f"the area of {width}x{height} cells is too small for a QR code")
    return best


def parts(text: str, capacity: int) -> list[str]:
    """`text` cut into parts of at most `capacity` UTF-8 bytes, each starting "(k/n) "; cut at
    line ends where a line fits, else within the line (never inside a character)."""
    for digits in (1, 2, 3):
        room = capacity - len(f"({'9' * digits}/{'9' * digits}) ".encode())
        if room < 8:
            raise QRError("a QR code this small cannot hold the record")
        pieces = _cut(text.strip(), room)
        if len(pieces) < 10 ** digits:
            break
    if len(pieces) > MAX_PARTS:
        raise QRError("the record is too long for QR codes; save it as a file")
    return [f"({k}/{len(pieces)}) {piece}" for k, piece in enumerate(pieces, 1)]


def _cut(text: str, room: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for line in text.splitlines():
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode()) <= room:
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = ""
        while len(line.encode()) > room:
            head = _head(line, room)
            pieces.append(head)
            line = line[len(head):]
        current = line
    if current or not pieces:
        pieces.append(current)
    return pieces


def _head(line: str, room: int) -> str:
    """The longest start of `line` within `room` bytes, cut at a space if there is one."""
    size, end = 0, 0
    for end, char in enumerate(line):
        size += len(char.encode())
        if size > room:
            break
    else:
        return line
    space = line.rfind(" ", 0, end)
    return line[:space + 1] if space > 0 else line[:end]


def render(part: str, version: int) -> list[list[Cell]]:
    """Cells of one part's QR code (byte mode, UTF-8), to paint as they are."""
    data = part.encode("utf-8")
    if len(data) > byte_capacity(version):
        raise QRError(f"{len(data)} bytes do not fit QR version {version}")
    code = qrcode.QRCode(version=version, error_correction=constants.ERROR_CORRECT_M,
                         border=QUIET_ZONE)
    code.add_data(util.QRData(data, mode=util.MODE_8BIT_BYTE))
    code.make(fit=False)
    return cells_from_matrix([list(row) for row in code.get_matrix()])
