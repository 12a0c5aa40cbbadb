"""Which language a worker wrote in, so the coach answers in it and the entry is stored with it.

    detect(text, ("nl", "en", "pl"), fallback="nl")  -> Detected("pl", 0.9999, True, "detected")
    start_loading(("nl", "en", "pl"))                 # optional: load the model in the background

`py3langid` (offline naive Bayes over byte n-grams, its model ships in the wheel) scores the text,
limited to the kiosk's languages that it knows, with probabilities normalised over them. A text
too short to tell (fewer than MIN_WORDS words or MIN_LETTERS letters) or too mixed (the best
language below MIN_CONFIDENCE, e.g. half Dutch, half English) gives `fallback`: the language on
the screen. Measured on tests/data/heldout_<lang>.jsonl (tests/test_langdetect.py): the right
language for every text, the least sure right answer at 0.997; texts written half in Dutch, half
in English scored 0.85-0.94 for their larger half, and a few short titles of 3-5 words in one
language (content/demo) below 0.97 too: those go to the fallback, which is usually right.

The model takes about 0.7 s to load (the app starts it a second after its first screen) and
about 50 MB (its automaton, 39 MB, whatever the languages); it is loaded once per process, on
first use or by `start_loading`, and then classifies a text in well under 1 ms.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

log = logging.getLogger("kiosk.langdetect")

MIN_WORDS = 3
MIN_LETTERS = 12
MIN_CONFIDENCE = 0.97

DETECTED, SHORT, UNSURE, ONE_LANGUAGE, UNAVAILABLE = (
    "detected", "short", "unsure", "one_language", "unavailable")


@dataclass(frozen=True)
class Detected:
    language: str
    confidence: float  # of the best language among the candidates, 0..1 (0: not measured)
    sure: bool  # False: `fallback` was given (see `reason`)
    reason: str  # detected | short | unsure | one_language | unavailable
    best: str = ""  # the best language the model saw, also when it was not sure enough


class _Identifiers:
    """py3langid identifiers, one per set of candidate languages, built from one model load."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_set: dict[tuple[str, ...], object] = {}
        self._labels: frozenset[str] | None = None
        self._failed = False

    def get(self, languages: tuple[str, ...]):
        """(identifier, candidates) for `languages`: None when fewer than two are known."""
        with self._lock:
            if self._failed:
                return None, ()
            if self._labels is not None:
                known = tuple(sorted(set(languages) & self._labels))
                if known in self._by_set:
                    return self._by_set[known], known
            try:
                return self._load(languages)
            except Exception as exc:  # no numpy, a damaged wheel: the fallback will do
                log.warning("language detection unavailable: %s", exc)
                self._failed = True
                return None, ()

    def _load(self, languages: tuple[str, ...]):
        import lzma
        import shutil
        import tempfile

        import numpy as np
        from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

        # As py3langid's own loader, but the automaton stays one NumPy array (its loader copies
        # it into an array.array: 39 MB more at the peak) and only our languages' columns of
        # the feature table are kept (1 MB instead of 28).
        with tempfile.TemporaryFile(suffix=".npz") as unpacked:
            with lzma.open(MODEL_DIR / MODEL_FILE) as packed:
                shutil.copyfileobj(packed, unpacked, length=1 << 20)
            unpacked.seek(0)
            with np.load(unpacked, allow_pickle=False) as data:
                classes = data["classes"].tolist()
                self._labels = frozenset(classes)
                known = tuple(sorted(set(languages) & self._labels))
                if len(known) < 2:
                    self._by_set[known] = None
                    return None, known
                columns = [i for i, c in enumerate(classes) if c in known]
                ptc = np.ascontiguousarray(data["ptc"][:, columns])
                pc = data["pc"][columns]
                nextmove, row = data["nextmove"], data["nextmove_row"].tolist()
                output = data["out_feat"].tolist()
        identifier = LanguageIdentifier(ptc, pc, [classes[i] for i in columns], nextmove,
                                        output, norm_probs=True, tk_row=row)
        self._by_set[known] = identifier
        return identifier, known


_IDENTIFIERS = _Identifiers()


def start_loading(languages: tuple[str, ...] | list[str]) -> None:
    """Load the model for `languages` in a background thread (returns at once)."""
    threading.Thread(target=_IDENTIFIERS.get, args=(tuple(languages),),
                     name="langdetect-load", daemon=True).start()


def letters(text: str) -> int:
    return sum(1 for c in text if c.isalpha())


def detect(text: str, languages: tuple[str, ...] | list[str], fallback: str) -> Detected:
    """The language of `text` among `languages`, or `fallback` when it cannot be told."""
    languages = tuple(languages)
    if len(text.split()) < MIN_WORDS or letters(text) < MIN_LETTERS:
        return Detected(fallback, 0.0, False, SHORT)
    identifier, candidates = _IDENTIFIERS.get(languages)
    if identifier is None:
        reason = UNAVAILABLE if not candidates and _IDENTIFIERS._failed else ONE_LANGUAGE
        return Detected(fallback, 0.0, False, reason)
    best, confidence = identifier.classify(text)
    if confidence < MIN_CONFIDENCE:
        return Detected(fallback, confidence, False, UNSURE, best)
    return Detected(best, confidence, True, DETECTED, best)
