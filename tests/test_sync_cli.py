"""`kiosk export`, `kiosk import`, `kiosk receipt`: the whole trip between two data folders, and
clear messages with non-zero exits (never a traceback) for bad input."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import DEMO_ADMIN_PIN_HASH, DEMO_SUPERVISOR_PIN_HASH
from kiosk.entries import Response, now_iso
from kiosk.store import Store


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[str, str]:
    kiosk, station = str(tmp_path / "kiosk"), str(tmp_path / "station")
    assert main(["--data-dir", kiosk, "demo-data", "--count", "24", "--seed", "5"]) == 0
    return kiosk, station


def run(capsys, *args: str) -> tuple[int, str, str]:
    """`kiosk ARGS` in this process; the "station" data folder runs in supervisor mode."""
    station = any(str(arg).endswith("station") for arg in args)
    with pytest.MonkeyPatch.context() as patch:
        if station:
            patch.setenv("KIOSK_MODE", "supervisor")
        code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def receipt_in(text: str) -> str:
    return re.search(r"\b([A-Z2-7]{4}-[A-Z2-7]{4})\b", text).group(1)


def sync_states(data_dir: str) -> dict[str, int]:
    with Store(data_dir) as store:
        states: dict[str, int] = {}
        for entry in store.entries():
            if entry.visibility != "private":
                states[entry.sync] = states.get(entry.sync, 0) + 1
        return states


def test_file_export_import_and_receipt(dirs, tmp_path, capsys):
    kiosk, station = dirs
    file = tmp_path / "usb" / "batch.txt"
    file.parent.mkdir()
    code, out, _ = run(capsys, "--data-dir", kiosk, "export", "--file", str(file))
    assert code == 0 and "written to" in out and "kiosk receipt" in out
    lines = file.read_text().splitlines()
    assert lines and all(re.fullmatch(r"KS[A-Z2-7]+", line) for line in lines)

    code, out, _ = run(capsys, "--data-dir", station, "import", "--file", str(file))
    assert code == 0 and "new" in out
    receipt = receipt_in(out)
    code, again, _ = run(capsys, "--data-dir", station, "import", "--file", str(file))
    assert code == 0 and "imported before" in again and receipt_in(again) == receipt

    code, out, _ = run(capsys, "--data-dir", kiosk, "receipt", *receipt.lower().split("-"))
    assert code == 0 and "now synced" in out
    assert set(sync_states(kiosk)) == {"synced"}
    code, out, _ = run(capsys, "--data-dir", kiosk, "export", "--file", str(file))
    assert code == 0 and "Nothing to send" in out


def test_text_export_piped_into_text_import(dirs, capsys, monkeypatch):
    kiosk, station = dirs
    code, frames, err = run(capsys, "--data-dir", kiosk, "export", "--text", "--size", "80x24")
    assert code == 0 and "parts" in err  # messages on stderr, only frames on stdout
    assert all(len(line) <= 122 for line in frames.splitlines())  # QR version 5 frames
    pasted = "Frames from the kiosk:\n" + frames.lower() + "\nthanks\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(pasted))
    code, out, err = run(capsys, "--data-dir", station, "import", "--text", "-")
    assert code == 0 and "Imported batch" in out and err == ""


def test_png_export_and_image_import(dirs, tmp_path, capsys):
    kiosk, station = dirs
    folder = tmp_path / "png"
    code, _, _ = run(capsys, "--data-dir", kiosk, "export", "--png", str(folder),
                     "--max-entries", "6")
    assert code == 0
    images = sorted(str(p) for p in folder.glob("*.png"))
    assert images
    code, out, _ = run(capsys, "--data-dir", station, "import", "--image", *reversed(images))
    assert code == 0 and "6 new" in out


def test_answers_go_back_with_the_return_batch(dirs, tmp_path, capsys):
    kiosk, station = dirs
    file = tmp_path / "batch.txt"
    run(capsys, "--data-dir", kiosk, "export", "--file", str(file))
    run(capsys, "--data-dir", station, "import", "--file", str(file))
    with Store(station) as store:
        entry = next(e for e in store.entries() if not e.responses)
        store.save(entry.touched(status="adopted",
                                 responses=[Response(now_iso(), "Team leader", "Adopted!")]))
    back = tmp_path / "back.txt"
    code, out, _ = run(capsys, "--data-dir", station, "export", "--return", "--file", str(back))
    assert code == 0 and "demo-kiosk-1" in out
    code, out, _ = run(capsys, "--data-dir", kiosk, "import", "--file", str(back))
    assert code == 0 and "supervisor station" in out
    with Store(kiosk) as store:
        assert store.get(entry.id).responses[-1].text == "Adopted!"
    code, out, _ = run(capsys, "--data-dir", station, "receipt", receipt_in(out))
    assert code == 0 and "the kiosk has" in out
    code, out, _ = run(capsys, "--data-dir", station, "export", "--return", "--text")
    assert code == 0 and out == ""


def write_config(path: Path, data_dir: Path, site_key: str) -> Path:
    path.write_text(f"""
[kiosk]
id = "station-x"
mode = "supervisor"
data_dir = "{data_dir}"
language = "nl"
[security]
admin_pin_hash = "{DEMO_ADMIN_PIN_HASH}"
supervisor_pin_hash = "{DEMO_SUPERVISOR_PIN_HASH}"
site_key = "{site_key}"
""")
    return path


def test_a_batch_from_another_site_is_refused_in_the_configured_language(dirs, tmp_path, capsys):
    kiosk, _ = dirs
    file = tmp_path / "batch.txt"
    run(capsys, "--data-dir", kiosk, "export", "--file", str(file))
    config = write_config(tmp_path / "other.toml", tmp_path / "other",
                          "another-site-entirely-0123456789")
    code, out, err = run(capsys, "--config", str(config), "import", "--file", str(file))
    assert code == 1 and out == ""
    assert err.startswith("kiosk: pakket ") and "andere locatiesleutel" in err
    assert not (tmp_path / "other" / "entries").exists() or \
        not list((tmp_path / "other" / "entries").glob("*.json"))


@pytest.mark.parametrize("content, message", [
    ("hello\n", "line 1: This is not a kiosk sync code"),
    ("", "No sync codes found"),
    ("KSAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", "failed its check"),
])
def test_a_bad_file_is_refused_with_a_clear_message(dirs, tmp_path, capsys, content, message):
    _, station = dirs
    file = tmp_path / "bad.txt"
    file.write_text(content)
    code, out, err = run(capsys, "--data-dir", station, "import", "--file", str(file))
    assert code == 1 and message in err and out == ""


@pytest.mark.parametrize("protocol", ["2", "3"])
def test_an_incomplete_batch_says_what_is_missing_and_imports_nothing(dirs, tmp_path, capsys,
                                                                      protocol):
    kiosk, station = dirs
    file = tmp_path / "batch.txt"
    run(capsys, "--data-dir", kiosk, "export", "--file", str(file), "--size", "80x24",
        "--protocol", protocol)
    lines = file.read_text().splitlines()
    file.write_text("\n".join(lines[:2] + lines[3:]))
    missing = f"part 3 of {len(lines)} is missing" if protocol == "2" else \
        f"{len(lines) - 1} parts read, about {len(lines)} needed"
    code, _, err = run(capsys, "--data-dir", station, "import", "--file", str(file))
    assert code == 1 and missing in err
    code, _, err = run(capsys, "--data-dir", station, "import", "--text", str(file))
    assert code == 1 and missing in err
    assert not Path(station, "entries").exists() or not list(Path(station, "entries").glob("*"))


@pytest.mark.parametrize("args, message", [
    (["receipt", "ABCD-EFGH"], "does not belong to any batch"),
    (["receipt", "12"], "8 letters and digits"),
    (["import", "--file", "/no/such/file"], "no such file"),
    (["import", "--image", "/no/such.png"], "no such file"),
    (["export", "--text", "--kiosk", "k1"], "--kiosk goes with --return"),
    (["export", "--text", "--size", "20x10"], "too small"),
    (["export", "--text", "--max-entries", "0"], "at least 1"),
])
def test_user_mistakes_give_a_message_and_a_non_zero_exit(dirs, capsys, args, message):
    kiosk, _ = dirs
    code, _, err = run(capsys, "--data-dir", kiosk, *args)
    assert code != 0 and message in err


def test_a_photo_without_a_code_and_a_non_image_are_reported(dirs, tmp_path, capsys):
    from PIL import Image

    _, station = dirs
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    code, _, err = run(capsys, "--data-dir", station, "import", "--image", str(blank))
    assert code == 1 and "No sync codes found" in err
    code, _, err = run(capsys, "--data-dir", station, "import", "--image", str(text))
    assert code == 1 and "not an image" in err


def test_the_real_command_reports_errors_without_a_traceback(run_kiosk, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("KS" + "A" * 60 + "\n")
    result = run_kiosk("--data-dir", str(tmp_path / "d"), "import", "--file", str(bad))
    assert result.returncode == 1
    assert result.stderr.startswith("kiosk: line 1:") and "Traceback" not in result.stderr


def test_a_kiosk_refuses_entries_of_other_kiosks(dirs, tmp_path, capsys):
    kiosk, _ = dirs
    file = tmp_path / "batch.txt"
    run(capsys, "--data-dir", kiosk, "export", "--file", str(file))
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "other-kiosk"), "import", "--file",
                       str(file))
    assert code == 1 and "only be imported at the supervisor station" in err
