"""UI strings from content/strings/<lang>/*.toml. Each file is a namespace: `login.toml` holds
keys used as `t("login.title")`. English is the reference; a key missing in another language
falls back to English (a test checks the files have the same keys)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from kiosk.paths import content_dir

DEFAULT_LANGUAGE = "en"


def flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    """Nested TOML tables -> dotted keys (`{"a": {"b": 1}}` -> `{"a.b": "1"}`)."""
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flatten(name, value, out)
        else:
            out[name] = str(value)


@lru_cache(maxsize=8)
def load_strings(language: str, folder: Path | None = None) -> dict[str, str]:
    base = (folder or content_dir() / "strings") / language
    strings: dict[str, str] = {}
    for file in sorted(base.glob("*.toml")):
        flatten(file.stem, tomllib.loads(file.read_text(encoding="utf-8")), strings)
    return strings


def available_languages() -> list[str]:
    folder = content_dir() / "strings"
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and any(p.glob("*.toml")))


class Strings:
    """`t(key, **values)` in one language, falling back to English, then to the key itself."""

    def __init__(self, language: str = DEFAULT_LANGUAGE):
        self.language = language
        self._own = load_strings(language)
        self._fallback = load_strings(DEFAULT_LANGUAGE) if language != DEFAULT_LANGUAGE else {}

    def __call__(self, key: str, **values: Any) -> str:
        text = self._own.get(key) or self._fallback.get(key) or key
        return text.format(**values) if values else text

    t = __call__
