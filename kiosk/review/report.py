"""The team-meeting report of one ISO week: what we learned, ideas and their status, what is still
waiting, and the week's numbers. `build_report()` gathers it; `render()` writes Markdown, CSV or
self-contained HTML in English or Dutch.

Only entries shared with the team (visibility "team") are shown; entries meant only for the
supervisor are counted, never shown; private entries never reach the supervisor. No author
appears anywhere. Counts follow the minimum group size (see `kiosk.review.insights`); in a
week with fewer entries than that, the report shows no number at all (no totals, no counts in
headings, no waiting table) and says so plainly.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from kiosk.entries import CATEGORIES, Entry, parse_time
from kiosk.i18n import Strings
from kiosk.paths import content_dir
from kiosk.review.insights import (AGE_BUCKETS, GroupCounts, WaitingItem, age_bucket,
                                   group_counts, waiting_items)
from kiosk.review.learning_view import (LearningFigures, learning_html, learning_markdown,
                                        report_learning)
from kiosk.review.plaintext import plain
from kiosk.review.queue import ReviewIndex
from kiosk.review.report_csv import render_csv
from kiosk.store import Store
from kiosk.store_files import entry_from_stored

FORMATS = ("md", "csv", "html")
_WEEK_RE = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


class ReportError(ValueError):
    """A report that cannot be made as asked (a bad week, an unknown format)."""


def parse_week(text: str, now: datetime | None = None) -> tuple[str, date]:
    """("2026-W48", Monday of that week) from "2026-W48" (also "2026W48", "2026-w8"), or
    "this" / "last" for this or last week."""
    if text.strip().lower() in ("this", "last"):
        now = now or datetime.now(timezone.utc)
        text = current_week(now - timedelta(weeks=1) if text.strip().lower() == "last" else now)
    match = _WEEK_RE.match(text.strip())
    if not match:
        raise ReportError(f"not an ISO week: {text!r} (write it like 2026-W48, or this, last)")
    year, week = int(match[1]), int(match[2])
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ReportError(f"{year} has no week {week}") from None
    return f"{year:04d}-W{week:02d}", monday


def current_week(now: datetime | None = None) -> str:
    year, week, _ = (now or datetime.now(timezone.utc)).isocalendar()
    return f"{year:04d}-W{week:02d}"


@dataclass
class Report:
    week: str
    start: date
    end: date
    line: str | None
    station: str | None
    min_group_size: int
    generated: datetime
    shared: list[Entry]  # the week's entries shared with the team, oldest first
    hidden: int  # the week's entries only for the supervisor: counted, not shown
    total: int | None  # None: fewer than the minimum group size
    ideas: int | None
    by_category: GroupCounts
    by_station: GroupCounts
    waiting: int
    waiting_by_age: list[tuple[str, int]]
    oldest_waiting: list[WaitingItem]  # shared with the team only
    learning: LearningFigures | None = None  # tries planned and the pulse (kiosk.learning)

    @property
    def small(self) -> bool:
        """Fewer entries this week than the minimum group size: no number may be shown."""
        return self.total is None

    def learned_by_category(self) -> list[tuple[str, list[Entry]]]:
        return [(c, found) for c in CATEGORIES
                if (found := [e for e in self.shared if e.category == c])]

    def lessons_by_category(self) -> list[tuple[str, int, list["Lesson"]]]:
        """(category, entries, lessons): entries with the same headline and lesson are one
        lesson, so a problem reported nine times reads as one line "(9×)", not nine."""
        return [(c, len(entries), lessons(entries)) for c, entries in self.learned_by_category()]

    def ideas_by_status(self) -> list[tuple[str, list[Entry]]]:
        order = ("adopted", "trying", "seen", "new", "declined")
        ideas = [e for e in self.shared if e.kind == "idea"]
        return [(s, found) for s in order if (found := [e for e in ideas if e.status == s])]


@dataclass
class Lesson:
    headline: str
    text: str  # what was learned, or else what was noticed
    entries: list[Entry]

    @property
    def stations(self) -> list[str]:
        return sorted({e.station for e in self.entries})

    @property
    def dates(self) -> tuple[str, str]:
        days = sorted(_local_date(e.created) for e in self.entries)
        return days[0], days[-1]


def lessons(entries: list[Entry]) -> list[Lesson]:
    """The lessons of `entries` (oldest first), the most often reported first."""
    found: dict[tuple[str, str], Lesson] = {}
    for e in entries:
        text = e.learned.strip() or e.noticed.strip()
        key = (plain(e.headline).casefold(), plain(text).casefold())
        if key in found:
            found[key].entries.append(e)
        else:
            found[key] = Lesson(e.headline, text, [e])
    return sorted(found.values(), key=lambda lesson: -len(lesson.entries))  # stable: by date


def build_report(store: Store, week: str, *, index: ReviewIndex | None = None,
                 line: str | None = None, station: str | None = None,
                 min_group_size: int = 5, now: datetime | None = None,
                 oldest: int = 10) -> Report:
    """The report of `week` ("2026-W48"), optionally for one line or station. `index` (loaded)
    gives the waiting items of all weeks; without one, a new index is loaded here."""
    now = now or datetime.now(timezone.utc)
    key, monday = parse_week(week, now)
    entries = []
    for doc in store.week_docs(key):
        if doc.get("visibility") == "private":
            continue
        if (line and doc.get("line") != line) or (station and doc.get("station") != station):
            continue
        entries.append(entry_from_stored(doc))
    entries.sort(key=lambda e: e.id)
    shared = [e for e in entries if e.visibility == "team"]
    m = min_group_size
    total = len(entries)
    ideas = sum(e.kind == "idea" for e in entries)

    if index is None:
        index = ReviewIndex(store)
        index.load()
    items = index.rows(line=line, station=station)
    waiting = waiting_items(items, now)
    ages = {k: 0 for k, _ in AGE_BUCKETS}
    for w in waiting:
        ages[age_bucket((now - parse_time(w.created)).total_seconds() / 86400)] += 1
    categories: dict[str, int] = {}
    stations: dict[str, int] = {}
    for e in entries:
        categories[e.category] = categories.get(e.category, 0) + 1
        stations[e.station] = stations.get(e.station, 0) + 1
    by_category = group_counts(categories, m)
    rank = {c: i for i, c in enumerate(CATEGORIES)}
    by_category.shown.sort(key=lambda kv: rank[kv[0]])
    return Report(
        week=key, start=monday, end=monday + timedelta(days=6), line=line, station=station,
        min_group_size=m, generated=now, shared=shared, hidden=total - len(shared),
        total=total if total >= m or total == 0 else None,
        ideas=ideas if (ideas >= m or ideas == 0) and total >= m else None,
        by_category=by_category, by_station=group_counts(stations, m),
        waiting=len(waiting), waiting_by_age=list(ages.items()),
        oldest_waiting=[w for w in waiting if w.visibility == "team"][:oldest],
        learning=report_learning(store, key, line, station, m))


# -- rendering --------------------------------------------------------------------------------
def render(report: Report, fmt: str, language: str = "en") -> str:
    if fmt not in FORMATS:
        raise ReportError(f"unknown format {fmt!r}: choose {', '.join(FORMATS)}")
    if fmt == "csv":
        return render_csv(report)
    labels = Strings.report(language)
    return {"md": render_markdown, "html": render_html}[fmt](report, labels)


def _local_date(iso: str) -> str:
    return parse_time(iso).astimezone().date().isoformat()


def _scope(report: Report, t: Strings) -> str:
    parts = []
    if report.line:
        parts.append(t("report.line", line=report.line))
    parts.append(report.station or t("report.all_stations"))
    return " · ".join(parts)


def _count(value: int | None, t: Strings, m: int) -> str:
    return t("report.hidden", min=m) if value is None else str(value)


def _group_rows(counts: GroupCounts, t: Strings, label_key: str | None) -> list[tuple[str, str]]:
    rows = [(t(f"{label_key}.{k}") if label_key else k, str(n)) for k, n in counts.shown]
    if counts.other:
        rows.append((t("report.other", groups=counts.other_groups), str(counts.other)))
    rows.append((t("report.total"), _count(counts.total, t, counts.min_size)))
    return rows


def _waiting_rows(report: Report, t: Strings) -> list[tuple[str, str]]:
    return [(t(f"age.{k}"), str(n)) for k, n in report.waiting_by_age]


def _number_tables(report: Report, t: Strings) -> list[tuple[str, GroupCounts, str | None]]:
    """(heading, counts, label key) of the tables under "Numbers this week"."""
    return [(t("report.category_heading"), report.by_category, "category"),
            (t("report.station_heading"), report.by_station, None)]


def _md_table(head: str, count_head: str, rows: list[tuple[str, str]]) -> str:
    return "\n".join([f"| {head} | {count_head} |", "|---|---:|",
                      *(f"| {md(name)} | {n} |" for name, n in rows)])


def _footer(report: Report, t: Strings) -> str:
    at = report.generated.astimezone().strftime("%Y-%m-%d %H:%M")
    if report.small:
        return t("report.generated_small", at=at)
    if report.hidden:
        return t("report.generated", at=at, hidden=report.hidden)
    return t("report.generated_none_hidden", at=at)


def _period(report: Report, t: Strings) -> str:
    return t("report.period", start=report.start.isoformat(), end=report.end.isoformat())


def _title(report: Report, t: Strings) -> str:
    year, week = report.week.split("-W")
    return t("report.title", week_number=int(week), year=year)


def _summary(report: Report, t: Strings) -> str:
    if report.total is None:
        return t("report.summary_small", min=report.min_group_size)
    return t("report.summary", entries=report.total,
             ideas=_count(report.ideas, t, report.min_group_size))


def _heading(report: Report, title: str, count: int) -> str:
    """A section heading with its count, or without it in a small week."""
    return title if report.small else f"{title} ({count})"


def _times(report: Report, lesson: Lesson, t: Strings) -> str:
    """" (3×)" for a lesson reported three times; nothing in a small week."""
    if report.small or len(lesson.entries) < 2:
        return ""
    return f" ({t('report.times', count=len(lesson.entries))})"


def _where(report: Report, station: str, t: Strings, waited: int | None = None) -> list[str]:
    """The station (unless the report is about one) and, outside a small week, days waiting."""
    parts = [] if report.station else [station]
    if waited is not None and not report.small:
        parts.append(t("report.days_ago", days=waited))
    return parts


def _lesson_where(report: Report, lesson: Lesson, *, markdown: bool = True) -> str:
    """Stations (unless the report is about one) and the day, or first and last day."""
    first, last = lesson.dates
    days = first if first == last else f"{first} – {last}"
    stations = lesson.stations
    where = ", ".join(stations[:3]) + (f" +{len(stations) - 3}" if len(stations) > 3 else "")
    parts = ([] if report.station else [where]) + [days]
    return md("; ".join(parts)) if markdown else "; ".join(parts)


def _idea_details(e: Entry, t: Strings) -> list[tuple[str, str]]:
    details = [(t("report.next_label"), e.next_step), (t("report.reason_label"), e.status_reason),
               (t("report.answer_label"), e.responses[-1].text if e.responses else "")]
    return [(label, text) for label, text in details if text.strip()]


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def _mark(entries: list[Entry], t: Strings) -> str:  # before an urgent entry's headline
    return f"{t('report.urgent')} " if any(e.urgent for e in entries) else ""


def md(text: str) -> str:
    """User text as literal Markdown on one line (no formatting, links or HTML from it)."""
    return _MD_SPECIAL.sub(r"\\\1", plain(text))


def render_markdown(report: Report, t: Strings) -> str:
    m = report.min_group_size
    out = [f"# {_title(report, t)}", "", f"{_period(report, t)} · {md(_scope(report, t))}", "",
           _summary(report, t), ""]

    out += [f"## {t('report.learned_heading')}", ""]
    groups = report.lessons_by_category()
    if not groups:
        out += [t("report.learned_none"), ""]
    for category, count, found in groups:
        out += [f"### {_heading(report, t(f'category.{category}'), count)}", ""]
        for lesson in found:
            out.append(f"- **{md(_mark(lesson.entries, t) + lesson.headline)}**"
                       f"{_times(report, lesson, t)}"
                       + (f": {md(lesson.text)}" if lesson.text else "")
                       + f" _({_lesson_where(report, lesson)})_")
        out.append("")

    out += [f"## {t('report.ideas_heading')}", ""]
    statuses = report.ideas_by_status()
    if not statuses:
        out += [t("report.ideas_none"), ""]
    for status, entries in statuses:
        out += [f"### {_heading(report, t(f'status.{status}'), len(entries))}", ""]
        for e in entries:
            where = ", ".join(map(md, _where(report, e.station, t)))
            out.append(f"- **{md(_mark([e], t) + e.headline)}**"
                       + (f" _({where})_" if where else ""))
            for label, text in _idea_details(e, t):
                out.append(f"  - {label}: {md(text)}")
        out.append("")

    out += [f"## {t('report.waiting_heading')}", "", t("report.waiting_intro"), ""]
    if not report.waiting:
        out += [t("report.waiting_none"), ""]
    elif report.small:
        out += [t("report.waiting_small", min=m), ""]
    else:
        out += [_md_table(t("report.age_heading"), t("report.count_heading"),
                          _waiting_rows(report, t)), ""]
    if report.oldest_waiting:
        out += [f"{t('report.waiting_oldest')}:", ""]
        for w in report.oldest_waiting:
            where = ", ".join(map(md, _where(report, w.station, t, w.age_days)))
            out.append(f"- **{md(w.headline)}**" + (f" ({where})" if where else ""))
        out.append("")

    out += [f"## {t('report.numbers_heading')}", ""]
    if report.small:
        out += [t("report.numbers_small", min=m), ""]
    else:
        for heading, counts, label_key in _number_tables(report, t):
            out += [_md_table(heading, t("report.count_heading"),
                              _group_rows(counts, t, label_key)), ""]
        out += [t("report.numbers_note", min=m), ""]
    out += [*learning_markdown(report.learning, t, md), "---", "", _footer(report, t), ""]
    return "\n".join(out)


def render_html(report: Report, t: Strings) -> str:
    def e_(text: str) -> str:
        return html.escape(plain(text), quote=True)

    css = (content_dir() / "review" / "report.css").read_text(encoding="utf-8")
    title = _title(report, t)
    out = ["<!DOCTYPE html>", f'<html lang="{e_(t.language)}">', "<head>",
           '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{e_(title)}</title>", f"<style>\n{css}</style>", "</head>", "<body>",
           f"<h1>{e_(title)}</h1>",
           f'<p class="meta">{e_(_period(report, t))} · {e_(_scope(report, t))}</p>',
           f"<p>{e_(_summary(report, t))}</p>",
           f"<h2>{e_(t('report.learned_heading'))}</h2>"]
    groups = report.lessons_by_category()
    if not groups:
        out.append(f"<p>{e_(t('report.learned_none'))}</p>")
    for category, count, found in groups:
        out += [f"<h3>{e_(_heading(report, t(f'category.{category}'), count))}</h3>", "<ul>"]
        for lesson in found:
            times = _times(report, lesson, t)
            item = (f"<li><strong>{e_(_mark(lesson.entries, t) + lesson.headline)}</strong>"
                    f"{html.escape(times)} "
                    f'<span class="where">({e_(_lesson_where(report, lesson, markdown=False))})'
                    f"</span>")
            if lesson.text:
                label = "report.learned_label" if lesson.entries[0].learned.strip() \
                    else "report.noticed_label"
                item += f'<br><span class="label">{e_(t(label))}:</span> {e_(lesson.text)}'
            out.append(item + "</li>")
        out.append("</ul>")

    out.append(f"<h2>{e_(t('report.ideas_heading'))}</h2>")
    statuses = report.ideas_by_status()
    if not statuses:
        out.append(f"<p>{e_(t('report.ideas_none'))}</p>")
    for status, entries in statuses:
        out += [f"<h3>{e_(_heading(report, t(f'status.{status}'), len(entries)))}</h3>",
                "<ul>"]
        for e in entries:
            item = (f"<li><strong>{e_(_mark([e], t) + e.headline)}</strong> "
                    f'<span class="where">({e_(e.station)})</span>')
            for label, text in _idea_details(e, t):
                item += f'<br><span class="label">{e_(label)}:</span> {e_(text)}'
            out.append(item + "</li>")
        out.append("</ul>")

    out += [f"<h2>{e_(t('report.waiting_heading'))}</h2>",
            f'<p class="note">{e_(t("report.waiting_intro"))}</p>']
    m = report.min_group_size
    if not report.waiting:
        out.append(f"<p>{e_(t('report.waiting_none'))}</p>")
    elif report.small:
        out.append(f"<p>{e_(t('report.waiting_small', min=m))}</p>")
    else:
        out.append(_html_table(t("report.age_heading"), t("report.count_heading"),
                               _waiting_rows(report, t)))
    if report.oldest_waiting:
        out += [f"<h3>{e_(t('report.waiting_oldest'))}</h3>", "<ul>"]
        for w in report.oldest_waiting:
            where = ", ".join(map(e_, _where(report, w.station, t, w.age_days)))
            out.append(f"<li><strong>{e_(w.headline)}</strong>"
                       + (f' <span class="where">({where})</span>' if where else "") + "</li>")
        out.append("</ul>")

    out.append(f"<h2>{e_(t('report.numbers_heading'))}</h2>")
    if report.small:
        out.append(f"<p>{e_(t('report.numbers_small', min=m))}</p>")
    else:
        out += [_html_table(heading, t("report.count_heading"), _group_rows(counts, t, key))
                for heading, counts, key in _number_tables(report, t)]
        out.append(f'<p class="note">{e_(t("report.numbers_note", min=m))}</p>')
    out += [*learning_html(report.learning, t), f"<footer>{e_(_footer(report, t))}</footer>",
            "</body>", "</html>", ""]
    return "\n".join(out)


def _html_table(head: str, count_head: str, rows: list[tuple[str, str]]) -> str:
    body = "".join(f'<tr><td>{html.escape(plain(name))}</td><td class="n">{html.escape(n)}'
                   f"</td></tr>" for name, n in rows)
    return (f"<table><thead><tr><th>{html.escape(head)}</th><th>{html.escape(count_head)}</th>"
            f"</tr></thead><tbody>{body}</tbody></table>")


__all__ = ["Report", "Lesson", "lessons", "ReportError", "build_report", "render",
           "render_markdown", "render_html", "parse_week", "current_week", "FORMATS", "md",
           "plain"]
