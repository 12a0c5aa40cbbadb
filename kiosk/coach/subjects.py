"""The worker's own subject: the phrases in what they wrote that name a machine, part, place,
material, tool or role ("de etiketteerprinter op lijn 3", "the bearing on conveyor 5"), with
their article, number and (Dutch) gender, so a template can name them with the grammar right.

`subjects(text, lang, category)` lists the phrases, the best first. The word lists are content
(content/coach/<lang>/subjects.toml); the rules are few: a phrase starts at a determiner ("de",
"the", "drie") or is a listed word on its own; a Dutch phrase ends at its first noun (adjectives
before it end in -e or are listed), an English one at its last word before a stopword or a verb;
"van"/"of" + phrase and "op lijn 3"-style complements are kept with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kiosk.coach.text import fold, language, load_toml, stem

_TOKEN_RE = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*|[.,;:!?()\"]")
MAX_WORDS = 4  # in a phrase before its complement


@dataclass(frozen=True)
class Phrase:
    """A subject phrase. `words`: the worker's words after the determiner (modifiers, the noun,
    any complement); `head`: the noun; `kinds`: what it names ("machine", ...; empty when the
    lists do not know it); `plural`; `gender`: "de" or "het" (Dutch), "" otherwise."""

    words: tuple[str, ...]
    head: str
    determiner: str
    kinds: tuple[str, ...]
    plural: bool
    gender: str
    start: int
    modifiers: int  # how many of `words` come before the head

    @property
    def number(self) -> str:
        return "mv" if self.plural else (self.gender or "de")


@dataclass(frozen=True)
class Lexicon:
    language: str
    strong: frozenset[str]
    weak: frozenset[str]
    possessives: dict[str, str]
    modifiers: frozenset[str]
    adjectives: frozenset[str]
    of_words: frozenset[str]
    numbered: frozenset[str]
    singular_verbs: frozenset[str]
    plural_verbs: frozenset[str]
    verbs: frozenset[str]
    het_words: tuple[str, ...]
    singular_like_plural: tuple[str, ...]
    kinds: dict[str, tuple[tuple[frozenset[str], ...], ...]]  # kind -> entries: forms per word
    general: dict[str, tuple[str, ...]]  # kind -> its general words (stems)
    raw: frozenset[str]  # every listed one-word entry, folded
    priority: dict[str, tuple[str, ...]]
    # how a template names a subject in a language whose words change with case (pl, tr, de):
    article: str | None = None  # put before the subject instead of today's rule; "" = nothing
    drop_modifiers: bool = False  # the noun without the worker's (inflected) adjectives
    capitalised: bool = False  # nouns start with a capital (German)
    forms: dict[str, str] | None = None  # the worker's inflected word (folded) -> as shown
    spelled: dict[str, str] | None = None  # stem of a listed one-word entry -> as written
    capitals: dict[str, str] | None = None  # a first letter's capital where .upper() is wrong
    start_first: bool = True  # a phrase that opens a sentence is what it is about (not in tr:
    # "Fırının fanındaki rulman": the sentence opens with the oven's genitive)

    def base_form(self, word: str) -> str:
        """The word a template shows for the worker's `word`: its entry in [forms], else the
        listed one-word entry of [kinds] with the same stem (as written there), else itself."""
        folded = fold(word)
        shown = (self.forms or {}).get(folded) or \
            (self.spelled or {}).get(stem(folded, self.language)) or word
        if self.capitalised:
            shown = shown[:1].upper() + shown[1:]
        return shown

    def kinds_of(self, words: tuple[str, ...], exact: bool = False) -> tuple[str, ...]:
        """The kinds whose entries end the phrase (English: its last words; Dutch: the noun or
        the end of a compound, "zaagmachine" -> machine), the longest entry first. `exact`:
        only an entry of all the words (no compound ending, no longer phrase)."""
        forms = [word_forms(w, self.language) for w in words]
        found: list[tuple[int, str]] = []
        for kind, entries in self.kinds.items():
            best = 0
            for entry in entries:
                n = len(entry)
                if (n == len(forms) if exact else n <= len(forms)) and \
                        all(f & e for f, e in zip(forms[-n:], entry)):
                    best = max(best, 10 * n + len(min(entry[-1], key=len)))
                elif not exact and n == 1 and self.language_compounds and \
                        any(len(e) >= 4 and w.endswith(e) and len(w) - len(e) >= 3
                            for w in forms[-1] for e in entry[0]):
                    best = max(best, 1)
            if best:
                found.append((best, kind))
        return tuple(k for _, k in sorted(found, key=lambda p: -p[0]))

    @property
    def language_compounds(self) -> bool:
        return language(self.language).compounds


@lru_cache(maxsize=8)
def lexicon(lang: str, folder: Path | None = None) -> Lexicon:
    data = load_toml(lang, "subjects", folder)

    def words_of(key: str) -> frozenset[str]:
        return frozenset(fold(w) for w in data.get(key, []))

    def stems_of(entry: str) -> tuple[frozenset[str], ...]:
        return tuple(word_forms(w, lang) for w in fold(entry).split())

    forms = _forms(lang, folder)
    listed = {kind: table.get("words", []) + table.get("general", [])
              for kind, table in data.get("kinds", {}).items()}
    kinds = {kind: tuple(stems_of(w) for w in entries) for kind, entries in listed.items()}
    spelled: dict[str, str] = {}
    for entries in listed.values():
        for entry in entries:
            if " " not in entry and fold(entry) not in forms and data.get("base_from_stem", True):
                spelled.setdefault(stem(fold(entry), lang), entry)
    general = {kind: tuple(stem(w, lang) for g in table.get("general", []) for w in fold(g).split())
               for kind, table in data.get("kinds", {}).items()}
    return Lexicon(
        language=lang, strong=words_of("strong_determiners"), weak=words_of("weak_determiners"),
        possessives={fold(k): v for k, v in data.get("possessives", {}).items()},
        modifiers=words_of("modifiers"), adjectives=words_of("adjectives"),
        of_words=words_of("of_words"), numbered=words_of("numbered_words"),
        singular_verbs=words_of("singular_verbs"), plural_verbs=words_of("plural_verbs"),
        verbs=words_of("verbs"), het_words=tuple(fold(w) for w in data.get("het_words", [])),
        singular_like_plural=tuple(fold(w) for w in data.get("singular_like_plural", [])),
        kinds=kinds, general=general,
        raw=frozenset(fold(w) for table in data.get("kinds", {}).values()
                      for w in table.get("words", []) if " " not in w) | frozenset(forms),
        priority={c: tuple(v) for c, v in data.get("priority", {}).items()},
        article=data.get("article"), drop_modifiers=bool(data.get("drop_modifiers", False)),
        capitalised=bool(data.get("nouns_capitalised", False)), forms=forms, spelled=spelled,
        start_first=bool(data.get("sentence_start_first", True)),
        capitals=dict(data.get("capitals", {})))


@lru_cache(maxsize=8)
def _forms(lang: str, folder: Path | None = None) -> dict[str, str]:
    """The worker's inflected words (folded) -> the word a template shows (its base form): the
    [forms] tables of subjects.toml and of forms.toml (if there is one), `base = ["form", ...]`."""
    tables = [load_toml(lang, "subjects", folder).get("forms", {})]
    try:
        tables.append(load_toml(lang, "forms", folder).get("forms", {}))
    except FileNotFoundError:
        pass
    return {fold(form): base for table in tables for base, forms in table.items()
            for form in forms if fold(form) != fold(base)}


def word_forms(word: str, lang: str) -> frozenset[str]:
    """A word as the lists match it: folded and stemmed, the part after a hyphen ("V-snaar"),
    and the base form [forms] gives an inflected one ("czujnika" -> "czujnik")."""
    word = fold(word).rsplit("-", 1)[-1]
    base = _forms(lang).get(word)
    extra = (fold(base), stem(fold(base), lang)) if base else ()
    return frozenset((word, stem(word, lang), *extra))


def subjects(text: str, lang: str, category: str = "other") -> list[Phrase]:
    """The subject phrases of `text`, the best first: a kind that matters for `category`
    (content: [priority]), then any known kind, then phrases the lists do not know; earlier
    before later. The same noun is listed once."""
    lex = lexicon(lang)
    found = _phrases(text, lex)
    order = lex.priority.get(category, ())

    tokens = [fold(t) for t in _TOKEN_RE.findall(text)]

    def rank(p: Phrase) -> tuple[int, int, int]:
        known = [order.index(k) for k in p.kinds if k in order]
        tier = min(known) if known else (len(order) + (0 if p.kinds and "role" not in p.kinds
                                                       else 1 if p.kinds else 2))
        if lex.start_first and p.kinds and "role" not in p.kinds and \
                (p.start == 0 or tokens[p.start - 1] in ".!?;"):
            tier = -1  # what the sentence is about: "De flessen uit de partij hebben ..."
        return tier, 0 if p.determiner else 1, p.start

    unique: dict[str, Phrase] = {}
    for phrase in sorted(found, key=rank):
        unique.setdefault(stem(fold(phrase.head), lang), phrase)
    return list(unique.values())


def _phrases(text: str, lex: Lexicon) -> list[Phrase]:
    tokens = _TOKEN_RE.findall(text)
    low = [fold(t).replace("’", "'") for t in tokens]
    stop = language(lex.language).stopwords
    dutch = bool(lex.het_words) or lex.language_compounds
    found: list[Phrase] = []
    taken: set[int] = set()
    i = 0
    while i < len(tokens):
        word = low[i]
        if word in lex.strong or word in lex.weak:
            phrase = _after_determiner(tokens, low, i, lex, stop, dutch)
            if phrase is not None:
                found.append(phrase)
                taken.update(range(i, i + 1 + len(phrase.words)))
        i += 1
    for i, word in enumerate(low):  # listed words without a determiner ("oordopjes", "oil")
        if i in taken or not word[0].isalpha() or word in stop:
            continue
        for n in (3, 2, 1):
            span = tuple(tokens[i:i + n])
            if len(span) < n or any(j in taken or not low[j][0].isalpha() or low[j] in stop
                                    for j in range(i, i + n)):
                continue
            kinds = lex.kinds_of(span, exact=True)
            if kinds and (n > 1 or _is_listed(word, lex)):
                if (i == 0 or low[i - 1] in ".!?") and span[0][1:].islower():
                    span = (span[0].lower(),) + span[1:]  # "Collega droeg ..." -> "collega"
                found.append(_make(span, n - 1, "", kinds, i, tokens, low, lex))
                taken.update(range(i, i + n))
                break
    return found


def _is_listed(word: str, lex: Lexicon) -> bool:
    """Is `word` a listed noun (or, in Dutch, a compound ending in one: "gasflessen"), and not
    an English verb form like "chained"?"""
    if word.endswith(("ed", "ing")) and not lex.het_words:
        return False
    if fold(word) in lex.raw:
        return True
    forms = word_forms(word, lex.language)
    if not any(len(f) >= 4 for f in forms):
        return False  # "pas" is not "pasje"
    return bool(lex.kinds_of((word,), exact=not lex.language_compounds)) and (
        lex.language_compounds or any(entry[0] & forms for entries in lex.kinds.values()
                                      for entry in entries if len(entry) == 1))


def _after_determiner(tokens, low, i, lex, stop, dutch) -> Phrase | None:
    run: list[int] = []
    j = i + 1
    while j < len(tokens) and len(run) < MAX_WORDS:
        w = low[j]
        if not w[0].isalpha() or w in lex.strong or (w in stop and w not in lex.modifiers):
            break
        if run and (w in lex.verbs or (not dutch and w.endswith("ed")
                                       and lex.kinds_of(tuple(tokens[run[0]:j])))):
            break
        run.append(j)
        j += 1
    if not run:
        return None
    if dutch:  # the noun is the first word that is not an adjective
        head_at = next((k for k, j in enumerate(run) if not _adjective(low[j], lex, k == len(run)
                                                                        - 1)), len(run) - 1)
        run = run[:head_at + 1]
    elif not lex.kinds_of(tuple(tokens[run[0]:run[-1] + 1])):
        # the noun is the last word; when the whole run is unknown, end after its last listed
        # noun: "the customer sent", "the oven ran hot", "the same checklist twice"
        known = [k for k in range(1, len(run))
                 if lex.kinds_of(tuple(tokens[run[0]:run[k - 1] + 1]))]
        if known:
            run = run[:known[-1]]
    words = tuple(tokens[run[0]:run[-1] + 1])
    kinds = lex.kinds_of(words)
    if low[i] in lex.weak and not kinds:
        return None
    determiner = tokens[i]
    phrase = _make(words, len(words) - 1, determiner, kinds, i, tokens, low, lex)
    return _with_complement(phrase, run[-1] + 1, tokens, low, lex, stop, dutch)


def _adjective(word: str, lex: Lexicon, last: bool) -> bool:
    if last:
        return False
    if word in lex.modifiers or word in lex.adjectives:
        return True
    if word in lex.raw or any(len(r) >= 4 and word.endswith(r) and len(word) - len(r) >= 3
                              for r in lex.raw):
        return False  # a listed noun ending in -e ("machine", "spuitgietmachine")
    return word.endswith(("e", "end", "ende")) and not word.endswith(("je", "tje"))


def _with_complement(phrase: Phrase, j: int, tokens, low, lex, stop, dutch) -> Phrase:
    """Adds "van de band" / "of the conveyor" or "op lijn 3" / "on conveyor 5" to `phrase`."""
    if j + 1 >= len(tokens):
        return phrase
    word = low[j]
    if word in lex.numbered and j + 2 < len(tokens) and low[j + 1][0].isalpha() \
            and low[j + 1] not in stop and low[j + 2][0].isdigit():
        extra = tokens[j:j + 3]
    elif word in lex.of_words and low[j + 1] in lex.strong | lex.weak:
        inner = _after_determiner(tokens, low, j + 1, lex, stop, dutch)
        if inner is None or not inner.kinds:
            return phrase
        extra = tokens[j:j + 2] + list(inner.words)
    elif word in lex.of_words and low[j + 1][0].isalpha() and j + 2 < len(tokens) \
            and low[j + 2][0].isdigit():
        extra = tokens[j:j + 3]  # "van band 2"
    else:
        return phrase
    return Phrase(phrase.words + tuple(extra), phrase.head, phrase.determiner, phrase.kinds,
                  phrase.plural, phrase.gender, phrase.start, phrase.modifiers)


def _make(words, head_index, determiner, kinds, start, tokens, low, lex) -> Phrase:
    head = words[head_index]
    after = start + len(words) + (1 if determiner else 0)
    opens = start == 0 or low[start - 1] in ".!?;:"  # the verb after it is its own
    plural = _plural(fold(head), fold(determiner), low, after if opens else -1, lex)
    gender = ""
    if lex.het_words:
        gender = "het" if fold(determiner) == "het" else "de" if fold(determiner) == "de" \
            else _gender(fold(head), lex)
    return Phrase(tuple(words), head, determiner, kinds, plural, gender, start, head_index)


def _plural(head: str, determiner: str, low: list[str], after: int, lex: Lexicon) -> bool:
    if determiner in ("het", "een", "a", "an", "this", "dit", "every", "each", "elk", "elke",
                      "another"):
        return False
    if determiner in ("these", "those", "both", "all", "alle", "beide"):
        return True
    nxt = low[after] if 0 <= after < len(low) else ""
    if nxt in lex.plural_verbs:
        return True
    if nxt in lex.singular_verbs:
        return False
    numbers = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twee",
               "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien")
    if determiner in numbers or determiner.isdigit():
        return True
    if any(head == w or head.endswith(w) for w in lex.singular_like_plural):
        return False
    if lex.het_words:  # Dutch plurals: -en, -'s, and -s after a vowel or on a longer word
        return head.endswith(("en", "'s")) or (head.endswith("s") and not head.endswith("ss")
                                                and (len(head) >= 6 or head[-2] in "aeiouy"))
    return head.endswith("s") and not head.endswith(("ss", "us", "is"))


def _gender(head: str, lex: Lexicon) -> str:
    if head.endswith(("je", "tje", "pje", "kje")):
        return "het"
    return "het" if any(head == w or (head.endswith(w) and len(head) - len(w) >= 3)
                        for w in lex.het_words) else "de"
