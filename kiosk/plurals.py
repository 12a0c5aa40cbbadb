"""Plural forms by the CLDR rules of each language (the `babel` package's locale data).

    plural_form(3, "pl")   -> "few"      (1 -> "one", 2-4 -> "few", 5 -> "many", 1.5 -> "other")
    plural_forms("pl")     -> ("one", "few", "many", "other")   what a plural table must hold
    single_number_forms("pl") -> {"one"}  forms that only ever hold one number: their text may
                                          write "1" instead of the number's placeholder

A number may come as a number or as text the way the app formats it (`f"{n:,}"`: "1,001").
A language CLDR does not know gets the English rule (one for 1, other for the rest).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

CATEGORIES = ("zero", "one", "two", "few", "many", "other")  # CLDR's names, in CLDR's order
_NUMBER_RE = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_SAMPLES = range(0, 1001)  # enough to tell the categories of every CLDR integer rule apart


@lru_cache(maxsize=64)
def _rule(language: str) -> Callable[[Any], str]:
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(language.replace("-", "_")).plural_form
    except (UnknownLocaleError, ValueError, TypeError):
        return _english


@lru_cache(maxsize=256)
def knows(language: str) -> bool:
    """Does CLDR (babel's locale data) know `language`?"""
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(language)
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def _english(number: Any) -> str:
    return "one" if number == 1 else "other"


def number_of(value: Any) -> int | float | None:
    """The number in `value` (1, 1.0, "1", " 1 ", "1,001"), or None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("_", "").replace("\u202f", "")
        text = text.replace("\xa0", "").replace(" ", "")
        if not _NUMBER_RE.match(text):
            return None
        value = float(text) if "." in text else int(text)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int | float) else None


def plural_form(value: Any, language: str = "en") -> str:
    """The CLDR plural category of `value` in `language`; "other" when it is no number."""
    number = number_of(value)
    if number is None:
        return "other"
    return _rule(language)(abs(number))


@lru_cache(maxsize=64)
def plural_forms(language: str) -> tuple[str, ...]:
    """The categories `language` needs (its CLDR rule's and "other"), in CLDR's order."""
    rule = _rule(language)
    tags = set(getattr(rule, "tags", {"one"})) | {"other"}
    return tuple(c for c in CATEGORIES if c in tags)


@lru_cache(maxsize=64)
def single_number_forms(language: str) -> frozenset[str]:
    """The categories that hold exactly one whole number in `language` (English "one": 1)."""
    rule = _rule(language)
    seen: dict[str, set[int]] = {}
    for n in _SAMPLES:
        seen.setdefault(rule(n), set()).add(n)
    return frozenset(form for form, numbers in seen.items() if len(numbers) == 1)
