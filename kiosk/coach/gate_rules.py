"""The quality gate's stricter rules on model text (used by kiosk.coach.gate.check): does it
contradict the worker, is it a vague shell, is it built on words the worker did not write?
The word lists are content (content/coach/<lang>/language.toml: negations, hypothetical,
opposites, vague); see gate.py's docstring for what each rule rejects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kiosk.coach.subjects import lexicon
from kiosk.coach.text import (fold, language, load_toml, loosely_equal, stem, stems_of_files,
                              words)

_TOKEN_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[.,;:!?()]")
SPAN = 2  # content words after a negation that it negates
OTHER_NEW_WORDS = 2  # this many words that are neither the worker's nor the coach's: made up


@dataclass(frozen=True)
class Rules:
    negations: frozenset[str]
    looks_back: frozenset[str]  # negations that (also) follow what they negate: Dutch "niet"
    ends: frozenset[str]  # words that end what a negation negates ("and")
    hypothetical: frozenset[str]
    opposites: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    vague: tuple[re.Pattern, ...]


@lru_cache(maxsize=8)
def rules(lang: str, folder: Path | None = None) -> Rules:
    data = load_toml(lang, "language", folder)

    def folded(key: str) -> frozenset[str]:
        return frozenset(fold(w).replace("’", "'") for w in data.get(key, []))

    return Rules(negations=folded("negations"), looks_back=folded("negation_looks_back"),
                 ends=folded("negation_ends"),
                 hypothetical=folded("hypothetical"),
                 opposites=tuple((tuple(words(a)), tuple(words(b)))
                                 for a, b in data.get("opposites", [])),
                 vague=tuple(re.compile(p) for p in data.get("vague", [])))


def _tokens(text: str) -> list[str]:
    return [fold(t).replace("’", "'") for t in _TOKEN_RE.findall(text)]


def negated(text: str, lang: str, folder: Path | None = None) -> list[tuple[str, ...]]:
    """The words each negation in `text` negates: up to SPAN content words after it (within the
    clause), and for a looking-back negation ("niet") also the content word before it."""
    own, r = language(lang, folder), rules(lang, folder)
    tokens = _tokens(text)

    def content(t: str) -> bool:
        return t[0].isalpha() and t not in own.stopwords and t not in r.negations and len(t) >= 3

    def boundary(t: str) -> bool:
        return not t[0].isalnum() or t in own.clause_words or t in r.ends

    spans = []
    for i, token in enumerate(tokens):
        if token not in r.negations:
            continue
        if token in r.looks_back:  # "toeterde niet": what comes before, on its own
            for t in reversed(tokens[max(0, i - 3):i]):
                if boundary(t):
                    break
                if content(t):
                    spans.append((t,))
                    break
        span: list[str] = []
        for t in tokens[i + 1:]:
            if boundary(t) or t in r.negations or len(span) >= SPAN:
                break
            if content(t):
                span.append(t)
        if span:
            spans.append(tuple(span))
    return spans


def contradiction(text: str, source: str, lang: str, folder: Path | None = None) -> str:
    """Why `text` contradicts the worker's `source`, or ""."""
    r = rules(lang, folder)
    said, mine = words(text), words(source)
    for a, b in r.opposites:
        for side, other in ((a, b), (b, a)):
            if _has(said, side) and _has(mine, other) and not _has(mine, side):
                return f"'{' '.join(side)}' where the worker wrote '{' '.join(other)}'"
    if set(said) & (r.negations | r.hypothetical):
        return ""  # it says "not" (or "could", "if") itself: no flip
    own = language(lang, folder)
    things = lexicon(lang)
    articles = things.strong | things.weak  # "het werk" is not "werkt"
    every = [stem(w, lang) for w in said]
    verbs = [stem(w, lang) for i, w in enumerate(said) if not (i and said[i - 1] in articles)]
    for span in negated(source, lang, folder):
        span = tuple(w for w in span if w not in things.modifiers | things.adjectives)
        if not span or things.kinds_of(span[:1], exact=True) or \
                things.kinds_of(span[:2], exact=True):
            continue  # "no earplugs": naming the missing thing is no contradiction
        stems = verbs if len(span) == 1 else every  # one word negated: a verb ("werkt niet")
        if all(any(loosely_equal(stem(w, lang), t, own.compounds) for t in stems) for w in span):
            return f"the worker wrote that '{' '.join(span)}' did not happen"
    return ""


def _has(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(tokens[i:i + n]) == phrase for i in range(len(tokens) - n + 1))


def vague(text: str, lang: str, folder: Path | None = None) -> str:
    """The vague-shell pattern `text` matches ("What kind of X could be Y?"), or ""."""
    plain = " ".join(words(text)) + ("?" if text.strip().endswith("?") else "")
    for pattern in rules(lang, folder).vague:
        if pattern.search(plain):
            return pattern.pattern
    return ""


def new_words(text: str, source: str, lang: str, folder: Path | None = None) -> list[str]:
    """The words `text` is built on that the worker did not write: a thing (subjects.toml
    [kinds], other than a role, a place or a general word like "machine") not in `source`, or
    OTHER_NEW_WORDS
    words that are neither in `source` nor in the coach's own wording. Synonyms count as the
    worker's ("earplugs" for "hearing protection")."""
    own = language(lang, folder)
    lex = lexicon(lang)
    mine = own.content(source)
    raw = [w for w in words(source) if len(w) >= 5]
    concepts = {c for c in own.concepts(source) if c.startswith("=")}
    vocabulary = wording(lang, folder)
    general = {g for gs in lex.general.values() for g in gs}
    things, others = [], []
    for word in words(text):
        if word in own.stopwords or len(word) < 3 or word.isdigit():
            continue
        s = stem(word, lang)
        if any(s == m or loosely_equal(s, m, own.compounds) for m in mine) or \
                ({c for c in own.concepts(word) if c.startswith("=")} & concepts) or \
                (len(word) >= 5 and any(word[:5] in w for w in raw)):  # "printer", "geprint"
            continue
        kinds = set(lex.kinds_of((word,), exact=True)) - {"role", "place"}  # context, not facts
        if kinds and s not in general:
            things.append(word)
        elif s not in vocabulary:
            others.append(word)
    return things + others if things or len(others) >= OTHER_NEW_WORDS else []


@lru_cache(maxsize=8)
def wording(lang: str, folder: Path | None = None) -> frozenset[str]:
    """Stems of the coach's own wording: the question bank, the templates, the prompts (with
    their worked examples) and the language's word lists."""
    return stems_of_files(lang, ("questions", "templates", "language", "prompts"), folder)
