"""Labels of the report and insights in the supervisor's language, from content/review/<lang>.toml
(English is the reference and the fallback for a missing key). A label that depends on a number
may be a plural table, as in content/strings (see `kiosk.i18n`)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from kiosk.i18n import flatten, text_for
from kiosk.paths import content_dir

DEFAULT_LANGUAGE = "en"


class LabelsError(ValueError):
    """content/review/<lang>.toml is missing or not valid TOML."""


@lru_cache(maxsize=8)
def load_labels(language: str, folder: Path | None = None) -> dict[str, str]:
    file = (folder or content_dir() / "review") / f"{language}.toml"
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LabelsError(f"no report labels for language {language!r} ({file})") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LabelsError(f"{file}: not valid TOML ({exc})") from None
    out: dict[str, str] = {}
    flatten("", data, out)
    return out


def available_languages() -> list[str]:
    return sorted(p.stem for p in (content_dir() / "review").glob("*.toml"))


class Labels:
    """`labels("report.title", week_number=48)`: one language, English as fallback."""

    def __init__(self, language: str = DEFAULT_LANGUAGE):
        self.language = language
        self._own = load_labels(language)
        self._fallback = load_labels(DEFAULT_LANGUAGE) if language != DEFAULT_LANGUAGE else {}

    def __call__(self, key: str, **values: Any) -> str:
        text = text_for(self._own, key, values) or text_for(self._fallback, key, values) or key
        return text.format(**values) if values else text


__all__ = ["Labels", "LabelsError", "load_labels", "available_languages"]
