"""User text made safe for a terminal or a report: one line, no control characters."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text: str) -> str:
    """User text on one line, without control characters (a terminal escape sequence in an
    entry must not reach the supervisor's terminal or the report)."""
    return " ".join(_CONTROL.sub(" ", text).split())
