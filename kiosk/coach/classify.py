"""Category suggestion and "seen before?" search, without the LLM (a 135M model picks categories at
chance level; these simple methods measure far better, see bench/suggest_eval.py).

- `Classifier(lang).classify(text)`: keyword evidence from content/coach/<lang>/categories.toml plus
  the nearest example sentence (BM25), falling back to "other" when there is no clear evidence.
- `BM25`: Okapi BM25 over token lists, written out (no dependency).
- `related(text, lang, candidates, k)`: the earlier entries most like `text`, by BM25 over their
  text, with the words they share, so the UI can show why an entry was offered.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from kiosk.coach.text import coach_languages, is_form_of, language, load_toml, stem, words
from kiosk.entries import CATEGORIES, REFLECTION_FIELDS


class BM25:
    """Okapi BM25 over pre-tokenised documents. `scores(query)` gives one score per document."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.docs = [Counter(doc) for doc in docs]
        self.lengths = [len(doc) for doc in docs]
        self.avg_len = (sum(self.lengths) / len(docs)) if docs else 0.0
        df: Counter[str] = Counter()
        for counts in self.docs:
            df.update(counts.keys())
        n = len(docs)
        self.idf = {term: math.log(1 + (n - f + 0.5) / (f + 0.5)) for term, f in df.items()}
        self.postings: dict[str, list[int]] = {}
        for i, counts in enumerate(self.docs):
            for term in counts:
                self.postings.setdefault(term, []).append(i)

    def scores(self, query: Iterable[str]) -> list[float]:
        out = [0.0] * len(self.docs)
        for term in set(query):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for i in self.postings[term]:
                tf = self.docs[i][term]
                norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / (self.avg_len or 1))
                out[i] += idf * tf * (self.k1 + 1) / (tf + norm)
        return out


def index_terms(text: str, lang: str) -> list[str]:
    """Terms for search: content stems, plus the head and the start of long (compound) words,
    so "transportband" also meets "band" and "transport"."""
    terms = language(lang).content(text)
    extra = []
    for term in terms:
        if len(term) >= 9:
            extra += [term[:5] + "~", "~" + term[-4:]]
    return terms + extra


# -- categories ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CategoryGuess:
    """A suggested category. `scores`: every category's share of the evidence (sums to 1 when
    there is any evidence); `evidence`: the keywords that matched, for the UI or a log."""

    category: str
    scores: dict[str, float]
    confident: bool
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Keyword:
    text: str
    stems: tuple[str, ...]


class Classifier:
    """Keyword + nearest-example category classifier for one language."""

    KEYWORD_WEIGHT = 1.0
    PHRASE_WEIGHT = 2.0
    EXAMPLE_WEIGHT = 1.5
    MIN_EVIDENCE = 1.0

    def __init__(self, lang: str, folder: Path | None = None):
        self.lang = lang
        data = load_toml(lang, "categories", folder)
        unknown = set(data) - set(CATEGORIES)
        if unknown:
            raise ValueError(f"categories.toml ({lang}): unknown categories {sorted(unknown)}")
        self.keywords: dict[str, list[_Keyword]] = {}
        example_docs, self.example_category = [], []
        for category in CATEGORIES:
            table = data.get(category, {})
            unique: dict[tuple[str, ...], _Keyword] = {}  # "wait", "waiting": one keyword
            for k in table.get("keywords", []):
                stems = tuple(stem(w, lang) for w in words(k))
                if stems:
                    unique.setdefault(stems, _Keyword(k, stems))
            self.keywords[category] = list(unique.values())
            for example in table.get("examples", []):
                example_docs.append(index_terms(example, lang))
                self.example_category.append(category)
        self.examples = BM25(example_docs)

    def classify(self, text: str) -> CategoryGuess:
        all_stems = [stem(w, self.lang) for w in words(text)]
        lang = language(self.lang)
        content = set(lang.content(text))
        totals = {c: 0.0 for c in CATEGORIES}
        evidence: list[str] = []
        for category, keywords in self.keywords.items():
            for keyword in keywords:
                weight = self._match(keyword, all_stems, content, lang.compounds)
                if weight:
                    totals[category] += weight
                    evidence.append(f"{category}:{keyword.text}")
        nearest = {c: 0.0 for c in CATEGORIES}
        for category, score in zip(self.example_category,
                                   self.examples.scores(index_terms(text, self.lang))):
            nearest[category] = max(nearest[category], score)
        best_example = max(nearest.values())
        if best_example > 0:
            for category in CATEGORIES:
                totals[category] += self.EXAMPLE_WEIGHT * nearest[category] / best_example
        ranked = sorted(CATEGORIES, key=lambda c: (-totals[c], CATEGORIES.index(c)))
        top, second = ranked[0], ranked[1]
        total = sum(totals.values())
        scores = {c: round(totals[c] / total, 3) if total else 0.0 for c in CATEGORIES}
        if totals[top] < self.MIN_EVIDENCE:
            return CategoryGuess("other", scores, False, tuple(evidence))
        confident = totals[top] >= 2 * self.MIN_EVIDENCE and totals[top] >= 1.5 * totals[second]
        return CategoryGuess(top, scores, confident, tuple(evidence))

    def _match(self, keyword: _Keyword, all_stems: list[str], content: set[str],
               compounds: bool) -> float:
        if len(keyword.stems) == 1:
            target = keyword.stems[0]
            if target in content or any(is_form_of(s, target, compounds) for s in content):
                return self.KEYWORD_WEIGHT
            return 0.0
        n = len(keyword.stems)
        for i in range(len(all_stems) - n + 1):
            if tuple(all_stems[i:i + n]) == keyword.stems:
                return self.PHRASE_WEIGHT
        return 0.0


@lru_cache(maxsize=8)
def classifier(lang: str) -> Classifier:
    return Classifier(lang)


# -- related entries ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Related:
    """An earlier entry like the new text: the entry, its BM25 score, how strong the match is
    (0-1: the share of the text's term weight the entry covers) and the words both use."""

    entry: Any
    score: float
    strength: float
    shared: tuple[str, ...]


def entry_text(entry: Any) -> str:
    """The searchable text of an Entry (title and the four reflection fields)."""
    parts = [getattr(entry, "title", "")] + [getattr(entry, f, "") for f in REFLECTION_FIELDS]
    return "\n".join(p for p in parts if p)


MIN_STRENGTH = 0.2  # below this, "related" entries were mostly of another category (dev set)


def related(text: str, lang: str, candidates: Iterable[Any], k: int = 3, *,
            min_shared: int = 2, min_strength: float = MIN_STRENGTH) -> list[Related]:
    """Up to `k` candidates most like `text` (BM25), each sharing at least `min_shared` terms and
    covering at least `min_strength` of the text's term weight; an entry with the same headline
    (or text) as one already offered is skipped: a kiosk often holds repeats.

    Candidates are Entry objects (or anything with the Entry text fields and `language`)."""
    pool = list(candidates)
    if not pool or k <= 0:
        return []
    query = index_terms(text, lang)
    if not query:
        return []
    texts = [entry_text(e) for e in pool]
    known = coach_languages()  # an entry in a language without coach content: as `lang`
    docs = [index_terms(t, own if (own := getattr(e, "language", lang)) in known else lang)
            for t, e in zip(texts, pool)]
    bm25 = BM25(docs)
    query_set = set(query)
    unseen = math.log(1 + (len(docs) + 0.5) / 0.5)  # a term no entry has counts as the rarest
    best = sum(bm25.idf.get(term, unseen) for term in query_set) or 1.0
    ranked = sorted(zip(bm25.scores(query), range(len(pool))), key=lambda p: -p[0])
    found: list[Related] = []
    seen_texts: set[str] = set()
    for score, i in ranked:
        if score <= 0 or len(found) >= k or score / best < min_strength:
            break
        shared = tuple(sorted(t for t in query_set & set(docs[i]) if "~" not in t))
        key = " ".join((getattr(pool[i], "headline", "") or texts[i]).lower().split())
        if len(shared) < min_shared or key in seen_texts:  # compound parts alone do not count
            continue
        seen_texts.add(key)
        found.append(Related(pool[i], round(score, 3), round(min(1.0, score / best), 3), shared))
    return found
