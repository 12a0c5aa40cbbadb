"""QR rendering of sync frames: a module matrix, terminal half-block cells, images.

A frame is encoded in QR alphanumeric mode (Base32 text fits its character set) at error
correction M. On a terminal each cell shows two modules with the upper half block "▀": the
foreground is the top module, the background the bottom one, always explicit black on white
(never the theme's colours) with a 4-module white quiet zone. `frame_size_for(width, height)`
picks the largest QR version that fits a widget; `render_cells(text, version)` gives rows of
(char, fg, bg) that a widget paints as they are; `rasterise(cells)` turns exactly those cells
back into an image, which the tests decode with zxing-cpp.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import qrcode
from qrcode import constants, util
from qrcode.base import rs_blocks

from kiosk.sync.codec import MIN_FRAME_CHARS

if TYPE_CHECKING:  # Pillow is optional at runtime (only for images)
    from PIL.Image import Image

BLACK, WHITE = "#000000", "#ffffff"
HALF_BLOCK = "▀"
QUIET_ZONE = 4
ERROR_CORRECTION = constants.ERROR_CORRECT_M
MAX_VERSION = 40

Cell = tuple[str, str, str]  # (character, foreground, background)


class QRError(ValueError):
    """The frame does not fit, or the area is too small for any QR code."""


def modules_for(version: int) -> int:
    """Side of a QR code of `version` in modules, without the quiet zone."""
    return 17 + 4 * version


def cells_for(version: int) -> tuple[int, int]:
    """(width, height) in terminal cells of a rendered code, quiet zone included."""
    side = modules_for(version) + 2 * QUIET_ZONE
    return side, (side + 1) // 2


def alphanumeric_capacity(version: int) -> int:
    """Most alphanumeric characters a version holds at error correction M."""
    bits = sum(block.data_count for block in rs_blocks(version, ERROR_CORRECTION)) * 8
    bits -= 4 + util.length_in_bits(util.MODE_ALPHA_NUM, version)
    return bits // 11 * 2 + (1 if bits % 11 >= 6 else 0)


@dataclass(frozen=True)
class FrameSize:
    """The QR version for an area, how many frame characters it holds, and its size in cells."""

    version: int
    max_chars: int
    width: int  # cells
    height: int  # cells


def frame_size_for(width: int, height: int, *, max_version: int = MAX_VERSION) -> FrameSize:
    """The largest QR code that fits `width` x `height` terminal cells (quiet zone included)."""
    best = None
    for version in range(1, max_version + 1):
        w, h = cells_for(version)
        if w > width or h > height:
            break
        if alphanumeric_capacity(version) >= MIN_FRAME_CHARS:
            best = FrameSize(version, alphanumeric_capacity(version), w, h)
    if best is None:
        w, h = cells_for(2)
        raise QRError(f"the area of {width}x{height} cells is too small for a sync QR code; "
                      f"it needs at least {w}x{h}")
    return best


def frame_capacity_for(width: int, height: int) -> int:
    """Most frame characters a QR code filling `width` x `height` cells can hold."""
    return frame_size_for(width, height).max_chars


def version_for(text: str) -> int:
    """The smallest version at error correction M that holds `text`."""
    for version in range(1, MAX_VERSION + 1):
        if alphanumeric_capacity(version) >= len(text):
            return version
    raise QRError(f"a frame of {len(text)} characters does not fit any QR code")


def matrix(text: str, version: int | None = None) -> list[list[bool]]:
    """QR modules of `text` (True = dark), quiet zone included."""
    version = version or version_for(text)
    if len(text) > alphanumeric_capacity(version):
        raise QRError(f"a frame of {len(text)} characters does not fit QR version {version}")
    code = qrcode.QRCode(version=version, error_correction=ERROR_CORRECTION, border=QUIET_ZONE)
    code.add_data(util.QRData(text.upper(), mode=util.MODE_ALPHA_NUM))
    code.make(fit=False)
    return [list(row) for row in code.get_matrix()]


def cells_from_matrix(modules: list[list[bool]]) -> list[list[Cell]]:
    """Two module rows per cell row; an odd last row gets a white bottom half."""
    rows = []
    for top in range(0, len(modules), 2):
        upper = modules[top]
        lower = modules[top + 1] if top + 1 < len(modules) else [False] * len(upper)
        rows.append([(HALF_BLOCK, BLACK if a else WHITE, BLACK if b else WHITE)
                     for a, b in zip(upper, lower)])
    return rows


def render_cells(text: str, version: int | None = None) -> list[list[Cell]]:
    """Rows of (char, fg, bg) cells showing `text` as a QR code; paint them as they are."""
    return cells_from_matrix(matrix(text, version))


def render_lines(cells: list[list[Cell]]) -> list[str]:
    """The characters alone (every cell is a half block); for plain-text previews."""
    return ["".join(char for char, _, _ in row) for row in cells]


def rasterise(cells: list[list[Cell]], scale: int = 4) -> "Image":
    """An image of exactly these cells: each cell `scale` pixels wide, 2 * `scale` tall."""
    from PIL import Image

    height = len(cells) * 2 * scale
    width = (len(cells[0]) if cells else 0) * scale
    image = Image.new("L", (width, height), 255)
    pixels = image.load()
    for row, line in enumerate(cells):
        for col, (char, fg, bg) in enumerate(line):
            top, bottom = (fg, bg) if char == HALF_BLOCK else (bg, bg)
            for half, colour in ((0, top), (1, bottom)):
                if colour == BLACK:
                    y0 = (2 * row + half) * scale
                    for y in range(y0, y0 + scale):
                        for x in range(col * scale, (col + 1) * scale):
                            pixels[x, y] = 0
    return image


def image(text: str, version: int | None = None, scale: int = 8) -> "Image":
    """A square image of the frame's QR code, `scale` pixels per module."""
    from PIL import Image

    modules = matrix(text, version)
    side = len(modules)
    small = Image.new("L", (side, side), 255)
    small.putdata([0 if dark else 255 for row in modules for dark in row])
    return small.resize((side * scale, side * scale), Image.NEAREST)


def save_png(text: str, path: str | Path, version: int | None = None, scale: int = 8) -> Path:
    path = Path(path)
    image(text, version, scale).save(path, format="PNG")
    return path


def read_images(paths: list[str | Path]) -> list[str]:
    """Texts of every QR code found in the images (zxing-cpp); raises QRError if unreadable."""
    try:
        import zxingcpp
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise QRError("reading images needs zxing-cpp and Pillow: pip install 'kiosk[imaging]'") \
            from None
    texts = []
    for path in paths:
        try:
            with Image.open(path) as picture:
                picture.load()
                found = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode)
        except FileNotFoundError:
            raise QRError(f"{path}: no such file") from None
        except (UnidentifiedImageError, OSError) as exc:
            raise QRError(f"{path}: not an image that can be read ({exc})") from None
        texts.extend(code.text for code in found if code.valid)
    return texts
