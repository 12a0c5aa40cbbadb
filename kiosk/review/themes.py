"""The team's themes for the supervisor: the words (3+ letters) and 2-word phrases that most
entries use, with at least the minimum group size of entries behind each.

Themes are found per language: the entries written in one language (their `language`) are
counted together, and each theme says its language, so Dutch and Polish themes are not mixed
into one list. The stop words left out are those of every language (content/stopwords/<lang>.toml,
`words` and `themes_only`): an entry often mixes in a few words of another language (an English
title over Dutch text), and "the" or "het" must not become a theme. The counts by category,
station and week (kiosk.review.insights) take every language together. Only the workers' own
text counts, not the supervisor's answers.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from kiosk.i18n import available_languages, stopwords
from kiosk.review.rows import TEXT_SEPARATOR, QueueItem

_TEXT = QueueItem._fields.index("search_text")
_LANGUAGE = QueueItem._fields.index("language")
Row = tuple  # a QueueItem or a plain row of the index

_SEGMENT_RE = re.compile(r"[\n.!?;:,()\[\]\"]+")
_TOKEN_RE = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


@dataclass(frozen=True)
class Theme:
    text: str
    entries: int  # how many entries use it (at least the minimum group size)
    language: str = ""  # the language of those entries


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Every language's stop words for themes, together."""
    return frozenset(word for language in available_languages()
                     for word in stopwords(language, themes=True))


def entry_terms(text: str, stop: frozenset[str]) -> set[str]:
    """The words (3+ letters, not only digits, no stop words) and 2-word phrases of one
    casefolded text. A phrase is two neighbouring words with no stop word or punctuation
    between them."""
    terms: set[str] = set()
    for segment in _SEGMENT_RE.split(text):
        previous = None
        for token in _TOKEN_RE.findall(segment):
            if len(token) < 3 or token.isdigit() or token in stop:
                previous = None
                continue
            terms.add(token)
            if previous is not None:
                terms.add(f"{previous} {token}")
            previous = token
    return terms


def themes(items: Iterable[Row], *, min_entries: int, top: int = 15,
           stop: frozenset[str] | None = None) -> tuple[list[Theme], list[Theme]]:
    """(words, phrases): per language, the most used by how many entries of that language use
    them (at most `top` of each per language), rarer than `min_entries` never shown; the
    language with the most entries first."""
    stop = stop_words() if stop is None else stop
    counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
    entries: Counter[str] = Counter()
    for item in items:
        language = item[_LANGUAGE]
        entries[language] += 1
        counts[language].update(entry_terms(item[_TEXT].split(TEXT_SEPARATOR, 1)[0], stop))
    words: list[Theme] = []
    phrases: list[Theme] = []
    for language in sorted(entries, key=lambda lang: (-entries[lang], lang)):
        ranked = [Theme(t, n, language)
                  for t, n in sorted(counts[language].items(), key=lambda kv: (-kv[1], kv[0]))
                  if n >= min_entries]
        words += [theme for theme in ranked if " " not in theme.text][:top]
        phrases += [theme for theme in ranked if " " in theme.text][:top]
    return words, phrases
