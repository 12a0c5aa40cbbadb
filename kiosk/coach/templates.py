"""Questions and ideas that name the worker's own subject, from templates in
content/coach/<lang>/templates.toml filled with a phrase found by kiosk.coach.subjects.

A template only ever adds the worker's own words to fixed text: it never invents a fact. Grammar,
as content: `{subject}` is the phrase with its article ("de oordopjes", "het etiket", "the
bearing on conveyor 5"; `{Subject}` at the start), `{is|zijn}` picks by number (one | more), and
`{de=die|het=dat|mv=die}` by Dutch gender or plural. The worker's own "de"/"het"/"the" stays;
"een", "geen", "a", "no" and a bare noun get the definite article ("het" for a listed het-word),
"mijn" becomes "je"; a Dutch het-word that gets "het" this way loses its adjectives ("een schurend
geluid" -> "het geluid"), which would need another ending.

    pick("question", text, lang, category)   # -> (question, phrase) or None
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from kiosk.coach.subjects import Phrase, lexicon, subjects
from kiosk.coach.text import fold, load_toml

GENERAL = "general"
ANY = "any"
_SLOT_RE = re.compile(r"\{([^{}]*)\}")
NUMBERS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twee", "drie",
           "vier", "vijf", "zes", "zeven", "acht", "negen", "tien")
KEEP = ("de", "het", "the", "deze", "dit", "these", "this", "those")


@lru_cache(maxsize=8)
def templates(lang: str, folder: Path | None = None) -> dict[str, dict[str, dict[str, tuple]]]:
    """{"questions"|"ideas": {category: {kind or "any": (template, ...)}}}; a key may name
    several kinds ("tool, material")."""
    data = load_toml(lang, "templates", folder)
    return {part: {cat: {kind.strip(): tuple(items) for key, items in table.items()
                         for kind in key.split(",")}
                   for cat, table in data.get(part, {}).items()}
            for part in ("questions", "ideas")}


def named(phrase: Phrase, lang: str) -> str:
    """The phrase as a template names it: with its definite article (see the module doc)."""
    lex = lexicon(lang)
    if lex.article is not None:  # pl, tr, de: the noun in its base form, no article of the worker
        words = list(phrase.words[phrase.modifiers:] if lex.drop_modifiers else phrase.words)
        at = 0 if lex.drop_modifiers else phrase.modifiers
        words[at] = lex.base_form(words[at])
        return " ".join(w for w in (lex.article, *words) if w)
    determiner = fold(phrase.determiner)
    shown = phrase.determiner.lower() if phrase.determiner[1:].islower() else phrase.determiner
    words = list(phrase.words)
    definite = "het" if phrase.gender == "het" and not phrase.plural else \
        ("de" if lex.het_words else "the")
    if determiner in KEEP:
        article = determiner
    elif determiner in lex.possessives:
        article = lex.possessives[determiner]
    elif determiner in NUMBERS or determiner.isdigit():
        article = f"{definite} {shown}"
    else:
        article = definite
        if definite == "het":
            words = words[phrase.modifiers:]
    return f"{article} {' '.join(words)}"


def fill(template: str, phrase: Phrase, lang: str) -> str:
    """`template` with the phrase and its grammar filled in."""
    subject = named(phrase, lang)
    lex = lexicon(lang)

    def slot(match: re.Match) -> str:
        inner = match.group(1)
        if inner == "subject":
            return subject
        if inner == "Subject":
            return _capital(subject, lex)
        options = inner.split("|")
        if all("=" in o for o in options):
            table = dict(o.split("=", 1) for o in options)
            return table.get(phrase.number, table.get("de", ""))
        if len(options) == 2:
            return options[1] if phrase.plural else options[0]
        raise ValueError(f"template slot {{{inner}}} in {template!r}")

    text = _SLOT_RE.sub(slot, template)
    return _capital(text, lex)


def _capital(text: str, lex) -> str:
    """`text` with a capital first letter, by the language's own rule for a letter that needs one
    (subjects.toml `capitals`: Turkish "i" -> "İ")."""
    first = text[:1]
    return (lex.capitals or {}).get(first, first.upper()) + text[1:]


def choices(part: str, lang: str, category: str, phrase: Phrase) -> tuple[str, ...]:
    """The templates for `phrase` in `category`: for its kind (the one that matters most for
    the category), else the category's "any"; then the same from [general]."""
    table = templates(lang)[part]
    order = lexicon(lang).priority.get(category, ())
    kinds = sorted(phrase.kinds, key=lambda k: order.index(k) if k in order else len(order))
    found: list[str] = []
    for cat in dict.fromkeys((category, GENERAL)):
        section = table.get(cat, {})
        kind = next((k for k in kinds if k in section), ANY)
        found += section.get(kind, ())
    return tuple(found)


def pick(part: str, text: str, lang: str, category: str, *,
         avoid=lambda candidate: False) -> tuple[str, Phrase] | None:
    """One filled template ("questions" or "ideas") for the worker's main subject, or None when
    the text names no subject; the same text always gets the same one, different texts vary.
    `avoid(candidate)`: True for one that says what is already offered."""
    found = subjects(text, lang, category)
    if not found:
        return None
    phrase = found[0]
    if not phrase.kinds and not phrase.determiner:
        return None
    seed = hashlib.sha256(" ".join(text.split()).lower().encode()).digest()
    ranked = sorted(choices(part, lang, category, phrase),
                    key=lambda t: hashlib.sha256(seed + t.encode()).digest())
    # the category's own templates first, in a per-text order; [general] after them
    own = set(choices(part, lang, category, phrase)) - set(_general(part, lang, phrase))
    ranked.sort(key=lambda t: t not in own)
    for template in ranked:
        candidate = fill(template, phrase, lang)
        if not avoid(candidate):
            return candidate, phrase
    return None


def _general(part: str, lang: str, phrase: Phrase) -> tuple[str, ...]:
    section = templates(lang)[part].get(GENERAL, {})
    kind = next((k for k in phrase.kinds if k in section), ANY)
    return section.get(kind, ())
