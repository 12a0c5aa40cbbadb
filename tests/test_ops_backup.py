"""Backups and restore with real stores in tmp_path: a round trip keeps every entry, draft and
setting; restore refuses a folder in use or with data, keeps the old data aside, and rejects
damaged or foreign archives; every command finds the backup folder and the days to keep from the
config's [backup] section, $KIOSK_BACKUP_DIR or its flags. (Retention: tests/test_ops_retention.py;
restoring an older store format: tests/test_store_upgrade.py.)"""

from __future__ import annotations

import io
import json
import tarfile
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from kiosk.config import DEMO_ADMIN_PIN_HASH, DEMO_SUPERVISOR_PIN_HASH
from kiosk.ops.backup import (BackupError, archive_name, list_backups, make_backup,
                              prune_backups, read_manifest, restore_backup)
from kiosk.store import Store
from tests.conftest import build_entry

DAY = 86400.0


@pytest.fixture(autouse=True)
def _no_backup_dir_from_the_shell(monkeypatch):
    """The CLI runs see only the KIOSK_BACKUP_DIR a test sets itself."""
    monkeypatch.delenv("KIOSK_BACKUP_DIR", raising=False)


def fill(store: Store, count: int = 12) -> list:
    """Entries over the last weeks (several weekly files), a draft and a meta value."""
    now = time.time()
    entries = [build_entry(at=now - i * 2.5 * DAY, title=f"Entry {i}") for i in range(count)]
    for entry in entries:
        store.save(entry)
    store.save_draft("w-DRAFT001", {"what_happened": "half a thought"})
    store.set_meta("sync.test", {"batch": 7})
    return entries


def snapshot(data_dir: Path) -> dict:
    with Store(data_dir, readonly=True) as store:
        return {"entries": {e.id: e.to_dict() for e in store.entries()},
                "draft": store.load_draft("w-DRAFT001"), "meta": store.get_meta("sync.test")}


# -- backup and restore -------------------------------------------------------------------------

def todays_archive(folder: Path, kiosk_id: str, since: date) -> Path | None:
    """The archive dated `since` or the day after it (a test may run over midnight)."""
    for day in (since, since + timedelta(days=1)):
        if (folder / archive_name(kiosk_id, day)).is_file():
            return folder / archive_name(kiosk_id, day)
    return None


def test_round_trip_while_the_store_is_open(tmp_path, store, data_dir):
    entries = fill(store)
    # The store stays open (locked), as in a running kiosk: the backup does not need the lock.
    today = date.today()
    result = make_backup(data_dir, tmp_path / "backups", kiosk_id="kiosk-07")
    assert result.path == todays_archive(tmp_path / "backups", "kiosk-07", today)
    assert result.entries == len(entries) and result.damaged == ()
    assert not [p for p in (tmp_path / "backups").iterdir() if p.name.startswith(".")]
    store.close()

    target = tmp_path / "new-device"
    restored = restore_backup(result.path, target, aside_dir=tmp_path / "aside",
                              kiosk_id="kiosk-07")
    assert restored.entries == len(entries) and restored.kept_aside is None
    assert snapshot(target) == snapshot(data_dir)
    assert len(snapshot(target)["entries"]) == len(entries)
    with Store(target) as reopened:  # usable for writing, with its lock
        reopened.save(build_entry(title="after the restore"))
        assert reopened.count() == len(entries) + 1


def test_backups_taken_during_saves_are_consistent(tmp_path, store, data_dir):
    """A kiosk saving while the backup runs: every archive restores to a store that opens and
    reads, because each file is replaced atomically and read through one handle."""
    import threading

    stop = threading.Event()
    saved = []

    def keep_saving():
        while not stop.is_set() and len(saved) < 400:
            saved.append(store.save(build_entry(title=f"busy {len(saved)}")).id)

    worker = threading.Thread(target=keep_saving)
    worker.start()
    try:
        archives = [make_backup(data_dir, tmp_path / "b", kiosk_id="k1", tag=f"n{i}").path
                    for i in range(5)]
    finally:
        stop.set()
        worker.join()
    counts = []
    for i, archive in enumerate(archives):
        result = restore_backup(archive, tmp_path / f"r{i}", aside_dir=tmp_path / "a",
                                kiosk_id="k1")
        counts.append(result.entries)
        with Store(tmp_path / f"r{i}", readonly=True) as restored:
            assert all(entry.id in saved for entry in restored.entries())
    assert counts == sorted(counts)  # later backups hold at least as much


def test_manifest_lists_every_file_with_its_checksum(tmp_path, store, data_dir):
    fill(store)
    path = make_backup(data_dir, tmp_path / "b", kiosk_id="kiosk-07").path
    manifest = read_manifest(path)
    assert manifest["kiosk_id"] == "kiosk-07"
    assert "kiosk.lock" not in manifest["files"]
    assert {"meta.json", "drafts.json"} <= set(manifest["files"])
    assert any(name.startswith("entries/") for name in manifest["files"])
    assert all(len(info["sha256"]) == 64 for info in manifest["files"].values())


def test_same_day_backup_replaces_the_archive(tmp_path, store, data_dir):
    fill(store, 3)
    first = make_backup(data_dir, tmp_path / "b", kiosk_id="k1")
    store.save(build_entry(title="one more"))
    second = make_backup(data_dir, tmp_path / "b", kiosk_id="k1")
    assert first.path == second.path and second.entries == 4
    assert len(list_backups(tmp_path / "b")) == 1


def test_restore_refuses_a_folder_in_use(tmp_path, store, data_dir):
    fill(store, 2)
    archive = make_backup(data_dir, tmp_path / "b", kiosk_id="k1").path
    with pytest.raises(BackupError, match="in use by a running kiosk"):
        restore_backup(archive, data_dir, aside_dir=tmp_path / "aside", kiosk_id="k1",
                       force=True)


def test_restore_needs_force_over_data_and_keeps_it_aside(tmp_path, store, data_dir):
    fill(store, 4)
    store.close()
    archive = make_backup(data_dir, tmp_path / "b", kiosk_id="k1").path
    before = snapshot(data_dir)

    other = tmp_path / "other"
    with Store(other) as other_store:
        other_store.save(build_entry(title="only on the other device"))
    other_before = snapshot(other)
    with pytest.raises(BackupError, match="--force"):
        restore_backup(archive, other, aside_dir=tmp_path / "aside", kiosk_id="k2")
    assert snapshot(other) == other_before  # untouched

    result = restore_backup(archive, other, aside_dir=tmp_path / "aside", kiosk_id="k2",
                            force=True)
    assert snapshot(other) == before
    assert result.kept_aside is not None and "before-restore" in result.kept_aside.name
    # The data that was replaced can itself be restored.
    back = tmp_path / "back"
    restore_backup(result.kept_aside, back, aside_dir=tmp_path / "aside", kiosk_id="k2")
    assert snapshot(back)["entries"] == other_before["entries"]
    assert not [p for p in other.iterdir() if p.name.startswith(".") and p.is_dir()]


def test_restore_into_a_fresh_store_needs_no_force(tmp_path, store, data_dir):
    fill(store, 2)
    archive = make_backup(data_dir, tmp_path / "b", kiosk_id="k1").path
    fresh = tmp_path / "fresh"
    Store(fresh).close()  # a kiosk that started once: only meta.json with the store format
    assert restore_backup(archive, fresh, aside_dir=tmp_path / "a", kiosk_id="k1").entries == 2


def _rewrite(archive: Path, target: Path, change) -> Path:
    """Copy `archive` to `target`, passing each (TarInfo, bytes) through `change`."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(target, "w:gz") as dst:
        for member in src:
            payload = src.extractfile(member).read()
            member, payload = change(member, payload)
            member.size = len(payload)
            dst.addfile(member, io.BytesIO(payload))
    return target


def test_restore_rejects_a_damaged_archive_and_changes_nothing(tmp_path, store, data_dir):
    fill(store, 3)
    archive = make_backup(data_dir, tmp_path / "b", kiosk_id="k1").path

    def flip(member, payload):
        if member.name.startswith("data/entries/"):
            payload = payload.replace(b"Entry", b"Entrx", 1)
        return member, payload

    bad = _rewrite(archive, tmp_path / "bad.tar.gz", flip)
    target = tmp_path / "target"
    with pytest.raises(BackupError, match="checksum"):
        restore_backup(bad, target, aside_dir=tmp_path / "a", kiosk_id="k1")
    assert not (target / "entries").exists() or not any((target / "entries").iterdir())

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(BackupError):
        restore_backup(truncated, target, aside_dir=tmp_path / "a", kiosk_id="k1")

    with pytest.raises(BackupError, match="not a kiosk backup|cannot be read"):
        (tmp_path / "x.tar.gz").write_bytes(b"not an archive")
        restore_backup(tmp_path / "x.tar.gz", target, aside_dir=tmp_path / "a", kiosk_id="k1")


def test_restore_rejects_paths_outside_the_data_folder(tmp_path, store, data_dir):
    fill(store, 1)
    archive = make_backup(data_dir, tmp_path / "b", kiosk_id="k1").path

    def escape(member, payload):
        if member.name == "data/meta.json":
            member.name = "data/../../evil.json"
        return member, payload

    bad = _rewrite(archive, tmp_path / "evil.tar.gz", escape)
    with pytest.raises(BackupError, match="unexpected member"):
        restore_backup(bad, tmp_path / "t", aside_dir=tmp_path / "a", kiosk_id="k1")
    assert not (tmp_path / "evil.json").exists()


def test_prune_keeps_recent_archives_and_other_kiosks(tmp_path):
    folder = tmp_path / "b"
    folder.mkdir()
    today = date(2026, 11, 27)
    for days in (0, 1, 13, 14, 15, 40):
        (folder / archive_name("k1", today - timedelta(days=days))).write_bytes(b"x")
    (folder / archive_name("k2", today - timedelta(days=40))).write_bytes(b"x")
    (folder / "notes.txt").write_text("not a backup")
    removed = prune_backups(folder, 14, kiosk_id="k1", today=today)
    assert sorted(p.name for p in removed) == sorted(
        archive_name("k1", today - timedelta(days=d)) for d in (15, 40))
    left = {p.name for p in folder.iterdir()}
    assert archive_name("k2", today - timedelta(days=40)) in left and "notes.txt" in left
    assert len(list_backups(folder, "k1")) == 4


def test_cli_backup_list_and_restore(tmp_path, run_kiosk, store, data_dir):
    fill(store, 5)
    store.close()
    backups = tmp_path / "usb"
    made = run_kiosk("--data-dir", str(data_dir), "backup", "--dir", str(backups))
    assert made.returncode == 0, made.stderr
    assert "5 entries" in made.stdout
    listed = run_kiosk("--data-dir", str(data_dir), "backup", "--dir", str(backups), "--list")
    assert "1 backup archive(s)" in listed.stdout
    (archive,) = backups.glob("*.tar.gz")
    refused = run_kiosk("--data-dir", str(data_dir), "restore", str(archive))
    assert refused.returncode == 3 and "--force" in refused.stderr
    target = tmp_path / "replacement"
    done = run_kiosk("--data-dir", str(target), "restore", str(archive))
    assert done.returncode == 0 and "Restored 5 entries" in done.stdout


def test_backup_notes_damaged_files_and_exits_non_zero(tmp_path, run_kiosk, store, data_dir):
    fill(store, 2)
    store.close()
    (data_dir / "entries" / "2026-W01.json").write_text("{broken")
    result = run_kiosk("--data-dir", str(data_dir), "backup", "--dir", str(tmp_path / "b"))
    assert result.returncode == 1 and "damaged" in result.stderr
    (archive,) = (tmp_path / "b").glob("*.tar.gz")
    assert json.loads(json.dumps(read_manifest(archive)["damaged"])) == ["entries/2026-W01.json"]


# -- the [backup] section of the config ---------------------------------------------------------

def write_site_config(path: Path, data_dir: Path, backup: str = "") -> Path:
    """A site config for kiosk-07 with its data in `data_dir`; `backup` is the [backup] body."""
    path.write_text(f'''[kiosk]
id = "kiosk-07"
data_dir = "{data_dir}"

[security]
admin_pin_hash = "{DEMO_ADMIN_PIN_HASH}"
supervisor_pin_hash = "{DEMO_SUPERVISOR_PIN_HASH}"
site_key = "a-long-random-site-key-for-tests"

[backup]
{backup}
''', encoding="utf-8")
    return path


def old_archive(folder: Path, days: int, kiosk_id: str = "kiosk-07") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / archive_name(kiosk_id, date.today() - timedelta(days=days))
    path.write_bytes(b"x")
    return path


def test_cli_backup_uses_the_configured_folder_and_keep_days(tmp_path, run_kiosk, store,
                                                             data_dir):
    fill(store, 3)
    store.close()
    folder = tmp_path / "configured"
    config = write_site_config(tmp_path / "kiosk.toml", data_dir,
                               f'dir = "{folder}"\nkeep_days = 5')
    # 4 days old: still inside keep_days = 5 if the test runs over midnight
    today, week_old, recent = date.today(), old_archive(folder, 7), old_archive(folder, 4)

    made = run_kiosk("--config", str(config), "backup")
    assert made.returncode == 0, made.stderr
    assert todays_archive(folder, "kiosk-07", today)
    assert not (tmp_path / "data-backups").exists()
    # keep_days = 5 from the file: the week-old archive goes (the default 14 would keep it).
    assert not week_old.exists() and recent.exists()
    assert "Removed 1 archive(s) older than 5 days" in made.stdout

    listed = run_kiosk("--config", str(config), "backup", "--list")
    assert listed.returncode == 0, listed.stderr
    assert f"2 backup archive(s) in {folder}" in listed.stdout


def test_cli_backup_folder_flag_over_env_over_file(tmp_path, run_kiosk, store, data_dir):
    fill(store, 2)
    store.close()
    from_file, from_env, from_flag = tmp_path / "file", tmp_path / "env", tmp_path / "flag"
    config = write_site_config(tmp_path / "kiosk.toml", data_dir, f'dir = "{from_file}"')
    env = {"KIOSK_BACKUP_DIR": str(from_env)}
    today = date.today()

    assert run_kiosk("--config", str(config), "backup").returncode == 0
    assert todays_archive(from_file, "kiosk-07", today)
    assert run_kiosk("--config", str(config), "backup", env=env).returncode == 0
    assert todays_archive(from_env, "kiosk-07", today)
    listed = run_kiosk("--config", str(config), "backup", "--list", env=env)
    assert f"1 backup archive(s) in {from_env}" in listed.stdout
    assert run_kiosk("--config", str(config), "backup", "--dir", str(from_flag),
                     env=env).returncode == 0
    assert todays_archive(from_flag, "kiosk-07", today)
    assert not (tmp_path / "data-backups").exists()


def test_cli_keep_days_flag_over_the_file_and_never_past_retention(tmp_path, run_kiosk, store,
                                                                   data_dir):
    fill(store, 2)
    store.close()
    folder = tmp_path / "b"
    config = write_site_config(tmp_path / "kiosk.toml", data_dir,
                               f'dir = "{folder}"\nkeep_days = 5')
    week_old = old_archive(folder, 7)
    kept = run_kiosk("--config", str(config), "backup", "--keep-days", "10")
    assert kept.returncode == 0, kept.stderr
    assert week_old.exists()
    too_long = run_kiosk("--config", str(config), "backup", "--keep-days", "731")
    assert too_long.returncode == 2
    assert "--keep-days" in too_long.stderr and "privacy.retention_days (730)" in too_long.stderr


@pytest.mark.parametrize(("backup", "key"), [
    ("keep_days = 0", "backup.keep_days"),
    ("dir = 5", "backup.dir"),
    ("keep_days = 800", "backup.keep_days"),  # longer than privacy.retention_days (730)
])
def test_cli_bad_backup_values_exit_2_naming_the_key(tmp_path, run_kiosk, store, data_dir,
                                                     backup, key):
    fill(store, 1)
    store.close()
    config = write_site_config(tmp_path / "kiosk.toml", data_dir, backup)
    archive = make_backup(data_dir, tmp_path / "elsewhere", kiosk_id="kiosk-07").path
    for command in (["backup"], ["backup", "--list"], ["restore", str(archive)],
                    ["retention"]):
        result = run_kiosk("--config", str(config), *command)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert f"config error: {key}:" in result.stderr, command
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "data-backups").exists()


def test_cli_restore_and_retention_use_the_configured_folder(tmp_path, run_kiosk, store,
                                                              data_dir):
    fill(store, 3)
    store.close()
    folder = tmp_path / "configured"
    config = write_site_config(tmp_path / "kiosk.toml", data_dir, f'dir = "{folder}"')
    assert run_kiosk("--config", str(config), "backup").returncode == 0
    (archive,) = folder.glob("*.tar.gz")

    restored = run_kiosk("--config", str(config), "restore", "--force", str(archive))
    assert restored.returncode == 0, restored.stderr
    (aside,) = folder.glob("*before-restore*.tar.gz")
    assert f"kept in {aside}" in restored.stdout

    expired = old_archive(folder, 1000)
    dry = run_kiosk("--config", str(config), "retention")
    assert dry.returncode == 0 and f"Would remove backup {expired}" in dry.stdout
    applied = run_kiosk("--config", str(config), "retention", "--apply")
    assert applied.returncode == 0, applied.stderr
    assert not expired.exists() and archive.exists() and aside.exists()
    assert not (tmp_path / "data-backups").exists()
