"""The curated question bank (content/coach/<lang>/questions.toml): coaching questions and next-step
ideas per category, and the selection of the ones that best match what the worker wrote.

Selection: questions of the suggested category plus the general ones, scored by the concepts they
share with the text (content stems and synonym groups, see text.Language.concepts; those of the
worker's main subject, kiosk.coach.subjects, count twice; the category's own get a small
bonus); ties are broken by a hash of the text, so different entries get different
questions, but the same entry always the same ones. Never offered: a question about a thing the
text does not touch (it names a listed machine, part, tool, ... of subjects.toml, and the text
names none of them, nor a subject of that kind for a general word like "machine"), or one that
says the same as one already chosen or in `avoid` (text.similar).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kiosk.coach.subjects import word_forms, lexicon, subjects
from kiosk.coach.text import language, load_toml, similar, words
from kiosk.entries import CATEGORIES

GENERAL = "general"
CATEGORY_BONUS = 0.5


@dataclass(frozen=True)
class Bank:
    language: str
    questions: dict[str, tuple[str, ...]]
    ideas: dict[str, tuple[str, ...]]

    def pick_questions(self, text: str, category: str, n: int = 3,
                       avoid: tuple[str, ...] = ()) -> list[str]:
        return self._pick(self.questions, text, category, n, avoid)

    def pick_idea(self, text: str, category: str, avoid: tuple[str, ...] = ()) -> str:
        picked = self._pick(self.ideas, text, category, 1, avoid)
        return picked[0] if picked else ""

    def _pick(self, table: dict[str, tuple[str, ...]], text: str, category: str, n: int,
              avoid: tuple[str, ...]) -> list[str]:
        lang = language(self.language)
        source = lang.concepts(text)
        found = subjects(text, self.language, category)
        kinds = {k for p in found for k in p.kinds}
        main = lang.concepts(" ".join(found[0].words)) if found and found[0].kinds else set()
        seed = hashlib.sha256(" ".join(text.split()).lower().encode()).digest()
        scored = []
        for cat in dict.fromkeys((category, GENERAL)):
            bonus = CATEGORY_BONUS if cat == category and cat != GENERAL else 0.0
            for item in table.get(cat, ()):
                if not touches(item, source, kinds, self.language):
                    continue
                shared = lang.concepts(item) & source
                score = len(shared) + len(shared & main) + bonus  # the main subject counts twice
                tie = hashlib.sha256(seed + item.encode()).digest()
                scored.append((-score, tie, item))
        scored.sort()
        chosen: list[str] = []
        for _, _, item in scored:
            if len(chosen) >= n:
                break
            if not any(similar(item, other, self.language) for other in (*avoid, *chosen)):
                chosen.append(item)
        return chosen


def touches(item: str, source: set[str], kinds: set[str], lang: str) -> bool:
    """Is a bank item about something the text touches? An item without topic words is."""
    wanted = topics(item, lang)
    return not wanted or any(t in source or k in kinds for t, k in wanted)


@lru_cache(maxsize=4096)
def topics(item: str, lang: str) -> tuple[tuple[str, str], ...]:
    """The topic words of a bank item, each as (concept, kind of a general word or ""): the
    words that name a listed thing (subjects.toml [kinds]), except those in `not_topics`."""
    lex = lexicon(lang)
    own = language(lang)
    skip = not_topics(lang)
    tokens = words(item)
    found = []
    for i, word in enumerate(tokens):
        if word in own.stopwords or word in skip:
            continue
        pair = tuple(tokens[i - 1:i + 1]) if i else ()
        kinds = (pair and lex.kinds_of(pair, exact=True)) or lex.kinds_of((word,), exact=True)
        if not kinds:
            continue
        forms = word_forms(word, lang)
        general = next((k for k in kinds if set(lex.general.get(k, ())) & forms), "")
        concepts = own.concepts(" ".join(pair or (word,))) or {next(iter(forms))}
        for concept in sorted(concepts):
            found.append((concept, general))
    return tuple(found)


@lru_cache(maxsize=8)
def not_topics(lang: str) -> frozenset[str]:
    return frozenset(w for item in load_toml(lang, "subjects").get("not_topics", [])
                     for w in words(item))


@lru_cache(maxsize=8)
def bank(lang: str, folder: Path | None = None) -> Bank:
    data = load_toml(lang, "questions", folder)
    unknown = set(data) - set(CATEGORIES) - {GENERAL}
    if unknown:
        raise ValueError(f"questions.toml ({lang}): unknown sections {sorted(unknown)}")
    return Bank(language=lang,
                questions={k: tuple(v.get("questions", ())) for k, v in data.items()},
                ideas={k: tuple(v.get("ideas", ())) for k, v in data.items()})
