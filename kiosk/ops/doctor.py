"""`kiosk doctor`: health checks of an installed kiosk, printed as a plain table for IT.

Every check returns rows of OK / WARN / FAIL / SKIP with what was found and, for WARN and FAIL,
what to do. Checks never change data. A broken config does not stop the other checks: they use
what can still be read from the file (the data folder, the model name) or the defaults.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import tempfile
import textwrap
import tomllib
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import kiosk
from kiosk.config import DEFAULTS, ConfigError, env_overrides, load_config
from kiosk.durable import lock_holder
from kiosk.ops.backup import list_backups, resolve_backup_dir
from kiosk.ops.doctor_device import (check_llama, check_memory, check_model,
                                     check_terminal)
from kiosk.ops.console_font import check_console_font
from kiosk.ops.doctor_rows import FAIL, OK, SKIP, WARN, Check, Context
from kiosk.paths import default_data_dir

EXAMPLE_SITE_KEY_START = "replace with"
FREE_MB_FAIL, FREE_MB_WARN = 50, 500
BACKUP_MAX_AGE_DAYS = 2
UNSENT_WARN_DAYS = 14





# -- building the context -----------------------------------------------------------------------

def _lenient_values(path: Path | None, env: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The defaults overlaid with whatever tables of the file still parse, then with the
    environment variables that override the file (as `load_config` does)."""
    merged = {section: dict(values) for section, values in DEFAULTS.items()}
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            data = {}
    for layer in (data, env_overrides(env)):
        for section, values in layer.items():
            if section in merged and isinstance(values, dict):
                merged[section].update(values)
    return merged


def make_context(config_arg: str | None, data_dir_arg: str | None,
                 backup_dir_arg: str | None, env: dict[str, str] | None = None) -> Context:
    env = dict(os.environ) if env is None else env
    path_text = config_arg or env.get("KIOSK_CONFIG") or None
    config_path = Path(path_text) if path_text else None
    config, error = None, None
    try:
        config = load_config(config_path, env=env)
    except ConfigError as exc:
        error = str(exc)
    if config is not None:
        data_dir, model, enabled = config.data_dir, config.model, config.coach_enabled
        mode, kiosk_id, days = config.mode, config.kiosk_id, config.retention_days
        configured_backups = config.backup_dir
    else:
        values = _lenient_values(config_path, env)
        text = values["kiosk"].get("data_dir")
        data_dir = Path(text).expanduser() if isinstance(text, str) and text else default_data_dir()
        model = str(values["coach"].get("model") or "")
        enabled = values["coach"].get("enabled") is not False
        mode = str(values["kiosk"].get("mode"))
        kiosk_id = str(values["kiosk"].get("id"))
        days = values["privacy"].get("retention_days")
        days = days if isinstance(days, int) and not isinstance(days, bool) else 730
        text = values["backup"].get("dir")
        configured_backups = Path(text).expanduser() if isinstance(text, str) and text else None
    if data_dir_arg:
        data_dir = Path(data_dir_arg).expanduser()
    backup_dir = resolve_backup_dir(backup_dir_arg, configured_backups, data_dir)
    return Context(config=config, config_error=error, config_path=config_path,
                   data_dir=data_dir, backup_dir=backup_dir, model=model, coach_enabled=enabled,
                   mode=mode, kiosk_id=kiosk_id, retention_days=days)


def _user() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid {os.geteuid()}"


# -- checks -------------------------------------------------------------------------------------

def check_config(ctx: Context) -> list[Check]:
    where = str(ctx.config_path) if ctx.config_path else "the config file"
    if ctx.config_error:
        fix = f"edit {where}; every key is explained in deploy/kiosk.example.toml"
        if "pin_hash" in ctx.config_error:
            role = "supervisor" if "supervisor_pin" in ctx.config_error else "admin"
            fix = (f"run `kiosk pin set {role}` and put the line it prints into the [security] "
                   f"section of {where}")
        return [Check("config", FAIL, ctx.config_error, fix)]
    config = ctx.config
    assert config is not None
    if config.demo:
        return [Check("config", WARN, "no config file: the built-in demo configuration is in use "
                      "(demo PINs 1234 and 4321, a site key that is not secret)",
                      "pass --config FILE or set KIOSK_CONFIG (install.sh sets it up)")]
    rows = [Check("config", OK, f"{config.source}: kiosk {config.kiosk_id}, station "
                  f"{config.station!r}, language {config.language}, mode {config.mode}")]
    if config.site_key.startswith(EXAMPLE_SITE_KEY_START):
        rows = [Check("config", FAIL, "security.site_key is still the example text",
                      f"put the same long random text on every kiosk and station of the site "
                      f"(e.g. from `openssl rand -base64 24`) into {where}")]
    try:
        mode = ctx.config_path.stat().st_mode if ctx.config_path else 0
    except OSError:
        mode = 0
    if mode & 0o004:
        rows.append(Check("config", WARN, f"{where} can be read by every user of this device; "
                          f"it holds the site key", f"sudo chmod 640 {where}"))
    return rows


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_data_dir(ctx: Context) -> list[Check]:
    folder, user = ctx.data_dir, _user()
    chown = f"sudo chown -R kiosk:kiosk {folder} && sudo chmod 750 {folder}"
    if not folder.exists():
        parent = _nearest_existing(folder.parent)
        if os.access(parent, os.W_OK | os.X_OK):
            return [Check("data folder", WARN, f"{folder} does not exist yet; the kiosk "
                          f"creates it at its first start", "")]
        return [Check("data folder", FAIL, f"{folder} does not exist and {user} cannot create it",
                      f"run install.sh, or: sudo mkdir -p {folder} && {chown}")]
    if not folder.is_dir():
        return [Check("data folder", FAIL, f"{folder} is not a folder",
                      "move that file away, or set kiosk.data_dir to a folder")]
    unwritable = []
    for target in (folder, folder / "entries"):
        if target.is_dir() and not _can_write(target):
            unwritable.append(target)
    if unwritable:
        return [Check("data folder", FAIL, f"{unwritable[0]} is not writable by {user}: "
                      f"entries cannot be saved", chown)]
    rows = [Check("data folder", OK, f"{folder} is writable by {user}")]
    owner = folder.stat().st_uid
    foreign = [p for p in folder.rglob("*") if not p.name.startswith(".")
               and _uid(p) not in (owner, None)]
    if foreign:
        rows.append(Check("data folder", WARN, f"{_n(len(foreign), 'file', 'files')} in {folder} "
                          f"{'belongs' if len(foreign) == 1 else 'belong'} to another user, "
                          f"e.g. {foreign[0].relative_to(folder)}; the kiosk may fail to update "
                          f"them", chown))
    if folder.stat().st_mode & 0o007:
        rows.append(Check("data folder", WARN, f"{folder} can be read by every user of this "
                          f"device", f"sudo chmod 750 {folder}"))
    return rows


def _uid(path: Path) -> int | None:
    try:
        return path.lstat().st_uid
    except OSError:
        return None


def _can_write(folder: Path) -> bool:
    """Really create and delete a temp file (permission bits say nothing for root or ro mounts).
    The name ends in .tmp, so the store removes it at its next start if we die in between."""
    try:
        fd, name = tempfile.mkstemp(prefix=".doctor-", suffix=".tmp", dir=folder)
        os.close(fd)
        os.unlink(name)
        return True
    except OSError:
        return False


def check_space(ctx: Context) -> list[Check]:
    where = _nearest_existing(ctx.data_dir)
    stats = os.statvfs(where)
    free = stats.f_bavail * stats.f_frsize / 2**20
    total = stats.f_blocks * stats.f_frsize / 2**20
    detail = f"{free:,.0f} MB free of {total:,.0f} MB on the disk of {where}"
    if free < FREE_MB_FAIL:
        return [Check("disk space", FAIL, detail + ": saves will fail soon",
                      "free space: sudo journalctl --vacuum-size=50M, delete old files; "
                      "backups are in " + str(ctx.backup_dir))]
    if free < FREE_MB_WARN:
        return [Check("disk space", WARN, detail, "free some space (journalctl --vacuum-size=50M)")]
    return [Check("disk space", OK, detail)]


def check_store(ctx: Context) -> list[Check]:
    from kiosk.store import Store
    from kiosk.store_errors import StoreError

    if not ctx.data_dir.is_dir():
        return [Check("entries", SKIP, "no data folder yet")]
    try:
        store = Store(ctx.data_dir, readonly=True)
    except StoreError as exc:
        return [Check("entries", FAIL, str(exc), "restore the newest backup: kiosk restore "
                      "ARCHIVE --force (see `kiosk backup --list`)")]
    try:
        entries = list(store.entries())
    except StoreError as exc:
        return [Check("entries", FAIL, str(exc), "restore the newest backup: kiosk restore "
                      "ARCHIVE --force (the damaged file is kept in corrupt/)")]
    finally:
        store.close()
    rows = [Check("entries", OK, f"{_n(len(entries), 'entry', 'entries')} read without error")]
    corrupt = ctx.data_dir / "corrupt"
    if corrupt.is_dir() and any(corrupt.iterdir()):
        rows.append(Check("entries", WARN, f"copies of damaged files are kept in {corrupt}",
                          "the store reported damage before; if `entries` is OK now, the copies "
                          "can be archived and removed"))
    if ctx.mode == "kiosk":
        unsent = [e for e in entries if e.sync != "synced" and e.visibility != "private"]
        if unsent:
            oldest = min(_created(e) for e in unsent)
            days = (ctx.now - oldest).days
            status = WARN if days >= UNSENT_WARN_DAYS else OK
            oldest = "today" if days == 0 else f"{_n(days, 'day', 'days')} ago"
            rows.append(Check("sync", status, f"{_n(len(unsent), 'entry', 'entries')} not yet "
                              f"received by the supervisor station, the oldest from {oldest}",
                              "send them: supervisor menu at the kiosk (QR) or `kiosk export`, "
                              "then type the receipt code" if status == WARN else ""))
    rows.extend(_retention_rows(ctx, entries))
    return rows


def _n(count: int, one: str, other: str) -> str:
    """"1 entry", "3 entries"."""
    return f"{count} {one if count == 1 else other}"


def _created(entry) -> datetime:
    from kiosk.entries import parse_time

    return parse_time(entry.created)


def _retention_rows(ctx: Context, entries: list) -> list[Check]:
    from kiosk.ops.retention import last_change, may_remove

    grace = ctx.now - timedelta(days=ctx.retention_days + 7)
    overdue = [e for e in entries if last_change(e) < grace and may_remove(e, ctx.mode)]
    if not overdue:
        return [Check("retention", OK, f"no entry is past the limit of {ctx.retention_days} days")]
    return [Check("retention", WARN, f"{_n(len(overdue), 'entry is', 'entries are')} more than "
                  f"a week past the "
                  f"retention limit of {ctx.retention_days} days",
                  "they are removed when the kiosk service starts (sudo systemctl restart kiosk),"
                  " or stop it and run `kiosk retention --apply`")]


def check_lock(ctx: Context) -> list[Check]:
    lock = ctx.data_dir / "kiosk.lock"
    holder = lock_holder(ctx.data_dir)
    if holder:
        rss = _rss_mb(holder)
        extra = f", using {rss:.0f} MB of memory" if rss else ""
        return [Check("kiosk program", OK, f"running (pid {holder}{extra}); it holds {lock}")]
    if lock.exists() and not os.access(lock, os.W_OK):
        return [Check("kiosk program", FAIL, f"not running, and {lock} is not writable by "
                      f"{_user()}: the app cannot start", f"sudo chown kiosk:kiosk {lock}")]
    return [Check("kiosk program", OK, "not running: no program uses the data folder")]


def _rss_mb(pid: str) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) / 1024 if match else None


def _newest_data_time(folder: Path) -> datetime | None:
    newest = 0.0
    if folder.is_dir():
        for path in folder.rglob("*.json"):
            try:
                newest = max(newest, path.stat().st_mtime)
            except OSError:
                continue
    return datetime.fromtimestamp(newest, timezone.utc) if newest else None


def installed_at() -> datetime:
    """When this copy of the app was installed (or checked out): a floor for a sane clock."""
    stamp = Path(kiosk.__file__).stat().st_mtime
    return datetime.fromtimestamp(stamp, timezone.utc)


def check_clock(ctx: Context) -> list[Check]:
    now = ctx.now
    shown = now.astimezone().strftime("%Y-%m-%d %H:%M %Z")
    fix = ("set the time: sudo timedatectl set-time 'YYYY-MM-DD HH:MM' (a device without a "
           "clock battery loses the time when switched off)")
    floor = installed_at()
    if now < floor - timedelta(minutes=5):
        return [Check("clock", FAIL, f"the clock says {shown}, before this app was installed "
                      f"({floor:%Y-%m-%d}): entries would get wrong dates", fix)]
    newest = _newest_data_time(ctx.data_dir)
    if newest and now < newest - timedelta(minutes=5):
        return [Check("clock", FAIL, f"the clock says {shown}, earlier than the newest saved "
                      f"data ({newest.astimezone():%Y-%m-%d %H:%M}): the clock went back", fix)]
    if now > floor + timedelta(days=3650):
        return [Check("clock", WARN, f"the clock says {shown}, ten years after this app was "
                      f"installed", fix)]
    return [Check("clock", OK, f"{shown}; not before the installation ({floor:%Y-%m-%d}) or the "
                  f"newest saved data")]


def check_backup(ctx: Context) -> list[Check]:
    backups = list_backups(ctx.backup_dir, ctx.kiosk_id)
    timer = "the kiosk-backup.timer makes one every night; or run `kiosk backup`"
    if not backups:
        return [Check("backup", WARN, f"no backup of kiosk {ctx.kiosk_id} in {ctx.backup_dir}",
                      timer)]
    newest = backups[-1]
    age = (ctx.now.astimezone().date() - newest.day).days
    made = "today" if age == 0 else "yesterday" if age == 1 else f"{age} days old"
    detail = f"newest {newest.path.name} ({made}), {len(backups)} in {ctx.backup_dir}"
    if age > BACKUP_MAX_AGE_DAYS:
        return [Check("backup", WARN, detail, "check: systemctl status kiosk-backup.timer; "
                      "journalctl -u kiosk-backup")]
    return [Check("backup", OK, detail)]


CHECKS: dict[str, Callable[[Context], list[Check]]] = {
    "config": check_config,
    "data": check_data_dir,
    "space": check_space,
    "entries": check_store,
    "lock": check_lock,
    "model": check_model,
    "llama": check_llama,
    "memory": check_memory,
    "terminal": check_terminal,
    "font": check_console_font,
    "clock": check_clock,
    "backup": check_backup,
}


def run_checks(ctx: Context, only: list[str] | None = None) -> list[Check]:
    rows: list[Check] = []
    for name, check in CHECKS.items():
        if only and name not in only:
            continue
        try:
            rows.extend(check(ctx))
        except Exception as exc:  # a check that breaks is itself a finding, not a crash
            rows.append(Check(name, FAIL, f"the check itself failed: {type(exc).__name__}: {exc}",
                              "report this to the kiosk developers"))
    return rows


def render(ctx: Context, rows: list[Check], width: int | None = None) -> str:
    """The table for IT. Details wrap at `width` columns (pass a terminal's width); with None
    (output piped to a file or a script) nothing wraps: each row's details are one line and its
    fix the next, so the text never depends on a terminal."""
    name_w = max([len(r.name) for r in rows] + [5])
    indent = " " * (2 + name_w + 2 + 6 + 2)
    text_w = max(40, width - len(indent)) if width else None
    config = ctx.config_path or "built-in demo configuration"
    lines = [f"kiosk doctor: config {config}, data {ctx.data_dir}, user {_user()}", "",
             f"  {'CHECK'.ljust(name_w)}  {'RESULT'}  DETAILS"]
    for row in rows:
        body = _wrap(row.detail, text_w) or [""]
        if row.fix:
            body += _wrap("To do: " + row.fix, text_w)
        lines.append(f"  {row.name.ljust(name_w)}  {row.status.ljust(6)}  {body[0]}")
        lines.extend(indent + line for line in body[1:])
    fails = sum(r.status == FAIL for r in rows)
    warns = sum(r.status == WARN for r in rows)
    lines.append("")
    if fails:
        summary = (f"{fails} problem(s) (FAIL) and {warns} warning(s). Fix the FAIL rows first: "
                   f"until then the kiosk may not start, or lose its coach or its data.")
    elif warns:
        summary = f"No problems; {warns} warning(s) worth a look."
    else:
        summary = "All checks passed."
    lines.extend(_wrap(summary, width))
    return "\n".join(lines)


def _wrap(text: str, width: int | None) -> list[str]:
    if width is None:
        return [text] if text else []
    return textwrap.wrap(text, width)


def as_json(ctx: Context, rows: list[Check]) -> str:
    return json.dumps({"config": str(ctx.config_path) if ctx.config_path else None,
                       "data_dir": str(ctx.data_dir), "ok": not any(r.status == FAIL for r in rows),
                       "checks": [asdict(r) for r in rows]}, indent=2)
