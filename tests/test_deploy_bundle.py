"""The offline bundle end to end: deploy/bundle.sh builds the archive (wheels, llama-cpp-python for
the portable CPU level, the model, install.sh), and it installs into an empty scratch root with
pip --no-index and no network, making the Q4_0 model there; the installed `kiosk doctor` then
passes.

Slow (about a minute with pip's wheel cache warm; the first llama-cpp-python build takes ~4 min).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.test_deploy_install import DEPLOY, clean_env, set_pins

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(["bash", str(DEPLOY / "bundle.sh"), "--out", str(out),
                             "--python", sys.executable],
                            capture_output=True, text=True, timeout=1800, env=clean_env())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (archive,) = out.glob("kiosk-bundle-*-portable-py311-*.tar.gz")
    return archive


def test_bundle_holds_everything_for_an_offline_install(bundle):
    with tarfile.open(bundle) as tar:
        members = tar.getmembers()
        top = members[0].name.split("/")[0]
        info = tar.extractfile(f"{top}/BUILD-INFO.txt").read().decode()
        sums = tar.extractfile(f"{top}/SHA256SUMS").read().decode()
    files = {m.name.split("/", 1)[1] for m in members if m.isfile()}
    for needed in ("install.sh", "kiosk.service", "kiosk-backup.timer", "kiosk.example.toml",
                   "README.md", "DATA-SHEET.md"):
        assert needed in files
    wheels = {name.split("/")[-1].split("-")[0].lower() for name in files
              if name.startswith("wheels/")}
    assert {"kiosk", "llama_cpp_python", "pip", "textual", "tinydb", "numpy"} <= wheels
    assert any(name.startswith("models/") and name.endswith(".gguf") for name in files)
    assert "cmake_args=-DGGML_NATIVE=OFF" in info and "python=3.11" in info
    assert "AVX512 = 1" not in info  # a portable build, whatever this machine's CPU
    listed = {line.split("  ", 1)[1] for line in sums.splitlines()}
    assert listed == files - {"SHA256SUMS"}


def offline() -> list[str]:
    """A prefix that runs a command without any network, when this system allows it."""
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True)
    return ["unshare", "--net"] if probe.returncode == 0 else []


def test_bundle_installs_offline_and_doctor_passes(bundle, tmp_path):
    with tarfile.open(bundle) as tar:
        tar.extractall(tmp_path / "usb", filter="data")
    (unpacked,) = (tmp_path / "usb").iterdir()
    prefix = tmp_path / "root"
    env = clean_env()
    # Without a network namespace, any attempt to reach an index fails fast instead.
    env.update(http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9")
    result = subprocess.run([*offline(), "bash", str(unpacked / "install.sh"), "--prefix",
                             str(prefix), "--offline", str(unpacked), "--python", sys.executable],
                            capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "copied SmolLM2-135M-Instruct.Q4_1.gguf" in result.stdout
    # the default model is made on the device from it, with the bundle's own llama.cpp
    assert "made SmolLM2-135M-Instruct.Q4_0.gguf" in result.stdout

    config = prefix / "etc/kiosk/kiosk.toml"
    set_pins(config)
    kiosk = str(prefix / "usr/local/bin/kiosk")
    doctor = subprocess.run([*offline(), kiosk, "doctor"], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=300)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    lines = doctor.stdout.splitlines()
    for name in ("config", "data folder", "model", "llama.cpp", "memory", "clock"):
        row = next(line for line in lines if line.strip().startswith(name))
        assert " OK " in row, row
    model = subprocess.run([kiosk, "doctor", "--json", "--only", "model"], capture_output=True,
                           text=True, env=env)
    (row,) = json.loads(model.stdout)["checks"]
    assert str(prefix / "opt/kiosk/venv/share/kiosk/models") in row["detail"]  # the installed one
    assert row["detail"].startswith("smollm2-135m-instruct-q4_0: ") and row["status"] == "OK"
    # The installed command works with the installed data folder.
    made = subprocess.run([kiosk, "demo-data", "--count", "3"], capture_output=True, text=True,
                          env=env)
    assert made.returncode == 0 and str(prefix / "var/lib/kiosk") in made.stdout
    assert os.access(prefix / "opt/kiosk/venv/bin/python", os.X_OK)
