"""Sync codes as the station's scanner reads them: each frame drawn as the export widget shows
it, rasterised and decoded by zxing-cpp (a real QR reader), and the files of a data folder by
content, to see that an import changed nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import zxingcpp

from kiosk.sync import qr


def scan_screen(frames: list[str], size: qr.FrameSize) -> list[str]:
    """What a camera or scanner reads from each frame as the export widget would show it."""
    texts = []
    for frame in frames:
        cells = qr.render_cells(frame, size.version)
        assert (len(cells[0]), len(cells)) == (size.width, size.height)
        found = zxingcpp.read_barcodes(qr.rasterise(cells, scale=3),
                                       formats=zxingcpp.BarcodeFormat.QRCode)  # as a QR scanner
        assert len(found) == 1 and found[0].format == zxingcpp.BarcodeFormat.QRCode
        assert found[0].ec_level == "M"
        texts.append(found[0].text)
    return texts


def files_of(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "kiosk.lock"}
