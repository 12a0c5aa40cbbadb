"""Text helpers shared by the coach: words, stems, content words, word lists per language.

Lower-case word splitting, Snowball stems (the `snowballstemmer` package; the algorithm is named
in content/coach/<lang>/language.toml, so a new language needs no code) and a loose word match
that also links Dutch compounds ("pomp" ~ "koelpomp").
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import snowballstemmer

from kiosk.i18n import stopwords
from kiosk.paths import content_dir

_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def coach_dir(language: str, folder: Path | None = None) -> Path:
    return (folder or content_dir() / "coach") / language


def coach_languages() -> frozenset[str]:
    """The languages the coach has content for (a folder content/coach/<lang>/ with a question
    bank). Not cached: a test may point KIOSK_CONTENT_DIR elsewhere."""
    folder = content_dir() / "coach"
    if not folder.is_dir():
        return frozenset()
    return frozenset(p.name for p in folder.iterdir() if (p / "questions.toml").is_file())


def load_toml(language: str, name: str, folder: Path | None = None) -> dict:
    path = coach_dir(language, folder) / f"{name}.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"coach content missing: {path}") from None


def stems_of_files(lang: str, names: tuple[str, ...], folder: Path | None = None) -> frozenset[str]:
    """Stems of every word in the named content files of `lang` (those that exist)."""
    found: set[str] = set()

    def add(value) -> None:
        if isinstance(value, str):
            found.update(stem(w, lang) for w in words(value))
        elif isinstance(value, dict | list):
            for item in value.values() if isinstance(value, dict) else value:
                add(item)

    for name in names:
        try:
            add(load_toml(lang, name, folder))
        except FileNotFoundError:
            pass
    return frozenset(found)


def fold(text: str) -> str:
    """Lower case without accents ("geïnformeerd" -> "geinformeerd")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return [w.replace("’", "'") for w in _WORD_RE.findall(fold(text))]


def stem(word: str, language: str) -> str:
    """The Snowball stem of a (folded, lower-case) word: "leaking", "leaks" -> "leak",
    "oordopjes", "oordoppen" -> "oordop"; a possessive or Dutch plural "'s" goes first."""
    if word.endswith("'s"):
        word = word[:-2]
    return _stem(word.replace("'", ""), language)


@lru_cache(maxsize=65536)
def _stem(word: str, language: str) -> str:
    return _stemmer(language).stemWord(word)


@lru_cache(maxsize=16)
def _stemmer(code: str):
    data = load_toml(code, "language")
    return snowballstemmer.stemmer(data.get("stemmer", "english"))


@dataclass(frozen=True)
class Language:
    code: str
    stopwords: frozenset[str]
    question_words: frozenset[str]
    blocked: tuple[str, ...]
    compounds: bool = False  # words are glued into compounds (Dutch "transportband")
    clause_words: frozenset[str] = frozenset()  # start a new clause ("because", "when")
    synonyms: tuple[tuple[tuple[str, ...], str], ...] = ()  # (stems of a word, group id)
    question_anywhere: bool = False  # a question word may stand anywhere (Turkish: before the verb)

    def content(self, text: str) -> list[str]:
        """Stems of the words that carry meaning (no stopwords, no numbers, 3+ letters)."""
        return [stem(w, self.code) for w in words(text)
                if w not in self.stopwords and len(w) >= 3 and not w.isdigit()]

    def concepts(self, text: str) -> set[str]:
        """The content stems of `text` plus "=id" for each synonym group it touches (content:
        synonyms.toml), so "oordopjes" meets "gehoorbescherming" and "beschermingsmiddelen";
        a Dutch compound touches the group of its last part ("veiligheidshandschoenen")."""
        every = [stem(w, self.code) for w in words(text)]
        found = set(self.content(text))
        for entry, group in self.synonyms:
            n = len(entry)
            if any(tuple(every[i:i + n]) == entry for i in range(len(every) - n + 1)) or (
                    n == 1 and self.compounds and len(entry[0]) >= 4
                    and any(w.endswith(entry[0]) and len(w) - len(entry[0]) >= 3
                            for w in every)):
                found.add("=" + group)
        return found


@lru_cache(maxsize=8)
def language(code: str, folder: Path | None = None) -> Language:
    data = load_toml(code, "language", folder)
    return Language(code=code,
                    stopwords=frozenset(fold(w) for w in stopwords(code)),
                    question_words=frozenset(fold(w) for w in data.get("question_words", [])),
                    blocked=tuple(fold(w) for w in data.get("blocked", [])),
                    compounds=bool(data.get("compound_words", False)),
                    clause_words=frozenset(fold(w) for w in data.get("clause_words", [])),
                    synonyms=_synonyms(code, folder),
                    question_anywhere=bool(data.get("question_words_anywhere", False)))


def _synonyms(code: str, folder: Path | None) -> tuple[tuple[tuple[str, ...], str], ...]:
    try:
        groups = load_toml(code, "synonyms", folder).get("groups", [])
    except FileNotFoundError:
        return ()
    return tuple((tuple(stem(w, code) for w in words(item)), str(i))
                 for i, group in enumerate(groups) for item in group if words(item))


def similar(a: str, b: str, lang: str) -> bool:
    """Do two questions say much the same? Half or more of their content stems (or, counting
    synonyms, of their concepts) shared, three quarters of the shorter one's, or 60% of all their
    words."""
    own = language(lang)
    wa, wb = set(words(a)), set(words(b))
    if wa and wb and len(wa & wb) / len(wa | wb) >= 0.6:
        return True
    for sa, sb in ((set(own.content(a)), set(own.content(b))), (own.concepts(a), own.concepts(b))):
        if sa and sb and len(sa & sb) / len(sa | sb) >= 0.45:
            return True
        smaller = min(len(sa), len(sb))  # one says most of the other: "last checked or replaced"
        if smaller >= 3 and len(sa & sb) >= 0.75 * smaller:
            return True
    return False


def is_form_of(word: str, base: str, compounds: bool = False) -> bool:
    """Is `word` `base`, an inflected form of it or (with `compounds`, Dutch) a compound ending in
    it? Forms: `base` starts `word` and is 5+ letters, or 4+ letters with at most 2 more
    ("piep" -> "piept"). Compounds: `word` ends with `base` of 5+ letters, or with a 4-letter
    `base` when `word` is much longer ("pomp" -> "koelpomp", "band" -> "transportband")."""
    if word == base:
        return True
    extra = len(word) - len(base)
    if extra <= 0:
        return False
    if word.startswith(base) and (len(base) >= 5 or (len(base) >= 4 and extra <= 2)):
        return True
    return compounds and word.endswith(base) and (len(base) >= 5 or (len(base) >= 4 and extra >= 4))


def loosely_equal(a: str, b: str, compounds: bool = False) -> bool:
    """Either word is a form of the other (see `is_form_of`)."""
    return is_form_of(a, b, compounds) or is_form_of(b, a, compounds)


def overlap(stems: list[str] | set[str], others: list[str] | set[str],
            compounds: bool = False) -> int:
    """How many distinct stems of `stems` loosely match some stem of `others`."""
    others = set(others)
    return sum(1 for s in set(stems)
               if s in others or any(loosely_equal(s, o, compounds) for o in others))
