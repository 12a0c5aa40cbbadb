"""The weekly digest of themes per station: what people wrote about most, as a sentence.

Themes are counted words and two-word phrases (kiosk.review.insights.themes), shown only when at
least `min_group_size` entries use them, and only for stations with at least that many entries
that week. The sentence is made from the themes by a template; when a coach is given, it is also
asked for one plain summary sentence (`Coach.summarise_themes`: only when its model is loaded and
writes the language, and only a sentence that passes the quality gate). A tiny model invents
details, so its sentence is kept apart (`ai_summary`) and shown marked as AI next to the counted
themes, never instead of them. No names, no per-person anything: only the station's themes go to
the coach, never entry text.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from kiosk.i18n import Strings
from kiosk.review.insights import Theme, themes
from kiosk.review.queue import ReviewIndex
from kiosk.review.report import parse_week

if TYPE_CHECKING:
    from kiosk.coach.suggest import Coach

TOP = 4


@dataclass
class StationDigest:
    station: str
    entries: int | None  # None: fewer than the minimum group size (hidden)
    words: list[Theme] = field(default_factory=list)
    phrases: list[Theme] = field(default_factory=list)
    summary: str = ""  # the template sentence: only counted facts
    ai_summary: str = ""  # the model's sentence, if one passed the gate (may be wrong: mark it)
    ai_source: str = ""  # the model's name


def _theme_list(digest: StationDigest) -> list[str]:
    chosen = [t.text for t in digest.phrases[:TOP]]
    chosen += [t.text for t in digest.words if not any(t.text in p for p in chosen)]
    return chosen[:TOP]


def weekly_digest(index: ReviewIndex, *, week: str = "this", language: str = "en",
                  min_group_size: int = 5, coach: Coach | None = None,
                  cancel: threading.Event | None = None) -> tuple[str, list[StationDigest]]:
    """(ISO week, one digest per station that had entries that week)."""
    week_key, monday = parse_week(week)
    sunday = monday + timedelta(days=6)
    t = Strings(language)
    found = []
    for station in index.facets().stations:
        rows = index.rows(station=station, date_from=monday, date_to=sunday)
        if not rows:
            continue
        if len(rows) < min_group_size:
            found.append(StationDigest(station, None, summary=t("digest.too_few",
                                                                min=min_group_size)))
            continue
        words, phrases = themes(rows, min_entries=min_group_size, top=TOP * 2)
        digest = StationDigest(station, len(rows), words, phrases)
        chosen = _theme_list(digest)
        digest.summary = (t("digest.template", station=station, themes=", ".join(chosen))
                          if chosen else t("digest.no_themes", min=min_group_size))
        if chosen and coach is not None:
            sentence = coach.summarise_themes(chosen, language, cancel=cancel)
            if sentence is not None:
                digest.ai_summary, digest.ai_source = sentence.text, sentence.source
        found.append(digest)
    return week_key, found

