"""The worked example of protocol 3 in docs/sync-protocol.md is what the code prints: running
`bench/sync.py --example` gives exactly the block in the document."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_documented_protocol_3_example_is_what_the_code_makes():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "sync.py"), "--example"],
                            capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    printed = result.stdout.strip()
    assert "K = 3 source frames" in printed and "receipt code GLZN-KZ6K" in printed
    document = (ROOT / "docs" / "sync-protocol.md").read_text(encoding="utf-8")
    assert f"```\n{printed}\n```" in document
