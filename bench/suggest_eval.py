"""Suggestion quality on the dev set (../shared/eval/observations_dev.jsonl):

1. Category accuracy per language, with a confusion summary, against chance and the majority
   baseline; plus ablations (keywords only, nearest example only). The keyword lists were written
   by someone who had read the dev set, so the full figure is optimistic; "nearest example only"
   (no keyword can fire) is a pessimistic bound for text the lists were not written near.
2. Related entries ("seen before?"): does a paraphrase retrieve its original (hit@1, hit@3), and
   leave-one-out: is the top related entry of each observation of the same category. The pool
   holds the dev observations plus the example sentences of content/coach/*/categories.toml as
   distractors.
3. Speed of related(): milliseconds for a kiosk's worth of entries (target: well under a
   second for 2,000; the test only checks that the work grows linearly).
4. Suggestion quality per language, on the held-out sets (tests/data/heldout_<lang>.jsonl, written
   for this and never tuned on) and on the dev set: the share of observations with a question
   that names the worker's subject, near-duplicate question pairs, category accuracy and empty
   results. Targets (issue 12): >= 90% subject named, 0 near-duplicates, >= 90% category, 0 empty.
   Without --model the coach runs without a model (templates and the bank); with --model NAME
   (a registry name or a .gguf path) it runs that model for every language measured, as
   [coach.models] would name it (so also for Dutch, which the default SmolLM2 does not write);
   bare --model runs the configured models. It then also prints how much of the model's output
   passed the quality gate and why the rest failed (slow). To judge a model for Dutch before
   rolling it out: `kiosk models add FILE --name NAME`, then --model NAME --lang nl.

    python bench/suggest_eval.py [--model [NAME]] [--lang nl|en] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.coach.classify import Classifier, related  # noqa: E402
from kiosk.entries import CATEGORIES  # noqa: E402
from kiosk.paths import content_dir  # noqa: E402

# ../shared/eval/ beside the checkout (or beside a folder of worktrees)
DEV_SET = next((p / "shared" / "eval" / "observations_dev.jsonl"
                for p in Path(__file__).resolve().parents[1:4]
                if (p / "shared" / "eval" / "observations_dev.jsonl").exists()),
               Path(__file__).resolve().parents[2] / "shared" / "eval" / "observations_dev.jsonl")
HELDOUT = Path(__file__).resolve().parents[1] / "tests" / "data"

# The subject words a good question names, for each dev observation (in dev order).
DEV_SUBJECTS = [
    ["pallet", "stack", "reach truck", "aisle"], ["veiligheidsbril", "brillen", "slijpmachine"],
    ["lathe", "parts", "insert"], ["luchtbellen", "onderdelen", "matrijs"],
    ["first piece", "release"], ["gereedschap", "schaduwbord", "omstellen"],
    ["vacuum pump", "pump", "suction", "filter"], ["ketting", "transportband", "spanner"],
    ["note", "mixer", "night shift"], ["storing", "kaartje"], ["cartons", "stock"],
    ["afscherming", "band"], ["caps", "capper", "torque"], ["koelvloeistof", "freesmachine"],
    ["downtime list", "list"],
]

# A colleague reporting the same thing in other words (written for this benchmark), in dev order.
PARAPHRASES = [
    "Again a pallet fell from the stack when the reach truck stopped hard; people walk in that "
    "aisle.",
    "Weer iemand zonder bril bij de slijpmachine gezien; de veiligheidsbrillen liggen te ver weg.",
    "Lathe parts came out oversize again; it was the worn insert.",
    "Weer luchtbellen in het gietwerk omdat de matrijs koud was bij de start.",
    "Waiting again for QC to release the first piece, half an hour lost.",
    "Omstellen kostte veel tijd, we moesten het gereedschap zoeken.",
    "Suction of the pick and place vacuum pump keeps getting weaker and the pump is noisy.",
    "De ketting van de band slipt weer, de spanner kan niet verder.",
    "Thanks to the note from the night shift about the mixer we did not have to search.",
    "De nieuwe collega heeft op een kaartje in zijn eigen taal gezet hoe je de storing reset.",
    "The folded cartons are stored far from where they are folded; lots of walking.",
    "Na het onderhoud ontbrak de afscherming op de band weer.",
    "Caps were loose because the capper torque was wrong after the changeover.",
    "Koelvloeistof in de freesmachine schuimde en rook vies, verversen hielp.",
    "Short talk between operators and maintenance about the downtime list at the start of the "
    "shift.",
]


@dataclass
class Item:
    """Stands in for an Entry in related(): text, language, category."""

    what_happened: str
    language: str
    category: str
    source: str
    title: str = ""
    noticed: str = ""
    learned: str = ""
    next_step: str = ""


def load_dev() -> list[dict]:
    if not DEV_SET.exists():
        sys.exit(f"no dev set at {DEV_SET}")
    return [json.loads(line) for line in DEV_SET.read_text().splitlines() if line.strip()]


def examples_pool() -> list[Item]:
    pool = []
    for lang in ("en", "nl"):
        data = tomllib.loads((content_dir() / "coach" / lang / "categories.toml").read_text())
        for category, table in data.items():
            pool += [Item(text, lang, category, "example") for text in table.get("examples", [])]
    return pool


# -- categories ---------------------------------------------------------------------------------

def accuracy(dev: list[dict], make, verbose: bool = False) -> dict[str, tuple[int, int, Counter]]:
    out = {}
    for lang in ("en", "nl"):
        clf = make(lang)
        rows = [o for o in dev if o["lang"] == lang]
        confusion: Counter = Counter()
        hits = 0
        for o in rows:
            guess = clf.classify(o["text"])
            hits += guess.category == o["category"]
            confusion[(o["category"], guess.category)] += 1
            if verbose and guess.category != o["category"]:
                print(f"   miss [{lang}] {o['category']} -> {guess.category}: {o['text'][:70]}"
                      f"  evidence {guess.evidence[:6]}")
        out[lang] = (hits, len(rows), confusion)
    return out


def keywords_only(lang: str) -> Classifier:
    clf = Classifier(lang)
    clf.EXAMPLE_WEIGHT = 0.0
    return clf


def examples_only(lang: str) -> Classifier:
    clf = Classifier(lang)
    clf.keywords = {c: [] for c in clf.keywords}
    clf.MIN_EVIDENCE = 0.01
    return clf


def print_accuracy(name: str, result: dict, chance_note: str) -> None:
    total_hits = sum(h for h, _, _ in result.values())
    total = sum(n for _, n, _ in result.values())
    parts = ", ".join(f"{lang} {h}/{n} ({h / n:.0%})" for lang, (h, n, _) in result.items())
    print(f"{name:<34} {total_hits}/{total} ({total_hits / total:.0%})  [{parts}]{chance_note}")


def confusion_summary(result: dict) -> None:
    for lang, (_, _, confusion) in result.items():
        wrong = [f"{truth}->{guess} x{n}" for (truth, guess), n in sorted(confusion.items())
                 if truth != guess]
        print(f"   confusions {lang}: {', '.join(wrong) or 'none'}")


# -- related entries ----------------------------------------------------------------------------

def related_quality(dev: list[dict], verbose: bool) -> None:
    originals = [Item(o["text"], o["lang"], o["category"], "dev") for o in dev]
    pool = originals + examples_pool()
    at1 = at3 = offered = 0
    for i, paraphrase in enumerate(PARAPHRASES):
        lang = dev[i]["lang"]
        found = related(paraphrase, lang, pool, k=3)
        ranks = [r.entry for r in found]
        offered += bool(found)
        at1 += bool(ranks) and ranks[0] is originals[i]
        at3 += originals[i] in ranks
        if verbose and (not ranks or ranks[0] is not originals[i]):
            top = ranks[0].what_happened[:60] if ranks else "nothing"
            print(f"   paraphrase miss: {paraphrase[:60]} -> {top}")
    n = len(PARAPHRASES)
    print(f"paraphrase -> original: hit@1 {at1}/{n} ({at1 / n:.0%}), hit@3 {at3}/{n} "
          f"({at3 / n:.0%}); something offered for {offered}/{n}  "
          f"(pool {len(pool)} texts: dev + {len(pool) - n} distractors; chance hit@1 "
          f"{1 / len(pool):.1%})")

    same = offered = 0
    chance = []
    for i, o in enumerate(originals):
        others = [p for p in pool if p is not o]
        chance.append(sum(p.category == o.category for p in others) / len(others))
        found = related(o.what_happened, o.language, others, k=1)
        if found:
            offered += 1
            same += found[0].entry.category == o.category
    print(f"leave-one-out: top related entry has the same category for {same}/{offered} "
          f"observations that got one ({same / max(offered, 1):.0%}; {offered}/{len(originals)} "
          f"got one; chance {sum(chance) / len(chance):.0%})")


def related_speed(sizes: tuple[int, ...] = (250, 2000)) -> None:
    """Milliseconds of one related() call over `sizes` entries (median and max of 5)."""
    pool = [Item(f"Entry {i}: the belt of pump {i % 50} was "
                 f"{'slipping' if i % 7 == 0 else 'noisy'} after the change of shift", "en",
                 "maintenance", "bench", title=f"Entry {i}") for i in range(max(sizes))]
    figures = []
    for size in sizes:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            related("The pump belt is slipping", "en", pool[:size], k=3)
            times.append((time.perf_counter() - started) * 1000)
        figures.append(f"{size:,} entries median {statistics.median(times):.0f} ms, "
                       f"max {max(times):.0f} ms")
    print("related() speed: " + "; ".join(figures))


# -- suggestion quality (and the model through the gate) ---------------------------------------

def load_heldout(lang: str) -> list[dict]:
    path = HELDOUT / f"heldout_{lang}.jsonl"
    return [dict(json.loads(line), lang=lang) for line in path.read_text().splitlines()
            if line.strip()]


def _stems(text: str, lang: str) -> list[str]:
    """Snowball stems of the words of `text` (an independent yardstick, not the coach's own)."""
    import snowballstemmer

    algorithm = {"nl": "dutch", "en": "english", "de": "german", "pl": "polish",
                 "tr": "turkish"}[lang]
    tokens = re.findall(r"[^\W\d_]+", text.lower())
    return snowballstemmer.stemmer(algorithm).stemWords(tokens)


def names_subject(question: str, subject: list[str], lang: str) -> bool:
    """Does `question` name one of the subject words (every word of a multi-word one)? A Dutch
    (or German) compound counts: "pomp" is named by "koelpomp", "koelvloeistofpomp" by "pomp" is
    not."""
    said = _stems(question, lang)
    raw = re.findall(r"[^\W\d_]+", question.lower())

    def named(word: str) -> bool:
        stem = _stems(word, lang)[0]
        return stem in said or (lang in ("nl", "de") and len(word) >= 4
                                and any(w.endswith(word) for w in raw))

    return any(all(named(w) for w in re.findall(r"[^\W\d_]+", s.lower())) for s in subject)


def near_duplicates(questions: list[str], lang: str) -> list[tuple[str, str]]:
    """Pairs of questions that say much the same: half or more of their content stems shared."""
    from kiosk.coach.text import language

    stop = language(lang).stopwords
    sets = [{s for w, s in zip(re.findall(r"[^\W\d_]+", q.lower()), _stems(q, lang))
             if w not in stop} for q in questions]
    return [(questions[i], questions[j]) for i in range(len(sets)) for j in range(i + 1, len(sets))
            if sets[i] and sets[j] and len(sets[i] & sets[j]) / len(sets[i] | sets[j]) >= 0.5]


def suggestion_quality(name: str, rows: list[dict], coach, verbose: bool) -> dict:
    """The issue's figures for one set in one language; prints one line (and the misses)."""
    named = dupes = right = empty = 0
    kept: Counter = Counter()
    reasons: Counter = Counter()
    for o in rows:
        result = coach.suggest(o["text"], o["lang"])
        texts = [q.text for q in result.questions]
        ok = any(names_subject(q, o["subject"], o["lang"]) for q in texts)
        pairs = near_duplicates(texts, o["lang"])
        named += ok
        dupes += len(pairs)
        right += result.category.category == o["category"]
        empty += len(texts) < 3 or not all(texts) or not result.idea.text or not result.title.text
        for item in result.items:
            kept[item.kind] += item.is_ai
        for r in result.rejected:
            reasons[f"{r.kind}:{r.reason}"] += 1
        if verbose and (not ok or pairs or result.category.category != o["category"]):
            print(f"   [{o['lang']}] {o['text'][:70]}\n      subject {o['subject']} named: {ok};"
                  f" category {o['category']} -> {result.category.category}")
            for q in result.questions:
                print(f"      {q.text}  [{q.source}]")
            for a, b in pairs:
                print(f"      near-duplicates: {a!r} ~ {b!r}")
    n = len(rows)
    print(f"{name:<14} n={n:<3} subject named {named}/{n} ({named / n:.0%}), near-duplicate pairs "
          f"{dupes}, category {right}/{n} ({right / n:.0%}), empty {empty}")
    if coach.model_writes(rows[0]["lang"]):
        print(f"   model text shown: questions {kept['question']}, ideas {kept['idea']}, titles "
              f"{kept['title']}; rejected by the gate: {dict(reasons.most_common())}")
    return {"named": named / n, "dupes": dupes, "category": right / n, "empty": empty}


def quality(dev: list[dict], model: str | None, langs: list[str], verbose: bool) -> None:
    from kiosk.coach.suggest import Coach
    from kiosk.config import load_config

    config = load_config(env={})
    if model is None:
        config = config.with_changes(coach_enabled=False)
    elif model:  # this model for every language measured
        config = config.with_changes(language_models=tuple((lang, model) for lang in langs))
    coach = Coach(config)
    try:
        for lang in langs:
            engine = coach.engine_for(lang)
            if model is not None and not coach.wait_ready(300, lang=lang):
                print(f"[{lang}] model not available: {coach.status_for(lang).message}")
                continue
            writer = engine.name if engine is not None and coach.model_writes(lang) else None
            fell_back = f" (fallback: {engine.fell_back})" if writer and engine.fell_back else ""
            print(f"[{lang}] suggestions by {writer or 'templates and the bank (no model)'}"
                  f"{fell_back}:")
            suggestion_quality(f"held-out {lang}", load_heldout(lang), coach, verbose)
            mine = [dict(o, subject=DEV_SUBJECTS[i]) for i, o in enumerate(dev)
                    if o["lang"] == lang]
            if mine:  # the dev set has Dutch and English only
                suggestion_quality(f"dev {lang}", mine, coach, verbose)
    finally:
        coach.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", nargs="?", const="", default=None, metavar="NAME",
                        help="run the suggestions with this model (registry name or .gguf; "
                             "bare: the configured one) instead of without a model (slow)")
    langs = sorted(p.stem.removeprefix("heldout_") for p in HELDOUT.glob("heldout_*.jsonl"))
    parser.add_argument("--lang", choices=langs, help="only this language's quality")
    parser.add_argument("--verbose", action="store_true", help="show the misses")
    args = parser.parse_args()
    dev = load_dev()
    counts = Counter(o["category"] for o in dev)
    majority = counts.most_common(1)[0]
    chance = (f"  chance {1 / len(CATEGORIES):.0%} (1 of {len(CATEGORIES)}), majority class "
              f"'{majority[0]}' {majority[1] / len(dev):.0%}")
    print(f"dev set: {len(dev)} observations ({dict(Counter(o['lang'] for o in dev))}), "
          f"categories {dict(counts)}")
    full = accuracy(dev, Classifier, args.verbose)
    print_accuracy("category, keywords + nearest example", full, chance)
    confusion_summary(full)
    print_accuracy("   ablation: keywords only", accuracy(dev, keywords_only), "")
    print_accuracy("   ablation: nearest example only", accuracy(dev, examples_only, args.verbose),
                   "")
    related_quality(dev, args.verbose)
    related_speed()
    quality(dev, args.model, [args.lang] if args.lang else langs, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
