"""The quality gate: every line the model writes is checked before the worker sees it.

`check(text, kind, lang, source_text)` returns a `Verdict` (ok, reason, detail). Reasons, in the
order they are tested: empty, too_short, too_long, judging, repetitive, wrong_language,
not_a_question, is_a_question, echo, copied_example, contradicts, vague, off_topic, garbled,
new_words. What fails is replaced by the question bank and the templates (see suggest.py).

The stricter rules (word lists in content/coach/<lang>/language.toml):
- contradicts: a negation flipped (the worker wrote "without sounding the horn", the text asks
  "What made the horn sound so loud?"; a text with its own negation or a "could"/"if" is not
  flipped), or the opposite of the worker's word ("over" where the worker wrote "under").
- vague: a shell like "What kind of rack could be restacked?" (`vague` patterns).
- new_words (questions and titles): built on a thing the worker did not write (a word of
  subjects.toml [kinds] that is not in the text, "grease" for a bearing), or on words that are
  neither the worker's nor in the coach's own wording (question bank, templates, prompts).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kiosk.coach.gate_rules import contradiction, new_words
from kiosk.coach.gate_rules import vague as _vague
from kiosk.coach.text import coach_dir, fold, language, overlap, stem, stems_of_files, words

REASONS = ("empty", "too_short", "too_long", "judging", "repetitive", "wrong_language",
           "not_a_question", "is_a_question", "echo", "copied_example", "contradicts", "vague",
           "off_topic", "garbled", "new_words")

# (min words, max words, max characters) per kind of suggestion
LIMITS = {"question": (3, 22, 160), "idea": (3, 25, 180), "title": (1, 8, 70)}
ECHO_RUN = 6  # this many words in a row copied from the worker's text is an echo


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""
    detail: str = ""

    def __bool__(self) -> bool:
        return self.ok


PASS = Verdict(True)


def _fail(reason: str, detail: str = "") -> Verdict:
    return Verdict(False, reason, detail)


def check(text: str, kind: str, lang: str, source_text: str, *,
          examples: tuple[str, ...] = (), folder: Path | None = None) -> Verdict:
    """Is `text` (a `kind`: question, idea or title, in `lang`) fit to show for `source_text`?"""
    low, high, max_chars = LIMITS[kind]
    tokens = words(text)
    if not any(c.isalpha() for c in text):
        return _fail("empty")
    if len(tokens) < low:
        return _fail("too_short", f"{len(tokens)} words")
    if len(tokens) > high or len(text) > max_chars:
        return _fail("too_long", f"{len(tokens)} words, {len(text)} characters")
    own = language(lang, folder)
    blocked = _blocked_hit(tokens, own.blocked)
    if blocked:
        return _fail("judging", blocked)
    repeated = _repetition(tokens, text, own.stopwords)
    if repeated:
        return _fail("repetitive", repeated)
    wrong = _wrong_language(text, tokens, lang, folder)
    if wrong:
        return _fail("wrong_language", wrong)
    stripped = text.strip()
    if kind == "question":
        if not stripped.endswith("?"):
            return _fail("not_a_question", "does not end with '?'")
        if not any(t in own.question_words
                   for t in (tokens if own.question_anywhere else tokens[:3])):
            return _fail("not_a_question", "no question word at the start")
    elif stripped.endswith("?"):
        return _fail("is_a_question", f"a {kind} should not be a question")
    echo = _echo(tokens, words(source_text), kind)
    if echo:
        return _fail("echo", echo)
    for example in examples:
        if _similar(tokens, words(example)):
            return _fail("copied_example", example)
    flipped = contradiction(text, source_text, lang, folder)
    if flipped:
        return _fail("contradicts", flipped)
    shell = _vague(text, lang, folder)
    if shell:
        return _fail("vague", shell)
    content = own.content(text)
    shared = overlap(content, own.content(source_text), own.compounds)
    if shared == 0:
        return _fail("off_topic", "shares no word with the worker's text")
    if kind == "title" and shared < min(2, len(set(content))):
        # a title names what the entry is about: one shared word ("change") is not enough
        return _fail("off_topic", "a title with only one of the worker's words")
    unknown = _unknown_words(content, own.content(source_text), lang, folder)
    if (len(unknown) >= 2 and len(unknown) > 0.5 * len(content)) or \
            len(unknown) > len(set(unknown)):  # made-up words, or one made-up word repeated
        return _fail("garbled", ", ".join(dict.fromkeys(unknown)))
    new = new_words(text, source_text, lang, folder) if kind != "idea" else []
    if new:  # an idea may propose something new; a question or title builds on the worker's
        return _fail("new_words", ", ".join(new))
    return PASS


def _blocked_hit(tokens: list[str], blocked: tuple[str, ...]) -> str:
    joined = " " + " ".join(tokens) + " "
    for phrase in blocked:
        if f" {phrase} " in joined:
            return phrase
    return ""


def _repetition(tokens: list[str], text: str, stopwords: frozenset[str]) -> str:
    if re.search(r"(.)\1{4,}", text):
        return "a character repeated"
    every = Counter(tokens)
    if len(tokens) >= 4 and every.most_common(1)[0][1] > 0.5 * len(tokens):
        return f"'{every.most_common(1)[0][0]}' is most of the text"
    counts = Counter(t for t in tokens if len(t) >= 3 and t not in stopwords)
    if counts:
        word, n = counts.most_common(1)[0]
        if n >= 3 and n > 0.25 * len(tokens):
            return f"'{word}' {n} times"
    trigrams = Counter(zip(tokens, tokens[1:], tokens[2:]))
    if trigrams and trigrams.most_common(1)[0][1] > 1:
        return "'" + " ".join(trigrams.most_common(1)[0][0]) + "' repeated"
    return ""


def _wrong_language(text: str, tokens: list[str], lang: str, folder: Path | None) -> str:
    letters = [c for c in text if c.isalpha()]
    latin = sum(1 for c in letters if fold(c).isascii())
    if letters and latin < 0.8 * len(letters):
        return "not in the Latin alphabet"
    own = sum(1 for t in tokens if t in language(lang, folder).stopwords)
    for other in _other_languages(lang, folder):
        theirs = sum(1 for t in tokens if t in language(other, folder).stopwords
                     and t not in language(lang, folder).stopwords)
        if theirs >= 2 and theirs > own:
            return f"looks like {other}"
    return ""


def _other_languages(lang: str, folder: Path | None) -> list[str]:
    base = coach_dir(lang, folder).parent
    return sorted(p.name for p in base.iterdir()
                  if p.is_dir() and p.name != lang and (p / "language.toml").is_file())


def _echo(tokens: list[str], source: list[str], kind: str) -> str:
    if not tokens or not source:
        return ""
    if kind == "title":
        if len(tokens) >= 0.9 * len(source):
            return "the title is the whole text"
        return ""
    run = _longest_common_run(tokens, source)
    if run >= ECHO_RUN or (run >= 4 and run >= 0.7 * len(tokens)):
        return f"{run} words in a row copied from the text"
    return ""


def _longest_common_run(a: list[str], b: list[str]) -> int:
    best = 0
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def _similar(a: list[str], b: list[str]) -> bool:
    """Mostly the same words, or a run of 5+ words (or most of it) copied."""
    if not a or not b:
        return False
    sa, sb = set(a), set(b)
    if len(sa & sb) / len(sa | sb) >= 0.7:
        return True
    run = _longest_common_run(a, b)
    return run >= 5 or (run >= 3 and run >= 0.6 * len(a))


def _unknown_words(content: list[str], source: list[str], lang: str,
                   folder: Path | None) -> list[str]:
    known = lexicon(lang, folder)
    own = language(lang, folder)
    return [w for w in content
            if w not in known and overlap([w], source, own.compounds) == 0]


@lru_cache(maxsize=8)
def lexicon(lang: str, folder: Path | None = None) -> frozenset[str]:
    """Stems of every word in the coach's own content for `lang` (bank, prompts, categories):
    a small vocabulary for spotting invented words."""
    own = language(lang, folder)
    found = set(stems_of_files(lang, ("questions", "prompts", "categories"), folder))
    found.update(stem(w, lang) for w in own.stopwords)
    return frozenset(found)
