"""The learning record to take along: plain Markdown, HTML and plain text, in the worker's
language, written to a folder the worker picks (a USB stick).

Every text the worker or a supervisor wrote is escaped (HTML: `html.escape`; Markdown: its
marks and HTML characters get a backslash), so a record shows text, never markup or links.
Files are never overwritten: a second record the same day gets `-2`, `-3`, ...
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

from kiosk.durable import atomic_file
from kiosk.learning.my_learning import LearningRecord
from kiosk.messages import MessageError

Translate = Callable[..., str]
_MARKDOWN_MARKS = re.compile(r"([\\`*_\[\]<>|~])")  # never at a line's start: no # - 1.


class RecordError(MessageError):
    """The record could not be written where asked (keys in learning.toml, [mine])."""


def show_day(day: str) -> str:
    """YYYY-MM-DD as the kiosk shows dates: DD-MM-YYYY."""
    return "-".join(reversed(day.split("-"))) if day else ""


def show_month(month: str, t: Translate) -> str:
    year, number = month.split("-")
    return t("learning.months." + str(int(number)), year=year)


def _categories(counts, t: Translate) -> str:
    return ", ".join(f"{t('capture.category_values.' + c)} {n}" for c, n in counts)


def _how(item, t: Translate) -> str:
    """How a try went: the follow-up's words, else an idea's status (and reason)."""
    parts = []
    if item.outcome:
        parts.append(t("learning.mine.outcome", outcome=item.outcome))
    if item.status:
        parts.append(t("learning.mine.idea_status",
                       status=t(f"feed.status_values.{item.status}")))
        if item.reason:
            parts.append(t("feed.reason", reason=item.reason))
    return " · ".join(parts) or t("learning.mine.no_outcome")


def summary(record: LearningRecord, t: Translate) -> str:
    return t("learning.mine.summary", count=record.entries, first=show_day(record.first_day),
             last=show_day(record.last_day))


# -- plain text (the QR codes) ------------------------------------------------------------------
def render_text(record: LearningRecord, t: Translate, station: str) -> str:
    """The record as plain text, for QR codes a phone reads as text."""
    lines = [t("learning.mine.file_title", station=station), summary(record, t), ""]
    lines += [t("learning.mine.by_month")]
    lines += [f"{show_month(m.month, t)}: {m.total} ({_categories(m.categories, t)})"
              for m in record.months]
    lines += ["", t("learning.mine.learned")]
    lines += [f"- {show_day(i.day)} {i.headline}: {i.text}" for i in record.learned]
    if record.tries:
        lines += ["", t("learning.mine.tries")]
        lines += [f"- {show_day(i.day)} {i.plan} ({_how(i, t)})" for i in record.tries]
    if record.answers:
        lines += ["", t("learning.mine.answers")]
        lines += [f"- {show_day(a.day)} {a.by} ({a.headline}): {a.text}"
                  for a in record.answers]
    return "\n".join(" ".join(line.split()) if line.startswith("- ") else line
                     for line in lines).strip() + "\n"


# -- Markdown -----------------------------------------------------------------------------------
def md(text: str) -> str:
    """User text for Markdown, one line: emphasis, code, link, table and HTML marks escaped
    (the text never starts a line, so heading and list marks need none)."""
    return _MARKDOWN_MARKS.sub(r"\\\1", " ".join(text.split()))


def render_markdown(record: LearningRecord, t: Translate, station: str, today: date) -> str:
    out = [f"# {md(t('learning.mine.file_title', station=station))}", "",
           md(summary(record, t)), "", f"## {md(t('learning.mine.by_month'))}", "",
           f"| {t('learning.mine.month')} | {t('learning.mine.entries')} | "
           f"{t('learning.mine.categories')} |", "|---|---|---|"]
    out += [f"| {md(show_month(m.month, t))} | {m.total} | {md(_categories(m.categories, t))} |"
            for m in record.months]
    out += ["", f"## {md(t('learning.mine.learned'))}", ""]
    out += [f"- {show_day(i.day)} · {md(t('capture.category_values.' + i.category))} · "
            f"**{md(i.headline)}**: {md(i.text)}" for i in record.learned]
    if record.tries:
        out += ["", f"## {md(t('learning.mine.tries'))}", ""]
        out += [f"- {show_day(i.day)} · **{md(i.plan)}**: {md(_how(i, t))}"
                for i in record.tries]
    if record.answers:
        out += ["", f"## {md(t('learning.mine.answers'))}", ""]
        out += [f"- {show_day(a.day)} · {md(t('learning.mine.answer_by', by=a.by))} "
                f"({md(a.headline)}): {md(a.text)}" for a in record.answers]
    out += ["", md(t("learning.mine.made", day=show_day(today.isoformat()))), ""]
    return "\n".join(out)


# -- HTML ---------------------------------------------------------------------------------------
def h(text: str) -> str:
    return html.escape(text, quote=True).replace("\n", "<br>")


def render_html(record: LearningRecord, t: Translate, station: str, today: date,
                language: str) -> str:
    title = h(t("learning.mine.file_title", station=station))
    rows = "".join(f"<tr><td>{h(show_month(m.month, t))}</td><td>{m.total}</td>"
                   f"<td>{h(_categories(m.categories, t))}</td></tr>" for m in record.months)
    parts = [f"<!DOCTYPE html>\n<html lang=\"{h(language)}\"><head><meta charset=\"utf-8\">"
             f"<title>{title}</title><style>body{{font-family:sans-serif;max-width:50em;"
             f"margin:2em auto;line-height:1.4}}td,th{{padding:.2em .8em;text-align:left}}"
             f"</style></head><body>", f"<h1>{title}</h1>", f"<p>{h(summary(record, t))}</p>",
             f"<h2>{h(t('learning.mine.by_month'))}</h2>",
             f"<table><tr><th>{h(t('learning.mine.month'))}</th>"
             f"<th>{h(t('learning.mine.entries'))}</th>"
             f"<th>{h(t('learning.mine.categories'))}</th></tr>{rows}</table>",
             f"<h2>{h(t('learning.mine.learned'))}</h2><ul>"]
    parts += [f"<li>{show_day(i.day)} · {h(t('capture.category_values.' + i.category))} · "
              f"<b>{h(i.headline)}</b>: {h(i.text)}</li>" for i in record.learned]
    parts.append("</ul>")
    if record.tries:
        parts.append(f"<h2>{h(t('learning.mine.tries'))}</h2><ul>")
        parts += [f"<li>{show_day(i.day)} · <b>{h(i.plan)}</b>: {h(_how(i, t))}</li>"
                  for i in record.tries]
        parts.append("</ul>")
    if record.answers:
        parts.append(f"<h2>{h(t('learning.mine.answers'))}</h2><ul>")
        parts += [f"<li>{show_day(a.day)} · {h(t('learning.mine.answer_by', by=a.by))} "
                  f"({h(a.headline)}): {h(a.text)}</li>" for a in record.answers]
        parts.append("</ul>")
    parts.append(f"<p><small>{h(t('learning.mine.made', day=show_day(today.isoformat())))}"
                 f"</small></p></body></html>\n")
    return "\n".join(parts)


# -- saving -------------------------------------------------------------------------------------
def save_record(record: LearningRecord, folder: str | Path, t: Translate, *, station: str,
                today: date, language: str) -> list[Path]:
    """Write the record as Markdown and HTML into `folder` (which must exist); returns the
    two paths. Existing files are never replaced."""
    folder = Path(str(folder).strip()).expanduser()
    if not str(folder).strip() or not folder.is_dir():
        raise RecordError("learning.mine.no_folder", folder=str(folder))
    base = f"{t('learning.mine.file_name')}-{today.isoformat()}"
    number = 1
    while True:
        stem = base if number == 1 else f"{base}-{number}"
        paths = [folder / f"{stem}.md", folder / f"{stem}.html"]
        if not any(p.exists() for p in paths):
            break
        number += 1
    texts = [render_markdown(record, t, station, today),
             render_html(record, t, station, today, language)]
    try:
        for path, text in zip(paths, texts):
            with atomic_file(path, prepare=lambda tmp: os.chmod(tmp, 0o644)) as handle:
                handle.write(text.encode("utf-8"))  # readable wherever the stick goes
    except OSError as exc:
        raise RecordError("learning.mine.save_failed", folder=str(folder),
                          reason=exc.strerror or str(exc)) from None
    return paths
