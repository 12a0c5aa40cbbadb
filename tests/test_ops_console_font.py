"""`kiosk doctor`'s console font check (kiosk/ops/console_font.py): it reads the font file that
console-setup names (PSF 1 and 2, gzipped or not), warns when it lacks a configured language's
letters or the QR codes' half blocks, and passes with a note where there is no console."""

from __future__ import annotations

import gzip
import json
import struct
from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.ops import console_font
from kiosk.ops.console_font import check_console_font, configured_font, psf_chars
from kiosk.ops.doctor_rows import Context

DATA = Path(__file__).parent / "data" / "console_font_Vietnamese-Terminus16.txt"
REAL_FONT = Path("/usr/share/consolefonts/Vietnamese-Terminus16.psf.gz")


def psf2(chars: str) -> bytes:
    """A PSF2 font of 8x1 glyphs, one per character, with a Unicode table."""
    header = struct.pack("<8I", 0x864AB572, 0, 32, 0x01, len(chars), 1, 1, 8)
    glyphs = b"\x00" * len(chars)
    table = b"".join(c.encode("utf-8") + b"\xff" for c in chars)
    return header + glyphs + table


def psf1(chars: str) -> bytes:
    """A PSF1 font (256 glyphs of height 1, Unicode table) whose first glyphs are `chars`."""
    table = b"".join(struct.pack("<HH", ord(c), 0xFFFF) for c in chars)
    table += struct.pack("<H", 0xFFFF) * (256 - len(chars))
    return b"\x36\x04\x02\x01" + b"\x00" * 256 + table


def context(tmp_path: Path, **config_changes) -> Context:
    config = load_config(env={}).with_changes(data_dir=tmp_path / "data", **config_changes)
    return Context(config=config, config_error=None, config_path=None, data_dir=config.data_dir,
                   backup_dir=tmp_path / "backups", model="m", coach_enabled=False, mode="kiosk",
                   kiosk_id="k", retention_days=730, tty1=tmp_path / "not-a-console")


@pytest.fixture
def fonts(tmp_path, monkeypatch):
    """A console-setup config and fonts folder in tmp_path, used by the check."""
    folder = tmp_path / "consolefonts"
    folder.mkdir()
    setup = tmp_path / "console-setup"
    monkeypatch.setattr(console_font, "CONSOLE_SETUP", setup)
    monkeypatch.setattr(console_font, "FONT_DIRS", (folder,))
    monkeypatch.setattr(console_font, "_is_console", lambda fd: False)
    return folder, setup


ASCII = "".join(map(chr, range(0x20, 0x7F)))


def test_psf_fonts_of_both_versions_are_read_gzipped_or_not():
    assert psf_chars(psf2("aąb")) == frozenset("aąb")
    assert psf_chars(gzip.compress(psf2("ğış"))) == frozenset("ğış")
    assert psf_chars(psf1("xyż")) == frozenset("xyż")
    assert psf_chars(b"not a font") is None


def test_a_font_without_a_languages_letters_or_the_half_blocks_warns(tmp_path, fonts):
    folder, setup = fonts
    (folder / "Lat15-Fixed16.psf.gz").write_bytes(gzip.compress(psf2(ASCII + "éè█")))
    setup.write_text('CHARMAP="UTF-8"\nCODESET="Lat15"\nFONTFACE="Fixed"\nFONTSIZE="8x16"\n')
    [row] = check_console_font(context(tmp_path, languages=("en", "nl")))
    assert row.status == "WARN" and "Lat15-Fixed16.psf.gz" in row.detail
    assert "Nederlands: " in row.detail and "ë" in row.detail and "▀▄" in row.detail
    assert 'CODESET="Vietnamese" FONTFACE="Terminus"' in row.fix


def test_the_deploy_font_passes_for_every_language(tmp_path, fonts):
    folder, setup = fonts
    chars = DATA.read_text(encoding="utf-8").split("\n")[2]
    (folder / "Vietnamese-Terminus16.psf.gz").write_bytes(gzip.compress(psf2(chars)))
    setup.write_text('CODESET="Vietnamese"\nFONTFACE="Terminus"\nFONTSIZE="8x16"\n')
    assert configured_font(setup, (folder,))[0] == folder / "Vietnamese-Terminus16.psf.gz"
    [row] = check_console_font(context(tmp_path))  # every language with content
    assert row.status == "OK", row


def test_font_named_directly_with_font_is_found(tmp_path, fonts):
    folder, setup = fonts
    (folder / "custom.psf").write_bytes(psf2(ASCII))
    setup.write_text('FONT="custom.psf"\n')
    [row] = check_console_font(context(tmp_path, languages=("en",)))
    assert row.status == "WARN" and "custom.psf" in row.detail and "▀▄█" in row.detail


def test_no_console_and_no_console_setup_is_a_skip(tmp_path, fonts):
    [row] = check_console_font(context(tmp_path))
    assert row.status == "SKIP" and "not on a Linux console" in row.detail
    fonts[1].write_text('CODESET="Lat15"\nFONTFACE="Gone"\nFONTSIZE="8x16"\n')
    [row] = check_console_font(context(tmp_path))
    assert row.status == "SKIP" and "no such font file" in row.detail


def test_doctor_runs_the_font_check(tmp_path, run_kiosk):
    result = run_kiosk("doctor", "--json", "--only", "font")
    assert result.returncode == 0, result.stderr
    [row] = json.loads(result.stdout)["checks"]
    assert row["name"] == "font" and row["status"] in ("OK", "WARN", "SKIP")


@pytest.mark.skipif(not REAL_FONT.is_file(), reason="console-setup's fonts are not installed")
def test_the_list_of_the_deploy_fonts_characters_is_the_real_fonts():
    real = psf_chars(REAL_FONT.read_bytes())
    assert set(DATA.read_text(encoding="utf-8").split("\n")[2]) <= real
