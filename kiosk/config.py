"""Kiosk configuration: one TOML file, built-in defaults, a demo configuration, env overrides.

`load_config(path)` returns a validated `Config`; any problem raises `ConfigError` whose message
names the key and says what is wrong, so the CLI can print it and exit non-zero. Precedence, for
every key: command-line flag (applied by the command) > environment variable > file > default.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.i18n import available_languages
from kiosk.paths import default_data_dir
from kiosk.pins import is_pin_hash

DEFAULT_LANGUAGE = "en"
MODES = ("kiosk", "supervisor")

# Demo PINs: admin 1234, supervisor 4321 (README). Only used when no config file is given.
DEMO_ADMIN_PIN_HASH = (
    "scrypt$16384$8$1$64656d6f2d61646d696e2d73616c7421$"
    "7febb6feef52fffd43c174f65c4ac59ac47fee8803a4c2ab624b23541c5e1f13"
)
DEMO_SUPERVISOR_PIN_HASH = (
    "scrypt$16384$8$1$64656d6f2d7375706572762d73616c74$"
    "327bee9cb61d654298b907d1148e78601f7119c5022301d9a0b6c123da30aad8"
)
DEMO_SITE_KEY = "demo-site-key-not-secret-change-me"

DEFAULTS: dict[str, dict[str, Any]] = {
    "kiosk": {
        "id": "demo-kiosk-1",
        "station": "Assembly 1",
        "line": "Line A",
        "mode": "kiosk",
        "idle_timeout": 120,
        "idle_warning": 20,
        "data_dir": "",
    },
    "security": {
        "admin_pin_hash": "",
        "supervisor_pin_hash": "",
        "site_key": "",
        "max_pin_attempts": 5,
        "lockout_seconds": 300,
    },
    "coach": {
        "enabled": True,
        "model": "smollm2-135m-instruct-q4_0",
        "models": {},  # per language: {nl = "name"}; a language not named here uses `model`
        "threads": 2,
        "context": 1024,
        "max_tokens": 64,
        "time_limit": 20.0,
        "pause_seconds": 6.0,
    },
    "sync": {
        "frame_period": 1.5,
        "camera": False,  # the scan screen's camera: a device number, a device path or a video
    },
    "privacy": {
        "min_group_size": 5,
        "retention_days": 730,
    },
    "backup": {
        "dir": "",
        "keep_days": 14,
    },
    "ui": {
        "language": DEFAULT_LANGUAGE,
        "languages": [],  # empty: every language with content (content/strings/<lang>/)
        "ascii": False,
        "animations": True,
    },
    "export": {
        "usb_dir": "",
    },
    "learning": {
        "follow_up_days": 2,
        "pulse": True,
    },
}

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


class ConfigError(Exception):
    """A configuration problem the IT admin can fix; the message names the key."""


@dataclass(frozen=True)
class Config:
    kiosk_id: str
    station: str
    line: str
    language: str
    mode: str
    idle_timeout: int
    idle_warning: int
    data_dir: Path
    admin_pin_hash: str
    supervisor_pin_hash: str
    site_key: str
    max_pin_attempts: int
    lockout_seconds: int
    coach_enabled: bool
    model: str
    # (language, model name) for the languages with a model of their own ([coach.models])
    language_models: tuple[tuple[str, str], ...]
    threads: int
    context: int
    max_tokens: int
    time_limit: float
    pause_seconds: float
    frame_period: float
    camera: int | str | None  # [sync] camera: None (none), a device number, a path
    min_group_size: int
    retention_days: int
    backup_dir: Path | None  # None: <data_dir>-backups next to the data folder
    keep_days: int
    ascii: bool
    animations: bool
    follow_up_days: int = 2  # [learning]: days before a planned try is followed up
    pulse: bool = True  # [learning]: offer the weekly pulse at log-out
    languages: tuple[str, ...] = (DEFAULT_LANGUAGE,)  # offered at F8, in this order
    demo: bool = False
    source: str = "built-in demo configuration"
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    usb_dir: Path | None = None  # where a USB stick is mounted ("My learning" saves there)

    def model_for(self, lang: str) -> tuple[str, bool]:
        """The model for `lang` and whether it was named for that language ([coach.models]);
        otherwise it is `model`, which writes only the languages its registry entry lists."""
        own = dict(self.language_models).get(lang)
        return (own, True) if own else (self.model, False)

    def with_changes(self, **changes: Any) -> "Config":
        values = {k: getattr(self, k) for k in self.__dataclass_fields__}
        values.update(changes)
        return Config(**values)


def _merge(base: dict[str, dict[str, Any]], override: dict[str, Any], source: str) -> dict:
    merged = {section: dict(values) for section, values in base.items()}
    for section, values in override.items():
        if section not in merged:
            raise ConfigError(f"{source}: unknown section [{section}] (known: {', '.join(merged)})")
        if not isinstance(values, dict):
            raise ConfigError(f"{section}: must be a [{section}] table")
        for key, value in values.items():
            if key not in merged[section]:
                known = ", ".join(merged[section])
                raise ConfigError(f"{section}.{key}: unknown key (known in [{section}]: {known})")
            merged[section][key] = value
    return merged


def env_overrides(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    """KIOSK_DATA_DIR, KIOSK_LANGUAGE, KIOSK_STATION, KIOSK_MODE, KIOSK_MODEL and KIOSK_BACKUP_DIR
    override the file (an empty variable counts as unset)."""
    table = {
        "KIOSK_DATA_DIR": ("kiosk", "data_dir"),
        "KIOSK_LANGUAGE": ("ui", "language"),
        "KIOSK_STATION": ("kiosk", "station"),
        "KIOSK_MODE": ("kiosk", "mode"),
        "KIOSK_MODEL": ("coach", "model"),
        "KIOSK_BACKUP_DIR": ("backup", "dir"),
    }
    out: dict[str, dict[str, Any]] = {}
    for name, (section, key) in table.items():
        if env.get(name):
            out.setdefault(section, {})[key] = env[name]
    return out


def _older_names(override: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A file of an older version: [kiosk] language is [ui] language now. Returns the file's
    tables with the key moved, and the name to use in a message about its value."""
    kiosk, ui = override.get("kiosk"), override.get("ui", {})
    if not isinstance(kiosk, dict) or "language" not in kiosk or not isinstance(ui, dict):
        return override, "ui.language"
    kiosk = dict(kiosk)
    old = kiosk.pop("language")
    if "language" in ui and ui["language"] != old:
        raise ConfigError(f"kiosk.language: is the older name of ui.language; set only "
                          f"ui.language (they differ: {old!r}, {ui['language']!r})")
    return {**override, "kiosk": kiosk, "ui": {**ui, "language": old}}, "kiosk.language"


def _check(cond: bool, key: str, problem: str) -> None:
    if not cond:
        raise ConfigError(f"{key}: {problem}")


def _int(values: dict, section: str, key: str, lo: int, hi: int) -> int:
    value = values[key]
    name = f"{section}.{key}"
    _check(isinstance(value, int) and not isinstance(value, bool), name,
           f"must be a whole number, got {value!r}")
    _check(lo <= value <= hi, name, f"must be between {lo} and {hi}, got {value}")
    return value


def _float(values: dict, section: str, key: str, lo: float, hi: float) -> float:
    value = values[key]
    name = f"{section}.{key}"
    _check(isinstance(value, (int, float)) and not isinstance(value, bool), name,
           f"must be a number, got {value!r}")
    _check(lo <= value <= hi, name, f"must be between {lo} and {hi}, got {value}")
    return float(value)


def _str(values: dict, section: str, key: str, *, allow_empty: bool = False) -> str:
    value = values[key]
    name = f"{section}.{key}"
    _check(isinstance(value, str), name, f"must be text in quotes, got {value!r}")
    _check(allow_empty or value.strip() != "", name, "must not be empty")
    return value


def _bool(values: dict, section: str, key: str) -> bool:
    value = values[key]
    _check(isinstance(value, bool), f"{section}.{key}", f"must be true or false, got {value!r}")
    return value


def _languages(ui: dict, key: str) -> tuple[str, tuple[str, ...]]:
    """([ui] language, [ui] languages): the kiosk's default and the languages it offers. Each
    must have content (a folder content/strings/<lang>/); the default must be one of them."""
    known = available_languages()
    listed = ui["languages"]
    _check(isinstance(listed, list) and all(isinstance(x, str) for x in listed), "ui.languages",
           f'must be a list of language codes, e.g. ["nl", "en"], got {listed!r}')
    for code in listed:
        _check(code in known, "ui.languages",
               f"{code!r} has no content (content/strings/{code}/); known: {', '.join(known)}")
    _check(len(set(listed)) == len(listed), "ui.languages", f"names a language twice: {listed}")
    language = ui["language"]
    _check(isinstance(language, str), key, f"must be text in quotes, got {language!r}")
    offered = tuple(listed) or tuple(known)
    _check(language in known, key, f"must be one of {', '.join(known)}, got {language!r}")
    _check(language in offered, key,
           f"must be one of ui.languages ({', '.join(offered)}), got {language!r}")
    return language, offered


def _camera(values: dict) -> int | str | None:
    """[sync] camera: false (none), a device number (0 is the first camera, /dev/video0) or a
    path (a device such as /dev/video2, or a video file played as if filmed live)."""
    value = values["camera"]
    if value is False:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        _check(0 <= value <= 63, "sync.camera", f"a camera number is 0 to 63, got {value}")
        return value
    _check(isinstance(value, str) and value.strip() != "", "sync.camera",
           f"use false, a camera number (0 is the first) or a path in quotes, got {value!r}")
    return value.strip()


def _language_models(table: Any) -> tuple[tuple[str, str], ...]:
    _check(isinstance(table, dict), "coach.models",
           'must be a table of language = "model name", e.g. models = { nl = "name" }')
    for lang, name in table.items():
        _check(lang in available_languages(), f"coach.models.{lang}",
               f"not a language of the kiosk ({', '.join(available_languages())})")
        _check(isinstance(name, str) and name.strip() != "", f"coach.models.{lang}",
               "must be a model name from `kiosk models list` in quotes")
    return tuple((lang, table[lang]) for lang in available_languages() if lang in table)


def _build(merged: dict, *, demo: bool, source: str,
           language_key: str = "ui.language") -> Config:
    k, s, c = merged["kiosk"], merged["security"], merged["coach"]
    kiosk_id = _str(k, "kiosk", "id")
    _check(bool(_ID_RE.match(kiosk_id)), "kiosk.id",
           f"use 1-32 letters, digits, '-', '_' or '.', got {kiosk_id!r}")
    language, languages = _languages(merged["ui"], language_key)
    mode = _str(k, "kiosk", "mode")
    _check(mode in MODES, "kiosk.mode", f"must be one of {', '.join(MODES)}, got {mode!r}")
    idle_timeout = _int(k, "kiosk", "idle_timeout", 15, 24 * 3600)
    idle_warning = _int(k, "kiosk", "idle_warning", 0, 600)
    _check(idle_warning < idle_timeout, "kiosk.idle_warning", "must be shorter than idle_timeout")
    data_dir_text = _str(k, "kiosk", "data_dir", allow_empty=True)
    data_dir = Path(data_dir_text).expanduser() if data_dir_text else default_data_dir()

    admin = s["admin_pin_hash"] or (DEMO_ADMIN_PIN_HASH if demo else "")
    supervisor = s["supervisor_pin_hash"] or (DEMO_SUPERVISOR_PIN_HASH if demo else "")
    site_key = s["site_key"] or (DEMO_SITE_KEY if demo else "")
    for key, value in (("admin_pin_hash", admin), ("supervisor_pin_hash", supervisor)):
        _check(isinstance(value, str) and value != "", f"security.{key}",
               "missing; set it with `kiosk pin set " + key.split("_")[0] + "`")
        _check(is_pin_hash(value), f"security.{key}",
               "is not a scrypt PIN hash; set it with `kiosk pin set " + key.split("_")[0] + "`")
    _check(isinstance(site_key, str) and len(site_key) >= 16, "security.site_key",
           "must be text of at least 16 characters, the same on every kiosk and station of a site")

    retention_days = _int(merged["privacy"], "privacy", "retention_days", 30, 36500)
    keep_days = _int(merged["backup"], "backup", "keep_days", 1, 3650)
    # An archive holds every entry of its day: kept longer than the retention limit, it would
    # keep entries the limit (agreed with the works council) has removed from the device.
    _check(keep_days <= retention_days, "backup.keep_days",
           f"must not be more than privacy.retention_days ({retention_days}), got {keep_days}: "
           f"backups would keep entries past the retention limit")
    backup_dir_text = _str(merged["backup"], "backup", "dir", allow_empty=True)
    backup_dir = Path(backup_dir_text).expanduser() if backup_dir_text else None
    if backup_dir is not None:
        inside = Path(os.path.abspath(backup_dir)).is_relative_to(os.path.abspath(data_dir))
        _check(not inside, "backup.dir",
               f"must be a folder outside kiosk.data_dir ({data_dir}), got {backup_dir_text!r}: "
               f"each backup would hold the older ones, and a restore would replace them")

    usb_dir_text = _str(merged["export"], "export", "usb_dir", allow_empty=True)
    return Config(
        kiosk_id=kiosk_id,
        station=_str(k, "kiosk", "station"),
        line=_str(k, "kiosk", "line"),
        language=language,
        mode=mode,
        idle_timeout=idle_timeout,
        idle_warning=idle_warning,
        data_dir=data_dir,
        admin_pin_hash=admin,
        supervisor_pin_hash=supervisor,
        site_key=site_key,
        max_pin_attempts=_int(s, "security", "max_pin_attempts", 1, 100),
        lockout_seconds=_int(s, "security", "lockout_seconds", 0, 24 * 3600),
        coach_enabled=_bool(c, "coach", "enabled"),
        model=_str(c, "coach", "model"),
        language_models=_language_models(c["models"]),
        threads=_int(c, "coach", "threads", 1, 64),
        context=_int(c, "coach", "context", 256, 32768),
        max_tokens=_int(c, "coach", "max_tokens", 8, 1024),
        time_limit=_float(c, "coach", "time_limit", 1, 600),
        pause_seconds=_float(c, "coach", "pause_seconds", 1, 600),
        frame_period=_float(merged["sync"], "sync", "frame_period", 0.2, 30),
        camera=_camera(merged["sync"]),
        min_group_size=_int(merged["privacy"], "privacy", "min_group_size", 2, 1000),
        retention_days=retention_days,
        backup_dir=backup_dir,
        keep_days=keep_days,
        ascii=_bool(merged["ui"], "ui", "ascii"),
        animations=_bool(merged["ui"], "ui", "animations"),
        follow_up_days=_int(merged["learning"], "learning", "follow_up_days", 1, 60),
        pulse=_bool(merged["learning"], "learning", "pulse"),
        languages=languages,
        demo=demo,
        source=source,
        raw=merged,
        usb_dir=Path(usb_dir_text).expanduser() if usb_dir_text else None,
    )


def load_config(path: str | os.PathLike | None = None, env: dict[str, str] | None = None) -> Config:
    """Load `path` (or $KIOSK_CONFIG); without either, the built-in demo configuration."""
    env = dict(os.environ) if env is None else env
    if path is None and env.get("KIOSK_CONFIG"):
        path = env["KIOSK_CONFIG"]
    override: dict[str, Any] = {}
    demo = path is None
    source = "built-in demo configuration"
    if path is not None:
        file = Path(path)
        source = str(file)
        try:
            override = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{file}: config file not found") from None
        except PermissionError:
            raise ConfigError(f"{file}: config file cannot be read (permission denied)") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{file}: config file is not UTF-8 text") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: not valid TOML ({exc})") from None
    override, language_key = _older_names(override)
    env_values = env_overrides(env)
    if "language" in env_values.get("ui", {}):
        language_key = "ui.language"
    merged = _merge(DEFAULTS, override, source)
    merged = _merge(merged, env_values, "environment")
    return _build(merged, demo=demo, source=source, language_key=language_key)
