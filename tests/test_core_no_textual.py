"""Core modules never import textual: the supervisor's CLI import and the benchmarks use them
without a UI. Each check runs in a fresh interpreter, so nothing imported by other tests counts."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE_MODULES = ["kiosk.entries", "kiosk.store", "kiosk.config", "kiosk.i18n", "kiosk.demo",
                "kiosk.pins", "kiosk.cli"]


def modules_after(code: str) -> set[str]:
    """Names in sys.modules after running `code` in a fresh interpreter."""
    script = code + "\nimport sys\nprint('--modules--', *sys.modules, sep='\\n')\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.rsplit("--modules--\n", 1)[1].split())


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_does_not_import_textual(module):
    loaded = modules_after(f"import {module}")
    assert module in loaded  # the check really imported it
    assert not {name for name in loaded if name == "textual" or name.startswith("textual.")}


def test_all_core_modules_together_do_not_import_textual():
    loaded = modules_after("\n".join(f"import {m}" for m in CORE_MODULES))
    assert set(CORE_MODULES) <= loaded
    assert "textual" not in loaded


def test_the_check_would_see_textual():
    """Guard against a check that can never fail: importing the UI does load textual."""
    assert "textual" in modules_after("import textual.app")


def test_cli_commands_that_need_no_ui_do_not_import_textual(tmp_path):
    code = (f"from kiosk.cli import main\n"
            f"main(['--data-dir', {str(tmp_path / 'd')!r}, 'demo-data', '--count', '3'])\n"
            f"main(['--data-dir', {str(tmp_path / 'd')!r}, 'entries', 'list', '--json'])\n")
    assert "textual" not in modules_after(code)
