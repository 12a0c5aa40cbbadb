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
total=n)` gives the form of n's CLDR plural category in the table's language (kiosk.plurals,
from `babel`): English and Dutch `one` for 1 and `other` for the rest, Polish `one`, `few` (2-4,
22-24, ...), `many` (0, 5-21, ...) and `other` (fractions). A table holds exactly the forms its
language needs; a form that only ever holds one number (`one` in these languages) may write "1"
instead of the placeholder. The table is flattened like any other (`sync.scan.complete.count`,
`.one`, `.other`), and `text_for` picks the form: every lookup of a key goes through it, so
callers never see the table. A language without the table falls back to the English one (with
the English rule), as for plain strings.

The language itself: `common.language_name` names it in its own words (`language_name("pl")`
-> "Polski", for the F8 list); content/strings/<lang>/language.toml lists the letters beyond
a-z it writes (`language_letters`, for the console font check of `kiosk doctor`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from kiosk.paths import content_dir
from kiosk.plurals import plural_form

DEFAULT_LANGUAGE = "en"


def flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    """Nested TOML tables -> dotted keys (`{"a": {"b": 1}}` -> `{"a.b": "1"}`)."""
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flatten(name, value, out)
        else:
            out[name] = str(value)


def text_for(strings: Mapping[str, str], key: str, values: Mapping[str, Any],
             language: str = DEFAULT_LANGUAGE) -> str | None:
    """The unformatted text of `key` in one language's flattened strings, or None if it has none:
    the string itself, or, for a plural table, the form that `values[<count>]` selects by the
    plural rule of `language`."""
    text = strings.get(key)
    if text:
        return text
    count = strings.get(f"{key}.count")
    if not count:
        return None
    form = plural_form(values[count], language) if count in values else "other"
    return strings.get(f"{key}.{form}") or strings.get(f"{key}.other") or None


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
    """The languages with UI strings (a folder content/strings/<lang>/ with files)."""
    folder = content_dir() / "strings"
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and any(p.glob("*.toml")))


def language_name(language: str) -> str:
    """The language's name in its own words (its own strings' `common.language_name`:
    "Nederlands", "Polski"), else CLDR's (babel), else the code itself."""
    name = load_strings(language).get("common.language_name", "").strip()
    if name:
        return name
    try:
        from babel import Locale

        found = Locale.parse(language).get_display_name(language) or ""
    except Exception:  # babel knows no such locale (a made-up code): the code will do
        found = ""
    return found[:1].upper() + found[1:] if found else language


def language_letters(language: str) -> frozenset[str]:
    """The letters beyond ASCII that `language` writes: language.toml `letters` and every
    non-ASCII letter of its UI strings."""
    strings = load_strings(language)
    text = strings.get("language.letters", "") + "".join(strings.values())
    return frozenset(c for c in text if c.isalpha() and not c.isascii())


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
        text = (text_for(self._own, key, values, self.language)
                or text_for(self._fallback, key, values) or key)
        return text.format(**values) if values else text

    t = __call__

    def message(self, said: Any) -> str:
        """What a message, or an error carrying one (kiosk.messages), says in this language;
        anything else that can say itself in a language (`text(language)`, as a sync scan
        result) likewise; any other error or value as `str()` gives it (an OS error's words)."""
        text = getattr(said, "text", None)
        return text(self.language) if callable(text) else str(said)
