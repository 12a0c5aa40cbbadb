"""The curated question bank (content/coach/<lang>/questions.toml): coaching questions and next-step
ideas per category, and the selection of the ones that best match what the worker wrote.

Selection: questions of the suggested category plus the general ones, scored by how many content
words they share with the text (the category's own get a small bonus); ties are broken by a hash of
the text, so different entries get different questions, but the same entry always the same ones.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kiosk.coach.text import language, load_toml, overlap
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
        source = lang.content(text)
        seed = hashlib.sha256(" ".join(text.split()).lower().encode()).digest()
        avoid_set = {a.strip().lower() for a in avoid}
        scored = []
        for cat in dict.fromkeys((category, GENERAL)):
            bonus = CATEGORY_BONUS if cat == category and cat != GENERAL else 0.0
            for item in table.get(cat, ()):
                if item.strip().lower() in avoid_set:
                    continue
                score = overlap(lang.content(item), source, lang.compounds) + bonus
                tie = hashlib.sha256(seed + item.encode()).digest()
                scored.append((-score, tie, item))
        scored.sort()
        return [item for _, _, item in scored[:n]]


@lru_cache(maxsize=8)
def bank(lang: str, folder: Path | None = None) -> Bank:
    data = load_toml(lang, "questions", folder)
    unknown = set(data) - set(CATEGORIES) - {GENERAL}
    if unknown:
        raise ValueError(f"questions.toml ({lang}): unknown sections {sorted(unknown)}")
    return Bank(language=lang,
                questions={k: tuple(v.get("questions", ())) for k, v in data.items()},
                ideas={k: tuple(v.get("ideas", ())) for k, v in data.items()})
