"""Config: the demo config loads; every bad value gives a ConfigError naming the key; KIOSK_CONFIG
and the other env overrides work; the CLI reports a bad config without a traceback; the example
file shows every default."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from kiosk.i18n import available_languages
from kiosk.config import (DEFAULTS, DEMO_ADMIN_PIN_HASH, DEMO_SUPERVISOR_PIN_HASH, ConfigError,
                          load_config)
from kiosk.ops.backup import resolve_backup_dir
from kiosk.pins import verify_pin

EXAMPLE = Path(__file__).resolve().parent.parent / "deploy" / "kiosk.example.toml"

SECURITY = f"""
[security]
admin_pin_hash = "{DEMO_ADMIN_PIN_HASH}"
supervisor_pin_hash = "{DEMO_SUPERVISOR_PIN_HASH}"
site_key = "a-site-key-of-enough-length"
"""

GOOD = """
[kiosk]
id = "press-shop-2"
station = "Press P5"
line = "Line B"
language = "nl"
idle_timeout = 90
data_dir = "{data_dir}"

[coach]
threads = 4
time_limit = 12.5
""" + SECURITY


def write(tmp_path: Path, text: str, name: str = "kiosk.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_builtin_demo_config_loads():
    config = load_config(env={})
    assert config.demo and config.source == "built-in demo configuration"
    assert config.language == "en" and config.mode == "kiosk"
    assert config.station == "Assembly 1" and config.kiosk_id == "demo-kiosk-1"
    assert verify_pin("1234", config.admin_pin_hash)
    assert verify_pin("4321", config.supervisor_pin_hash)
    assert not verify_pin("0000", config.admin_pin_hash)


def test_a_good_file_sets_its_values_and_keeps_the_defaults(tmp_path):
    path = write(tmp_path, GOOD.format(data_dir=tmp_path / "d"))
    config = load_config(path, env={})
    assert not config.demo and config.source == str(path)
    assert (config.kiosk_id, config.station, config.line, config.language) == \
        ("press-shop-2", "Press P5", "Line B", "nl")
    assert config.idle_timeout == 90 and config.idle_warning == 20  # default kept
    assert config.threads == 4 and config.time_limit == 12.5
    assert config.data_dir == tmp_path / "d"
    assert config.site_key == "a-site-key-of-enough-length"


def test_ui_languages_names_what_the_kiosk_offers_and_ui_language_its_default(tmp_path):
    path = write(tmp_path, SECURITY + '[ui]\nlanguages = ["nl", "en"]\nlanguage = "nl"\n')
    config = load_config(path, env={})
    assert config.languages == ("nl", "en") and config.language == "nl"
    # without the list: every language with content; the older [kiosk] language still counts
    config = load_config(write(tmp_path, SECURITY + '[kiosk]\nlanguage = "nl"\n', "old.toml"),
                         env={})
    assert config.language == "nl" and set(config.languages) == set(available_languages())
    assert load_config(env={}).languages == tuple(available_languages())
    # the environment wins over both names in the file
    assert load_config(path, env={"KIOSK_LANGUAGE": "en"}).language == "en"
    assert load_config(write(tmp_path, SECURITY + '[kiosk]\nlanguage = "nl"\n', "old.toml"),
                       env={"KIOSK_LANGUAGE": "en"}).language == "en"


def test_without_data_dir_the_platform_data_folder_is_used(tmp_path):
    config = load_config(write(tmp_path, SECURITY), env={})
    assert config.data_dir == Path(os.environ["XDG_DATA_HOME"]) / "kiosk"


@pytest.mark.parametrize(("text", "key"), [
    ('[kiosk]\nidle_timeout = "abc"\n', "kiosk.idle_timeout"),
    ("[kiosk]\nidle_timeout = 5\n", "kiosk.idle_timeout"),
    ("[kiosk]\nidle_timeout = true\n", "kiosk.idle_timeout"),
    ("[kiosk]\nidle_warning = 200\nidle_timeout = 100\n", "kiosk.idle_warning"),
    ('[kiosk]\nlanguage = "fr"\n', "kiosk.language"),
    ('[ui]\nlanguage = "fr"\n', "ui.language"),
    ('[ui]\nlanguages = ["nl", "xx"]\n', "ui.languages"),
    ('[ui]\nlanguages = "nl"\n', "ui.languages"),
    ('[ui]\nlanguages = ["nl", "nl"]\n', "ui.languages"),
    ('[ui]\nlanguages = ["nl"]\nlanguage = "en"\n', "ui.language"),
    ('[kiosk]\nlanguage = "nl"\n[ui]\nlanguage = "en"\n', "kiosk.language"),
    ('[kiosk]\nmode = "boss"\n', "kiosk.mode"),
    ('[kiosk]\nid = "has spaces"\n', "kiosk.id"),
    ("[kiosk]\nid = 5\n", "kiosk.id"),
    ('[kiosk]\nstation = ""\n', "kiosk.station"),
    ('[kiosk]\ncolour = "blue"\n', "kiosk.colour"),
    ('[kiosk]\n[screen]\nsize = 3\n', "[screen]"),
    ('kiosk = "flat"\n', "kiosk"),
    ('[coach]\nenabled = "yes"\n', "coach.enabled"),
    ("[coach]\nthreads = 0\n", "coach.threads"),
    ('[coach]\ntime_limit = "fast"\n', "coach.time_limit"),
    ("[sync]\nframe_period = 100\n", "sync.frame_period"),
    ("[privacy]\nmin_group_size = 1\n", "privacy.min_group_size"),
    ('[ui]\nascii = "no"\n', "ui.ascii"),
    ("[backup]\nkeep_days = 0\n", "backup.keep_days"),
    ("[backup]\nkeep_days = 3651\n", "backup.keep_days"),
    ('[backup]\nkeep_days = "30"\n', "backup.keep_days"),
    ("[backup]\nkeep_days = true\n", "backup.keep_days"),
    ("[backup]\ndir = 5\n", "backup.dir"),
    ("[backup]\nfolder = \"/srv/b\"\n", "backup.folder"),
    ('[coach.models]\nfr = "some-model"\n', "coach.models.fr"),
    ('[coach.models]\nnl = ""\n', "coach.models.nl"),
    ("[coach.models]\nnl = 3\n", "coach.models.nl"),
    ('[coach]\nmodels = "qwen"\n', "coach.models"),
])
def test_a_bad_value_names_its_key(tmp_path, text, key):
    path = write(tmp_path, SECURITY + text if not text.startswith("kiosk =") else text + SECURITY)
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert key in str(caught.value)


@pytest.mark.parametrize(("security", "key"), [
    (f'[security]\nsupervisor_pin_hash = "{DEMO_SUPERVISOR_PIN_HASH}"\nsite_key = "x" \n',
     "security.admin_pin_hash"),
    (f'[security]\nadmin_pin_hash = "{DEMO_ADMIN_PIN_HASH}"\nsite_key = "0123456789abcdef"\n',
     "security.supervisor_pin_hash"),
    (f'[security]\nadmin_pin_hash = "1234"\nsupervisor_pin_hash = "{DEMO_SUPERVISOR_PIN_HASH}"\n'
     'site_key = "0123456789abcdef"\n', "security.admin_pin_hash"),
    (f'[security]\nadmin_pin_hash = "{DEMO_ADMIN_PIN_HASH}"\n'
     f'supervisor_pin_hash = "{DEMO_SUPERVISOR_PIN_HASH}"\nsite_key = "short"\n',
     "security.site_key"),
])
def test_a_missing_or_bad_pin_hash_or_site_key_names_its_key(tmp_path, security, key):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, security), env={})
    assert str(caught.value).startswith(key)


def test_a_file_without_a_security_section_asks_for_a_pin(tmp_path):
    with pytest.raises(ConfigError, match=r"security.admin_pin_hash: missing; set it with "
                                          r"`kiosk pin set admin`"):
        load_config(write(tmp_path, '[kiosk]\nstation = "Press P5"\n'), env={})


def test_bad_toml_names_the_file_and_the_line(tmp_path):
    path = write(tmp_path, SECURITY + '\n[kiosk]\nstation = "unclosed\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    message = str(caught.value)
    assert str(path) in message and "not valid TOML" in message and "line" in message


def test_a_missing_or_non_utf8_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml", env={})
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'[kiosk]\nstation = "Montage \xe9"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path, env={})


def test_kiosk_config_env_var_selects_the_file(tmp_path):
    path = write(tmp_path, GOOD.format(data_dir=tmp_path / "d"))
    config = load_config(env={"KIOSK_CONFIG": str(path)})
    assert config.station == "Press P5" and config.source == str(path)
    assert not config.demo


def test_kiosk_config_env_var_uses_the_real_environment(tmp_path, monkeypatch):
    path = write(tmp_path, GOOD.format(data_dir=tmp_path / "d"))
    monkeypatch.setenv("KIOSK_CONFIG", str(path))
    assert load_config().station == "Press P5"


def test_an_explicit_path_wins_over_kiosk_config(tmp_path):
    chosen = write(tmp_path, GOOD.format(data_dir=tmp_path / "d"))
    other = write(tmp_path, SECURITY + '[kiosk]\nstation = "Other"\n', "other.toml")
    assert load_config(chosen, env={"KIOSK_CONFIG": str(other)}).station == "Press P5"


def test_env_overrides_apply_on_top_of_the_file_and_are_checked(tmp_path):
    path = write(tmp_path, GOOD.format(data_dir=tmp_path / "d"))
    env = {"KIOSK_CONFIG": str(path), "KIOSK_LANGUAGE": "en", "KIOSK_STATION": "Packing 1",
           "KIOSK_MODE": "supervisor", "KIOSK_DATA_DIR": str(tmp_path / "e"),
           "KIOSK_MODEL": "other-model"}
    config = load_config(env=env)
    assert (config.language, config.station, config.mode, config.model) == \
        ("en", "Packing 1", "supervisor", "other-model")
    assert config.data_dir == tmp_path / "e"
    with pytest.raises(ConfigError, match="ui.language"):
        load_config(env={**env, "KIOSK_LANGUAGE": "klingon"})


def test_cli_with_a_bad_config_prints_the_key_and_exits_nonzero(tmp_path, run_kiosk):
    bad = write(tmp_path, SECURITY + '[kiosk]\nidle_timeout = "abc"\n', "bad.toml")
    result = run_kiosk("--config", str(bad), "entries", "list")
    assert result.returncode == 2
    assert "kiosk.idle_timeout" in result.stderr and "config error" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_cli_reads_kiosk_config_from_the_environment(tmp_path, run_kiosk):
    bad = write(tmp_path, '[kiosk]\nlanguage = "fr"\n' + SECURITY, "bad.toml")
    result = run_kiosk("entries", "list", env={"KIOSK_CONFIG": str(bad)})
    assert result.returncode == 2 and "kiosk.language" in result.stderr
    assert "Traceback" not in result.stderr

    good = write(tmp_path, GOOD.format(data_dir=tmp_path / "d"), "good.toml")
    (tmp_path / "d").mkdir()
    result = run_kiosk("entries", "list", env={"KIOSK_CONFIG": str(good)})
    assert result.returncode == 0, result.stderr
    assert f"No entries in {tmp_path / 'd'}" in result.stdout


# -- [backup] -----------------------------------------------------------------------------------

def test_backup_defaults_keep_14_days_next_to_the_data_folder(tmp_path):
    config = load_config(write(tmp_path, GOOD.format(data_dir=tmp_path / "d")), env={})
    assert config.backup_dir is None and config.keep_days == 14
    assert resolve_backup_dir(None, config.backup_dir, config.data_dir) == tmp_path / "d-backups"
    demo = load_config(env={})
    assert demo.backup_dir is None and demo.keep_days == 14


def test_backup_values_come_from_the_file(tmp_path):
    text = GOOD.format(data_dir=tmp_path / "d") + '[backup]\ndir = "~/kiosk-b"\nkeep_days = 30\n'
    config = load_config(write(tmp_path, text), env={})
    assert config.backup_dir == Path("~/kiosk-b").expanduser() and config.keep_days == 30
    assert resolve_backup_dir(None, config.backup_dir, config.data_dir) == config.backup_dir


def test_kiosk_backup_dir_overrides_the_file(tmp_path):
    text = GOOD.format(data_dir=tmp_path / "d") + f'[backup]\ndir = "{tmp_path / "file"}"\n'
    path = write(tmp_path, text)
    assert load_config(path, env={}).backup_dir == tmp_path / "file"
    config = load_config(path, env={"KIOSK_BACKUP_DIR": str(tmp_path / "env")})
    assert config.backup_dir == tmp_path / "env"
    # ... and the command's --dir overrides both.
    assert resolve_backup_dir(str(tmp_path / "flag"), config.backup_dir, config.data_dir) == \
        tmp_path / "flag"
    # Without a [backup] dir in the file the variable still works, as before the section existed.
    plain = load_config(write(tmp_path, SECURITY, "plain.toml"),
                        env={"KIOSK_BACKUP_DIR": str(tmp_path / "env")})
    assert plain.backup_dir == tmp_path / "env"


def test_keep_days_longer_than_retention_days_is_refused(tmp_path):
    text = SECURITY + "[privacy]\nretention_days = 60\n[backup]\nkeep_days = 61\n"
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env={})
    message = str(caught.value)
    assert message.startswith("backup.keep_days:") and "privacy.retention_days (60)" in message
    ok = SECURITY + "[privacy]\nretention_days = 60\n[backup]\nkeep_days = 60\n"
    assert load_config(write(tmp_path, ok), env={}).keep_days == 60


def test_a_backup_dir_inside_the_data_folder_is_refused(tmp_path):
    text = GOOD.format(data_dir=tmp_path / "d") + f'[backup]\ndir = "{tmp_path / "d" / "b"}"\n'
    with pytest.raises(ConfigError, match=r"^backup.dir: must be a folder outside kiosk.data_dir"):
        load_config(write(tmp_path, text), env={})
    beside = GOOD.format(data_dir=tmp_path / "d") + f'[backup]\ndir = "{tmp_path / "d-b"}"\n'
    assert load_config(write(tmp_path, beside), env={}).backup_dir == tmp_path / "d-b"


def test_the_example_file_shows_every_key_with_its_default():
    example = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    site_specific = {("kiosk", "id"), ("kiosk", "data_dir"), ("security", "admin_pin_hash"),
                     ("security", "supervisor_pin_hash"), ("security", "site_key")}
    assert list(example) == list(DEFAULTS)
    for section, values in DEFAULTS.items():
        assert list(example[section]) == list(values), section
        for key, default in values.items():
            if (section, key) not in site_specific:
                assert example[section][key] == default, f"{section}.{key}"
    assert example["backup"] == {"dir": "", "keep_days": 14}


def test_a_language_can_have_a_model_of_its_own(tmp_path):
    path = write(tmp_path, SECURITY + '[coach]\nmodel = "general"\n[coach.models]\n'
                                      'nl = "dutch-model"\n')
    config = load_config(path, env={})
    assert config.model_for("nl") == ("dutch-model", True)
    assert config.model_for("en") == ("general", False)
    assert load_config(env={}).model_for("nl") == ("smollm2-135m-instruct-q4_0", False)
    inline = write(tmp_path, SECURITY + '[coach]\nmodels = { en = "a", nl = "b" }\n', "i.toml")
    assert load_config(inline, env={}).language_models == (("en", "a"), ("nl", "b"))
