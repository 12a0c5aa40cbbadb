"""Words per language: the UI strings, the report's labels and the stop words.

UI strings come from content/strings/<lang>/*.toml. Each file is a namespace: `login.toml` holds
keys used as `t("login.title")`. English is the reference; a key missing in another language
falls back to English (a test checks the files have the same keys). The labels of the
supervisor's report and insights are one file per language, content/review/<lang>.toml, read the
same way: `Strings.report(language)("report.title", ...)`.

Messages (kiosk.messages) are keys with values; `t.message(exc)` shows one, or an error carrying
one, in the language of `t`.

Stop words: one list per language, content/stopwords/<lang>.toml, for the coach and the
supervisor's themes alike: `stopwords("nl")`; the themes also leave out a few words that say
something in one entry but stand in too many to make a theme: `stopwords("nl", themes=True)`.

Plurals: a string that depends on a number is an inline table instead of a string,

    complete = { count = "total", one = "Batch {label} is complete (1 part).",
                 other = "Batch {label} is complete ({total} parts)." }

`count` names the format value that chooses the form: `t("sync.scan.complete", label=..,
total=n)` gives `one` when n is 1 (the number 1 or the text "1", as in `f"{n:,}"`) and `other`
for anything else, 0 included. That is the rule of English and Dutch, the languages we have; a
language with more forms would need more than this. `one` may write "1" instead of the
placeholder. The table is flattened like any other (`sync.scan.complete.count`, `.one`,
`.other`), and `text_for` picks the form: every lookup of a key goes through it, so callers never
see the table. A language without the table falls back to the English one, as for plain strings.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from kiosk.paths import content_dir

DEFAULT_LANGUAGE = "en"
PLURAL_FORMS = ("one", "other")  # the keys of a plural table besides `count`


def flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    """Nested TOML tables -> dotted keys (`{"a": {"b": 1}}` -> `{"a.b": "1"}`)."""
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flatten(name, value, out)
        else:
            out[name] = str(value)


def plural_form(number: Any) -> str:
    """"one" for 1 (also given as the text "1"), "other" for every other number (English, Dutch)."""
    if isinstance(number, str):
        number = number.strip()
        return "one" if number == "1" else "other"
    return "one" if number == 1 and not isinstance(number, bool) else "other"


def text_for(strings: Mapping[str, str], key: str, values: Mapping[str, Any]) -> str | None:
    """The unformatted text of `key` in one language's flattened strings, or None if it has none:
    the string itself, or, for a plural table, the form that `values[<count>]` selects."""
    text = strings.get(key)
    if text:
        return text
    count = strings.get(f"{key}.count")
    if not count:
        return None
    form = plural_form(values[count]) if count in values else "other"
    return strings.get(f"{key}.{form}") or None


@lru_cache(maxsize=8)
def load_strings(language: str, folder: Path | None = None) -> dict[str, str]:
    base = (folder or content_dir() / "strings") / language
    strings: dict[str, str] = {}
    for file in sorted(base.glob("*.toml")):
        flatten(file.stem, tomllib.loads(file.read_text(encoding="utf-8")), strings)
    return strings


@lru_cache(maxsize=8)
def load_report_labels(language: str, folder: Path | None = None) -> dict[str, str]:
    """content/review/<lang>.toml flattened ("report.title"); empty for a language without one."""
    file = (folder or content_dir() / "review") / f"{language}.toml"
    labels: dict[str, str] = {}
    if file.is_file():
        flatten("", tomllib.loads(file.read_text(encoding="utf-8")), labels)
    return labels


@lru_cache(maxsize=16)
def stopwords(language: str, *, themes: bool = False,
              folder: Path | None = None) -> frozenset[str]:
    """The stop words of one language (content/stopwords/<lang>.toml, `words`), lower case; with
    `themes`, also those that only the supervisor's themes leave out (`themes_only`). Empty for a
    language without a list."""
    file = (folder or content_dir() / "stopwords") / f"{language}.toml"
    if not file.is_file():
        return frozenset()
    lists = tomllib.loads(file.read_text(encoding="utf-8"))
    words = [*lists.get("words", []), *(lists.get("themes_only", []) if themes else [])]
    return frozenset(word.strip().casefold() for word in words)


def available_languages() -> list[str]:
    folder = content_dir() / "strings"
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and any(p.glob("*.toml")))


class Strings:
    """`t(key, **values)` in one language, falling back to English, then to the key itself.
    A plural table picks its form by the value it names (see the module docstring)."""

    def __init__(self, language: str = DEFAULT_LANGUAGE, *, report: bool = False):
        load = load_report_labels if report else load_strings
        self.language = language
        self._own = load(language)
        self._fallback = load(DEFAULT_LANGUAGE) if language != DEFAULT_LANGUAGE else {}

    @classmethod
    def report(cls, language: str = DEFAULT_LANGUAGE) -> "Strings":
        """The labels of the supervisor's report and insights (content/review/<lang>.toml)."""
        return cls(language, report=True)

    def __call__(self, key: str, **values: Any) -> str:
        text = text_for(self._own, key, values) or text_for(self._fallback, key, values) or key
        return text.format(**values) if values else text

    t = __call__

    def message(self, said: Any) -> str:
        """What a message, or an error carrying one (kiosk.messages), says in this language;
        anything else that can say itself in a language (`text(language)`, as a sync scan
        result) likewise; any other error or value as `str()` gives it (an OS error's words)."""
        text = getattr(said, "text", None)
        return text(self.language) if callable(text) else str(said)
