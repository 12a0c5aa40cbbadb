"""A title from the worker's own first words (offered next to, or instead of, a model's title)."""

from __future__ import annotations

from kiosk.coach.text import fold, language
from kiosk.entries import MAX_TITLE_CHARS

TITLE_WORDS, TITLE_MAX_WORDS = 8, 10  # cut at 8 words, unless a clause ends by 10


def title_from_text(text: str, lang: str) -> str:
    """A title from the worker's own first words: the first sentence up to where a new clause
    starts ("..., because", "when") if that is within TITLE_MAX_WORDS words, else its first
    TITLE_WORDS words; never ending on a little word like "the"."""
    first = " ".join(text.split())
    for mark in (". ", "! ", "? ", "; ", ": "):
        first = first.split(mark, 1)[0]
    tokens = first.strip(" .!?;:,").split(" ")
    own = language(lang)
    clause = next((i for i in range(3, min(len(tokens), TITLE_MAX_WORDS + 1))
                   if fold(tokens[i]) in own.clause_words or tokens[i - 1].endswith(",")), None)
    if clause is not None:
        tokens = tokens[:clause]
    elif len(tokens) > TITLE_MAX_WORDS:
        tokens = tokens[:TITLE_WORDS]
    while len(tokens) > 1 and tokens[-1].lower().strip(",") in own.stopwords:
        tokens.pop()
    title = " ".join(tokens).strip(" ,;:")
    return title[:MAX_TITLE_CHARS]
