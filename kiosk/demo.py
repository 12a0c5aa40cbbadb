"""Realistic demo entries for `kiosk demo-data`; the texts live in content/demo/<language>.toml.

`fill_demo_data(store, config, count=...)` writes entries spread over past days (ids match their
creation time), over several stations of the configured line, by a handful of badge pseudonyms
per station, with supervisor answers, idea statuses and sync states that fit each entry's age.
"""

from __future__ import annotations

import math
import random
import re
import string
import time
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from kiosk.config import Config
from kiosk.entries import (CATEGORIES, KINDS, REFLECTION_FIELDS, Entry, Response, Suggestion,
                           new_id)
from kiosk.paths import content_dir
from kiosk.ids import week_key
from kiosk.store import Store

AREAS = ("machining", "packaging", "assembly", "logistics", "maintenance")
LANGUAGES = ("en", "nl")  # the second language the demo writes most, then a few in the others
ENTRIES_PER_DAY = 30
_TEXT_FIELDS = ("title", *REFLECTION_FIELDS)
_DAY = 86400.0
_HOUR = 3600.0


class DemoContentError(ValueError):
    """content/demo/<language>.toml is missing or malformed; the message names file and key."""


@dataclass(frozen=True)
class Template:
    area: str
    kind: str
    category: str
    title: str
    what_happened: str
    noticed: str
    learned: str
    next_step: str


@dataclass(frozen=True)
class DemoContent:
    language: str
    templates: tuple[Template, ...]
    words: dict[str, tuple[str, ...]]
    pseudonym_words: tuple[str, ...]
    supervisors: tuple[str, ...]
    stations: tuple[tuple[str, str], ...]  # (name, area)
    station_fallback: str
    area_words: dict[str, tuple[str, ...]]
    answers: tuple[str, ...]
    declined: tuple[str, ...]
    questions: tuple[str, ...]

    def by_area(self, area: str) -> tuple[Template, ...]:
        return tuple(t for t in self.templates if t.area == area)


# -- content ----------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def load_content(language: str, folder: Path | None = None) -> DemoContent:
    """Read and check content/demo/<language>.toml."""
    file = (folder or content_dir() / "demo") / f"{language}.toml"
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DemoContentError(f"{file}: demo content file not found") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DemoContentError(f"{file}: not valid TOML ({exc})") from None
    return _parse_content(language, data, str(file))


def _parse_content(language: str, data: dict[str, Any], source: str) -> DemoContent:
    def strings(value: Any, key: str, *, nonempty: bool = True) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise DemoContentError(f"{source}: {key} must be a list of texts")
        if nonempty and not value:
            raise DemoContentError(f"{source}: {key} must not be empty")
        return tuple(value)

    def table(key: str) -> dict[str, Any]:
        value = data.get(key)
        if not isinstance(value, dict):
            raise DemoContentError(f"{source}: [{key}] is missing")
        return value

    words = {k: strings(v, f"words.{k}") for k, v in table("words").items()}
    people, responses, coach = table("people"), table("responses"), table("coach")
    areas = table("areas")
    area_words = {area: strings(areas.get(area), f"areas.{area}") for area in AREAS}
    stations = []
    for i, item in enumerate(data.get("station", [])):
        name, area = item.get("name"), item.get("area")
        if not isinstance(name, str) or not name.strip() or area not in AREAS:
            raise DemoContentError(f"{source}: station[{i}] needs a name and an area "
                                   f"({', '.join(AREAS)})")
        stations.append((name, area))
    fallback = table("stations").get("fallback")
    if not isinstance(fallback, str) or "{n}" not in fallback:
        raise DemoContentError(f"{source}: stations.fallback must be a text with {{n}}")

    templates = []
    known = set(words) | {"station"}
    for i, item in enumerate(data.get("entry", [])):
        where = f"{source}: entry[{i}]"
        if item.get("kind") not in KINDS:
            raise DemoContentError(f"{where}.kind must be one of {', '.join(KINDS)}")
        if item.get("category") not in CATEGORIES:
            raise DemoContentError(f"{where}.category must be one of {', '.join(CATEGORIES)}")
        if item.get("area") not in AREAS:
            raise DemoContentError(f"{where}.area must be one of {', '.join(AREAS)}")
        for name in _TEXT_FIELDS:
            text = item.get(name)
            if not isinstance(text, str) or not text.strip():
                raise DemoContentError(f"{where}.{name} is missing")
            for _, field, _, _ in string.Formatter().parse(text):
                if field is not None and field not in known:
                    raise DemoContentError(f"{where}.{name}: unknown placeholder {{{field}}}")
        unknown = set(item) - {"area", "kind", "category", *_TEXT_FIELDS}
        if unknown:
            raise DemoContentError(f"{where}: unknown key {sorted(unknown)[0]}")
        templates.append(Template(**item))
    if not templates:
        raise DemoContentError(f"{source}: no [[entry]] templates")

    return DemoContent(
        language=language,
        templates=tuple(templates),
        words=words,
        pseudonym_words=strings(people.get("pseudonym_words"), "people.pseudonym_words"),
        supervisors=strings(people.get("supervisors"), "people.supervisors"),
        stations=tuple(stations),
        station_fallback=fallback,
        area_words=area_words,
        answers=strings(responses.get("answer"), "responses.answer"),
        declined=strings(responses.get("declined"), "responses.declined"),
        questions=strings(coach.get("questions"), "coach.questions"),
    )


class _Picks(dict):
    """Placeholder values for one entry: each word chosen once, on first use."""

    def __init__(self, rng: random.Random, words: dict[str, tuple[str, ...]], station: str):
        super().__init__(station=station)
        self.rng, self.words = rng, words

    def __missing__(self, key: str) -> str:
        value = self[key] = self.rng.choice(self.words[key])
        return value


def render(template: Template, rng: random.Random, words: dict[str, tuple[str, ...]],
           station: str) -> dict[str, str]:
    """The template's text fields with placeholders filled, each starting with a capital."""
    picks = _Picks(rng, words, station)
    out = {}
    for name in _TEXT_FIELDS:
        text = getattr(template, name).format_map(picks)
        out[name] = text[:1].upper() + text[1:]
    return out


# -- stations and people ----------------------------------------------------------------------
@dataclass
class DemoStation:
    name: str
    area: str | None  # None: entries from every area
    kiosk_id: str
    authors: list[str]
    author_weights: list[float]


def guess_area(station: str, content: DemoContent) -> str | None:
    name = station.lower()
    for area, words in content.area_words.items():
        if any(word in name for word in words):
            return area
    return None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:24] or "station"


def plan_stations(config: Config, content: DemoContent, count: int,
                  rng: random.Random) -> list[DemoStation]:
    """`count` stations: the configured one first, then others on the same line."""
    names: list[tuple[str, str | None]] = [(config.station, guess_area(config.station, content))]
    for name, area in content.stations:
        if len(names) >= count:
            break
        if name != config.station:
            names.append((name, area))
    n = 1
    while len(names) < count:
        name = content.station_fallback.format(n=len(names) + n)
        if all(name != existing for existing, _ in names):
            names.append((name, None))
        else:
            n += 1
    stations, used_ids, used_authors = [], set(), set()
    for i, (name, area) in enumerate(names):
        kiosk_id = config.kiosk_id if i == 0 else f"{_slug(name)}-kiosk"
        while kiosk_id in used_ids:
            kiosk_id = f"{_slug(name)}-kiosk-{len(used_ids)}"
        used_ids.add(kiosk_id)
        authors = []
        for _ in range(rng.randint(4, 8)):
            author = f"{rng.choice(content.pseudonym_words)}-{rng.randint(10, 99)}"
            while author in used_authors:
                author = f"{rng.choice(content.pseudonym_words)}-{rng.randint(10, 99)}"
            used_authors.add(author)
            authors.append(author)
        # A few people write most entries, as on a real line.
        weights = [1.0 / math.sqrt(rank + 1) for rank in range(len(authors))]
        stations.append(DemoStation(name, area, kiosk_id, authors, weights))
    return stations


# -- time -------------------------------------------------------------------------------------
def spread_times(count: int, days: int, now: float, rng: random.Random) -> list[float]:
    """`count` creation times over the last `days` days: weekdays busier, mostly day shifts."""
    midnight = datetime.fromtimestamp(now).astimezone().replace(
        hour=0, minute=0, second=0, microsecond=0).timestamp()
    day_weights = []
    for day in range(days):
        weekday = datetime.fromtimestamp(midnight - day * _DAY).weekday()
        day_weights.append({5: 0.3, 6: 0.15}.get(weekday, 1.0))
    # early 06-14, late 14-22, night 22-06 (starting the evening of that day)
    shift_starts, shift_weights = (6.0, 14.0, 22.0), (0.45, 0.4, 0.15)
    chosen_days = rng.choices(range(days), weights=day_weights, k=count)
    chosen_shifts = rng.choices(shift_starts, weights=shift_weights, k=count)
    times = []
    for day, start in zip(chosen_days, chosen_shifts):
        at = midnight - day * _DAY + (start + rng.uniform(0.25, 7.75)) * _HOUR
        if at > now - 60:  # later today than now: somewhere earlier today instead
            at = midnight + rng.uniform(0, max(1.0, now - 60 - midnight))
            at = min(at, now - 1)
        times.append(at)
    times.sort()
    return times


def _iso(at: float) -> str:
    ms = int(at * 1000)
    exact = datetime.fromtimestamp(ms // 1000, tz=timezone.utc) + timedelta(milliseconds=ms % 1000)
    return exact.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- entries ----------------------------------------------------------------------------------
def make_entry(*, at: float, now: float, station: DemoStation, config: Config,
               content: DemoContent, texts: random.Random, state: random.Random) -> Entry:
    """One demo entry created at `at`. `texts` chooses what it says, `state` what happened
    to it since (answers, status, sync), so a seed gives the same texts on every day."""
    pool = content.by_area(station.area) if station.area else ()
    template = texts.choice(pool if pool and texts.random() < 0.75 else content.templates)
    fields = render(template, texts, content.words, station.name)
    if texts.random() < 0.08:
        fields["next_step"] = ""
    elif texts.random() < 0.05:
        fields["learned"] = ""
    author = None if texts.random() < 0.1 else \
        texts.choices(station.authors, weights=station.author_weights)[0]
    roll = texts.random()
    if author is None:
        visibility = "team" if roll < 0.85 else "supervisor"
    else:
        visibility = "team" if roll < 0.72 else "supervisor" if roll < 0.92 else "private"
    suggestions = []
    if texts.random() < 0.35:
        source = "bank" if texts.random() < 0.6 else config.model
        verdict = texts.choice(("accepted", "accepted", "dismissed", None))
        suggestions.append(Suggestion("question", texts.choice(content.questions), source,
                                      verdict))
    if texts.random() < 0.15:
        suggestions.append(Suggestion("title", fields["title"], config.model, "accepted"))

    at = (int(at * 1000) + 0.5) / 1000  # mid-millisecond: id and `created` agree exactly
    age = now - at
    sync = _sync_state(age, visibility, state)
    status, reason, responses, changed = "new", "", [], at
    if sync == "synced":
        if template.kind == "idea" and age > _DAY:
            # Older ideas have moved further along.
            weights = (2, 3, 2, 2, 1) if age < 14 * _DAY else (1, 2, 2, 4, 2)
            status = state.choices(("new", "seen", "trying", "adopted", "declined"), weights)[0]
            if status == "declined":
                reason = state.choice(content.declined)
            if status != "new":
                changed = at + state.uniform(2 * _HOUR, min(age, 7 * _DAY))
        wants_answer = 0.55 if template.kind == "idea" else 0.3
        if age > 12 * _HOUR and (state.random() < wants_answer or status in ("adopted",
                                                                          "declined")):
            answered = at + state.uniform(_HOUR, min(age - _HOUR, 4 * _DAY))
            responses.append(Response(_iso(answered), state.choice(content.supervisors),
                                      state.choice(content.answers)))
            changed = max(changed, answered)
    seen = bool(responses) or status != "new" or (
        sync == "synced" and visibility != "private" and age > 2 * _DAY and state.random() < 0.85)
    return Entry(
        id=new_id(at=at, kiosk_id=station.kiosk_id), kiosk_id=station.kiosk_id,
        station=station.name, line=config.line, author=author, language=content.language,
        kind=template.kind, category=template.category, visibility=visibility, suggestions=suggestions,
        created=_iso(at), updated=_iso(changed), status=status, status_reason=reason,
        responses=responses, seen=seen, sync=sync, **fields,
    )


def _sync_state(age: float, visibility: str, state: random.Random) -> str:
    roll = state.random()
    if visibility == "private":
        return "pending"  # private entries stay on the kiosk
    if age > 10 * _DAY:
        return "synced" if roll < 0.97 else "exported"
    if age > 2 * _DAY:
        return "synced" if roll < 0.5 else "exported" if roll < 0.75 else "pending"
    return "pending" if roll < 0.9 else "exported"


def generate(config: Config, *, count: int, days: int | None = None, seed: int | None = None,
             stations: int = 1, now: float | None = None):
    """Yield `count` demo entries, oldest first, over the last `days` days (default: about
    ENTRIES_PER_DAY entries a day per station)."""
    if count < 0 or stations < 1:
        raise ValueError("count must be >= 0 and stations >= 1")
    now = time.time() if now is None else now
    if days is None:  # about ENTRIES_PER_DAY a day at each station: 10k at one station ~ a year
        days = max(1, math.ceil(count / (ENTRIES_PER_DAY * stations)))
    if days < 1:
        raise ValueError("days must be at least 1")
    seed = random.randrange(2**32) if seed is None else seed
    texts, state = random.Random(f"texts:{seed}"), random.Random(f"state:{seed}")
    with_texts = [lang for lang in (*config.languages, *LANGUAGES)
                  if (content_dir() / "demo" / f"{lang}.toml").is_file()]
    home_language = config.language if config.language in with_texts else with_texts[0]
    # a second language most of the rest write (Dutch or English), then the others a little
    rest = sorted({lang for lang in with_texts if lang != home_language},
                  key=lambda lang: (lang not in LANGUAGES, with_texts.index(lang)))
    home = load_content(home_language)
    planned = plan_stations(config, home, stations, texts)
    station_weights = [1.5] + [1.0] * (len(planned) - 1)
    for at in spread_times(count, days, now, state):
        station = texts.choices(planned, weights=station_weights)[0]
        roll = texts.random()
        language = home_language if roll < 0.75 or not rest else \
            rest[0] if roll < 0.9 or len(rest) == 1 else texts.choice(rest[1:])
        yield make_entry(at=at, now=now, station=station, config=config,
                         content=load_content(language), texts=texts, state=state)


def fill_demo_data(store: Store, config: Config, *, count: int, days: int | None = None,
                   seed: int | None = None, stations: int = 1) -> int:
    """Add `count` demo entries to `store`, each weekly file written once. Returns the number."""
    made, week, batch = 0, None, []
    for entry in generate(config, count=count, days=days, seed=seed, stations=stations):
        key = week_key(entry.id)
        if batch and key != week:
            made += store.save_many(batch)
            batch = []
        week = key
        batch.append(entry)
    if batch:
        made += store.save_many(batch)
    return made
