"""`kiosk doctor`: each seeded fault is reported as a FAIL row that names the problem and what to
do, and the command exits non-zero; a healthy install passes. The CLI runs in a subprocess with a
config file in tmp_path and a small model registry of its own (KIOSK_MODELS_DIR)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from kiosk.config import DEMO_ADMIN_PIN_HASH, DEMO_SUPERVISOR_PIN_HASH
from kiosk.ops import doctor, doctor_device
from kiosk.ops.backup import archive_name, make_backup
from kiosk.store import Store

FAKE_MODEL = b"GGUF" + bytes(range(256)) * 16


def write_registry(folder: Path, payload: bytes = FAKE_MODEL) -> Path:
    """A registry with one tiny fake GGUF model whose sha256 matches `payload`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tiny.gguf").write_bytes(payload)
    (folder / "registry.toml").write_text(f'''default = "tiny"
[[model]]
name = "tiny"
file = "tiny.gguf"
sha256 = "{hashlib.sha256(payload).hexdigest()}"
size = {len(payload)}
licence = "Apache-2.0"
languages = ["en"]
min_ram_mb = 50
prompt_style = "chatml"
''')
    return folder / "tiny.gguf"


def write_config(path: Path, data_dir: Path, **sections: dict) -> Path:
    values = {
        "kiosk": {"id": "kiosk-07", "station": "Assembly 1", "data_dir": str(data_dir)},
        "security": {"admin_pin_hash": DEMO_ADMIN_PIN_HASH,
                     "supervisor_pin_hash": DEMO_SUPERVISOR_PIN_HASH,
                     "site_key": "a-long-random-site-key-for-tests"},
        "coach": {"model": "tiny"},
    }
    for section, changes in sections.items():
        values.setdefault(section, {}).update(changes)
    lines = []
    for section, items in values.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {json.dumps(value)}" for key, value in items.items())
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o640)
    return path


@pytest.fixture
def site(tmp_path: Path) -> dict:
    data = tmp_path / "data"
    Store(data).close()
    models = tmp_path / "models"
    model = write_registry(models)
    config = write_config(tmp_path / "kiosk.toml", data)
    return {"tmp": tmp_path, "data": data, "models": models, "model": model, "config": config}


def run_doctor(site: dict, *args: str, env: dict[str, str] | None = None
               ) -> subprocess.CompletedProcess:
    env = {**os.environ, "KIOSK_MODELS_DIR": str(site["models"]), **(env or {})}
    return subprocess.run([sys.executable, "-m", "kiosk", "--config", str(site["config"]),
                           "doctor", *args], capture_output=True, text=True, env=env,
                          cwd=site["tmp"], timeout=120)


def rows(result: subprocess.CompletedProcess) -> dict[str, list[dict]]:
    """The --json rows by check name."""
    found: dict[str, list[dict]] = {}
    for row in json.loads(result.stdout)["checks"]:
        found.setdefault(row["name"], []).append(row)
    return found


def fails(result) -> list[dict]:
    return [row for group in rows(result).values() for row in group if row["status"] == "FAIL"]


# -- a healthy kiosk ----------------------------------------------------------------------------

def table_rows(text: str) -> list[tuple[str, str]]:
    """The table's rows as (check name, text): the row's line and its indented continuation
    lines (wrapped details, the fix) joined with single spaces, so nothing depends on where
    the text wrapped."""
    found: list[tuple[str, str]] = []
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["CHECK", "RESULT"])
    for line in lines[start + 1:]:
        if not line.strip():
            break
        if line.startswith("   "):
            name, body = found[-1]
            found[-1] = (name, f"{body} {line.strip()}")
        else:
            name, _, body = line.strip().partition("  ")
            found.append((name, " ".join(body.split())))
    return found


def test_healthy_kiosk_passes_with_a_readable_table(site):
    result = run_doctor(site, "--only", "config,data,space,entries,lock,model,clock")
    assert result.returncode == 0, result.stdout + result.stderr
    first = dict(reversed(table_rows(result.stdout)))  # the first row of each check
    for name in ("config", "data folder", "disk space", "entries", "kiosk program", "model",
                 "clock"):
        assert first[name].startswith("OK "), result.stdout
    assert "size and sha256 verified" in first["model"]
    assert "FAIL" not in result.stdout


def test_piped_output_does_not_depend_on_the_callers_terminal(site):
    """Piped, the table is the same whatever COLUMNS says and however long the paths are."""
    narrow = run_doctor(site, "--only", "config,data,model", env={"COLUMNS": "40"})
    wide = run_doctor(site, "--only", "config,data,model", env={"COLUMNS": "300"})
    assert narrow.returncode == wide.returncode == 0, narrow.stdout + narrow.stderr
    assert narrow.stdout == wide.stdout


def test_render_without_a_width_keeps_each_row_on_one_line(tmp_path):
    long_path = tmp_path.joinpath(*["a-rather-long-folder-name"] * 8) / "tiny.gguf"
    detail = f"tiny: {long_path} (1 MB), size and sha256 verified"
    text = doctor.render(context(tmp_path), [
        doctor.Check("model", doctor.OK, detail),
        doctor.Check("clock", doctor.WARN, "late " * 40, "set the time " * 20)], width=None)
    lines = text.splitlines()
    (model,) = [line for line in lines if line.startswith("  model")]
    assert model.endswith(detail)
    clock = lines.index(next(line for line in lines if line.startswith("  clock")))
    assert lines[clock].rstrip().endswith("late")
    assert lines[clock + 1].strip() == ("To do: " + "set the time " * 20).strip()
    assert dict(table_rows(text))["clock"].startswith("WARN late late")


def test_json_output_has_every_check(site):
    result = run_doctor(site, "--json")
    report = json.loads(result.stdout)
    names = {row["name"] for row in report["checks"]}
    assert {"config", "data folder", "disk space", "entries", "kiosk program", "model",
            "memory", "clock", "backup"} <= names
    assert all(row["status"] in ("OK", "WARN", "FAIL", "SKIP") for row in report["checks"])
    assert report["ok"] == (result.returncode == 0)


# -- seeded faults ------------------------------------------------------------------------------

def test_data_dir_that_is_a_file_fails(site):
    blocker = site["tmp"] / "not-a-folder"
    blocker.write_text("x")
    write_config(site["config"], blocker)
    result = run_doctor(site, "--json", "--only", "data")
    assert result.returncode == 1
    (row,) = rows(result)["data folder"]
    assert row["status"] == "FAIL" and "is not a folder" in row["detail"]


def run_doctor_read_only_data(site: dict, *args: str) -> subprocess.CompletedProcess:
    """Root may write anywhere: run the doctor in a mount namespace where the data folder is a
    read-only bind mount."""
    env = {**os.environ, "KIOSK_MODELS_DIR": str(site["models"])}
    data = str(site["data"])
    script = ('mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"')
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                           "sh", data, sys.executable, "-m", "kiosk", "--config",
                           str(site["config"]), "doctor", *args],
                          capture_output=True, text=True, env=env, cwd=site["tmp"], timeout=120)


def test_unwritable_data_dir_fails_and_says_how_to_fix(site):
    data = site["data"]
    if os.geteuid() == 0:
        probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True)
        if probe.returncode != 0:
            pytest.skip("running as root without mount namespaces (unshare): cannot make a "
                        "folder unwritable for root")
        result = run_doctor_read_only_data(site, "--json", "--only", "data")
    else:
        data.chmod(0o555)
        try:
            result = run_doctor(site, "--json", "--only", "data")
        finally:
            data.chmod(0o755)
    assert result.returncode == 1, result.stdout + result.stderr
    (row,) = rows(result)["data folder"]
    assert row["status"] == "FAIL"
    assert "not writable" in row["detail"] and str(data) in row["detail"]
    assert "chown" in row["fix"]


def test_wrong_model_sha256_fails(site):
    damaged = bytearray(FAKE_MODEL)
    damaged[100] ^= 0xFF  # same size, GGUF header intact, different content
    site["model"].write_bytes(bytes(damaged))
    result = run_doctor(site, "--json", "--only", "model")
    assert result.returncode == 1
    (row,) = rows(result)["model"]
    assert row["status"] == "FAIL"
    assert "sha256" in row["detail"] and "not the registered one" in row["detail"]


def test_missing_model_fails(site):
    site["model"].unlink()
    result = run_doctor(site, "--only", "model")
    assert result.returncode == 1
    line = next(line for line in result.stdout.splitlines() if line.strip().startswith("model"))
    assert "FAIL" in line and "missing" in result.stdout


def test_truncated_model_fails(site):
    site["model"].write_bytes(FAKE_MODEL[:1000])
    result = run_doctor(site, "--json", "--only", "model")
    assert result.returncode == 1
    assert "incomplete" in rows(result)["model"][0]["detail"]


def test_unknown_model_name_fails(site):
    write_config(site["config"], site["data"], coach={"model": "no-such-model"})
    result = run_doctor(site, "--json", "--only", "model")
    assert result.returncode == 1
    assert "no-such-model" in rows(result)["model"][0]["detail"]


def test_disabled_coach_needs_no_model(site):
    site["model"].unlink()
    write_config(site["config"], site["data"], coach={"enabled": False})
    result = run_doctor(site, "--json", "--only", "model,llama")
    assert result.returncode == 0
    assert "disabled" in rows(result)["model"][0]["detail"]


def test_bad_config_value_fails_and_the_other_checks_still_run(site):
    write_config(site["config"], site["data"], kiosk={"language": "fr"})
    result = run_doctor(site, "--json", "--only", "config,data,model")
    assert result.returncode == 1
    found = rows(result)
    assert found["config"][0]["status"] == "FAIL"
    assert "kiosk.language" in found["config"][0]["detail"]
    # The data folder and the model are still checked, from what the broken file says.
    assert found["data folder"][0]["status"] == "OK"
    assert str(site["data"]) in found["data folder"][0]["detail"]
    assert found["model"][0]["status"] == "OK"


def test_config_that_is_not_toml_fails(site):
    site["config"].write_text("[kiosk\nid = ")
    result = run_doctor(site)
    assert result.returncode == 1
    assert "not valid TOML" in result.stdout


def test_missing_pin_says_to_run_pin_set(site):
    write_config(site["config"], site["data"], security={"admin_pin_hash": ""})
    result = run_doctor(site, "--json", "--only", "config")
    (row,) = rows(result)["config"]
    assert row["status"] == "FAIL" and "kiosk pin set admin" in row["fix"]


def test_example_site_key_fails(site):
    write_config(site["config"], site["data"], security={
        "site_key": "replace with a long random text, e.g. from: openssl rand -base64 24"})
    result = run_doctor(site, "--json", "--only", "config")
    assert result.returncode == 1
    assert "example text" in rows(result)["config"][0]["detail"]


def test_world_readable_config_warns(site):
    site["config"].chmod(0o644)
    result = run_doctor(site, "--json", "--only", "config")
    assert result.returncode == 0
    assert any(r["status"] == "WARN" and "site key" in r["detail"] for r in rows(result)["config"])


def test_damaged_entries_file_fails(site):
    (site["data"] / "entries" / "2026-W48.json").write_text('{"entries": {"1": ')
    result = run_doctor(site, "--json", "--only", "entries")
    assert result.returncode == 1
    assert "damaged" in rows(result)["entries"][0]["detail"]
    # The doctor only reads: it neither changes the file nor keeps a copy aside.
    assert not (site["data"] / "corrupt").exists()


def test_running_kiosk_is_reported_with_its_pid(site):
    with Store(site["data"]):
        result = run_doctor(site, "--json", "--only", "lock,data")
    row = rows(result)["kiosk program"][0]
    assert row["status"] == "OK" and f"pid {os.getpid()}" in row["detail"]


def test_backup_age(site):
    result = run_doctor(site, "--json", "--only", "backup")
    assert rows(result)["backup"][0]["status"] == "WARN"
    made = make_backup(site["data"], site["tmp"] / "data-backups", kiosk_id="kiosk-07")
    result = run_doctor(site, "--json", "--only", "backup")
    row = rows(result)["backup"][0]
    made_today = made.path.name == archive_name("kiosk-07", date.today())  # not past midnight
    assert row["status"] == "OK" and ("(today)" if made_today else "(yesterday)") in row["detail"]


def test_backup_check_looks_in_the_configured_folder(site, monkeypatch):
    monkeypatch.delenv("KIOSK_BACKUP_DIR", raising=False)
    folder = site["tmp"] / "configured-backups"
    write_config(site["config"], site["data"], backup={"dir": str(folder)})
    make_backup(site["data"], site["tmp"] / "data-backups", kiosk_id="kiosk-07")  # the default
    (row,) = rows(run_doctor(site, "--json", "--only", "backup"))["backup"]
    assert row["status"] == "WARN" and str(folder) in row["detail"]
    make_backup(site["data"], folder, kiosk_id="kiosk-07")
    (row,) = rows(run_doctor(site, "--json", "--only", "backup"))["backup"]
    assert row["status"] == "OK" and str(folder) in row["detail"]
    # $KIOSK_BACKUP_DIR overrides the file, --backup-dir overrides both.
    monkeypatch.setenv("KIOSK_BACKUP_DIR", str(site["tmp"] / "from-env"))
    (row,) = rows(run_doctor(site, "--json", "--only", "backup"))["backup"]
    assert row["status"] == "WARN" and str(site["tmp"] / "from-env") in row["detail"]
    (row,) = rows(run_doctor(site, "--json", "--only", "backup",
                             "--backup-dir", str(folder)))["backup"]
    assert row["status"] == "OK"


def test_backup_check_with_a_broken_config_still_uses_its_backup_folder(site, monkeypatch):
    monkeypatch.delenv("KIOSK_BACKUP_DIR", raising=False)
    folder = site["tmp"] / "configured-backups"
    write_config(site["config"], site["data"], kiosk={"language": "fr"},
                 backup={"dir": str(folder), "keep_days": 0})
    make_backup(site["data"], folder, kiosk_id="kiosk-07")
    found = rows(run_doctor(site, "--json", "--only", "config,backup"))
    assert found["config"][0]["status"] == "FAIL"
    assert found["backup"][0]["status"] == "OK" and str(folder) in found["backup"][0]["detail"]


def test_keep_days_past_retention_fails_the_config_check(site):
    write_config(site["config"], site["data"], privacy={"retention_days": 30},
                 backup={"keep_days": 31})
    result = run_doctor(site, "--json", "--only", "config")
    assert result.returncode == 1
    detail = rows(result)["config"][0]["detail"]
    assert "backup.keep_days" in detail and "privacy.retention_days (30)" in detail


def test_unknown_check_name_is_a_usage_error(site):
    result = run_doctor(site, "--only", "colour")
    assert result.returncode == 2 and "unknown check" in result.stderr


# -- checks as functions (clock, CPU features) --------------------------------------------------

def context(tmp_path: Path, **changes) -> doctor.Context:
    values = dict(config=None, config_error=None, config_path=None, data_dir=tmp_path / "data",
                  backup_dir=tmp_path / "backups", model="tiny", coach_enabled=True,
                  mode="kiosk", kiosk_id="kiosk-07", retention_days=730)
    values.update(changes)
    return doctor.Context(**values)


def test_clock_before_installation_fails(tmp_path):
    ctx = context(tmp_path, now=datetime(2001, 1, 1, tzinfo=timezone.utc))
    (row,) = doctor.check_clock(ctx)
    assert row.status == doctor.FAIL and "before this app was installed" in row.detail
    assert "timedatectl" in row.fix


def test_clock_behind_the_newest_data_fails(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "meta.json").write_text("{}")
    future = datetime.now(timezone.utc) + timedelta(days=3)
    os.utime(data / "meta.json", (future.timestamp(), future.timestamp()))
    (row,) = doctor.check_clock(context(tmp_path))
    assert row.status == doctor.FAIL and "went back" in row.detail


class FakeRun:
    def __init__(self, returncode: int, stdout: str = "", stderr: str = ""):
        self.result = subprocess.CompletedProcess([], returncode, stdout, stderr)

    def __call__(self, *args, **kwargs):
        return self.result


def test_llama_built_for_a_newer_cpu_fails(tmp_path, monkeypatch):
    info = "CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | AVX512 = 1 | OPENMP = 1 |"
    monkeypatch.setattr(doctor_device.subprocess, "run", FakeRun(0, info))
    monkeypatch.setattr(doctor_device, "_cpu_flags", lambda: {"pni", "avx", "avx2"})
    (row,) = doctor_device.check_llama(context(tmp_path))
    assert row.status == doctor.FAIL and "AVX512" in row.detail and "older CPUs" in row.fix


def test_llama_crash_on_load_fails(tmp_path, monkeypatch):
    monkeypatch.setattr(doctor_device.subprocess, "run", FakeRun(-4))  # SIGILL
    (row,) = doctor_device.check_llama(context(tmp_path))
    assert row.status == doctor.FAIL and "crashed" in row.detail


def test_llama_matching_cpu_passes(tmp_path, monkeypatch):
    info = "CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | OPENMP = 1 |"
    monkeypatch.setattr(doctor_device.subprocess, "run", FakeRun(0, info))
    monkeypatch.setattr(doctor_device, "_cpu_flags", lambda: {"pni", "avx", "avx2"})
    (row,) = doctor_device.check_llama(context(tmp_path))
    assert row.status == doctor.OK and "AVX2" in row.detail


def test_render_wraps_and_counts(tmp_path):
    ctx = context(tmp_path)
    text = doctor.render(ctx, [doctor.Check("model", doctor.FAIL, "x " * 80, "do this"),
                               doctor.Check("clock", doctor.WARN, "late")], width=80)
    assert all(len(line) <= 80 for line in text.splitlines()[2:]), text
    assert "To do: do this" in text and "1 problem(s) (FAIL) and 1 warning(s)" in text

