"""The learning loop's team figures (kiosk.learning.figures) as the insights show them (plain
text) and as a section of the team-meeting report (Markdown, HTML). Labels: content/review/
<lang>.toml, [followup] and [pulse]."""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta, timezone

from kiosk.learning.figures import FollowUpFigures, LearningFigures, PulseWeek, learning_figures
from kiosk.learning.pulse import QUESTIONS


def _n(value: int | None, t, m: int) -> str:
    return t("report.hidden", min=m) if value is None else str(value)


def headline_rows(found: FollowUpFigures, t) -> list[tuple[str, str]]:
    """(label, count): planned, answered, tried, worked."""
    return [(t(f"followup.{key}"), _n(getattr(found, key), t, found.min_size))
            for key in ("planned", "answered", "tried", "worked")]


def answer_rows(found: FollowUpFigures, t) -> list[tuple[str, str]]:
    """(label, count) per answer, the small ones together, then the tries planned."""
    if found.outcomes is None:
        return []
    rows = [(t(f"followup.answers.{key}"), str(n)) for key, n in found.outcomes.shown]
    if found.outcomes.other:
        rows.append((t("report.other", groups=found.outcomes.other_groups),
                     str(found.outcomes.other)))
    return rows + [(t("followup.planned"), _n(found.planned, t, found.min_size))]


def summary(found: FollowUpFigures, t) -> str:
    """"14 tries planned, 9 tried, 6 worked." or why no number is shown."""
    m = found.min_size
    if found.held_back:
        return t("followup.held_back", min=m)
    return t("followup.summary", planned=_n(found.planned, t, m), tried=_n(found.tried, t, m),
             worked=_n(found.worked, t, m))


def _pulse_cells(point: PulseWeek, t, m: int) -> list[str]:
    if point.answers is None:
        return [t("report.hidden", min=m) if point.small else t("pulse.held"), "", "", ""]
    return [str(point.answers), *(f"{point.means[q]:.1f}" for q in QUESTIONS)]


def _pulse_head(t, short: str = "") -> list[str]:
    return [t("pulse.week"), t("pulse.answers"), *(t(f"pulse.{q}{short}") for q in QUESTIONS)]


def _pulse_points(found: LearningFigures) -> list[PulseWeek]:
    return [p for p in found.pulse if p.answers != 0]


def format_learning(found: LearningFigures, t, weeks: int) -> str:
    """Plain text for the insights screen and `kiosk insights`."""
    m = found.min_size
    lines = ["", t("followup.intro_insights", weeks=weeks)]
    if found.followups.held_back:
        lines.append("  " + t("followup.held_back", min=m))
    else:
        lines += [f"  {label:<30} {value:>7}" for label, value in headline_rows(found.followups, t)]
        lines.append("  " + t("followup.answer_heading") + ":")
        per_answer = answer_rows(found.followups, t)[:-1]  # without "tries planned" again
        lines += [f"    {label:<28} {value:>7}" for label, value in per_answer]
    lines += ["", t("pulse.heading")]
    points = _pulse_points(found)
    if not points:
        lines.append("  " + t("pulse.none"))
    else:
        head = _pulse_head(t, "_short")
        lines.append("  " + "  ".join([f"{head[0]:<10}", *(f"{h:>12}" for h in head[1:])]))
        for point in points:
            cells = _pulse_cells(point, t, m)
            lines.append("  " + "  ".join([f"{point.week:<10}", *(f"{c:>12}" for c in cells)])
                         .rstrip())
    return "\n".join(lines)


def learning_markdown(found: LearningFigures | None, t, md) -> list[str]:
    """The report's section "Trying things out" and the weekly pulse, in Markdown."""
    if found is None:
        return []
    m = found.min_size
    out = [f"## {t('followup.heading')}", "", t("followup.intro", min=m), "",
           summary(found.followups, t), ""]
    if not found.followups.held_back:
        out += [f"| {t('followup.answer_heading')} | {t('followup.count_heading')} |", "|---|---:|",
                *(f"| {md(label)} | {value} |" for label, value in answer_rows(found.followups, t)),
                ""]
    out += [f"### {t('pulse.heading')}", "", t("pulse.intro", min=m), ""]
    points = _pulse_points(found)
    if not points:
        return out + [t("pulse.none"), ""]
    head = _pulse_head(t)
    out += ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    out += ["| " + " | ".join([p.week, *_pulse_cells(p, t, m)]) + " |" for p in points]
    return out + [""]


def learning_html(found: LearningFigures | None, t) -> list[str]:
    """The same section in HTML."""
    if found is None:
        return []
    e = lambda text: html.escape(text, quote=True)  # noqa: E731
    m = found.min_size
    out = [f"<h2>{e(t('followup.heading'))}</h2>",
           f'<p class="note">{e(t("followup.intro", min=m))}</p>',
           f"<p>{e(summary(found.followups, t))}</p>"]
    if not found.followups.held_back:
        rows = "".join(f'<tr><td>{e(label)}</td><td class="n">{e(value)}</td></tr>'
                       for label, value in answer_rows(found.followups, t))
        out.append(f"<table><thead><tr><th>{e(t('followup.answer_heading'))}</th>"
                   f"<th>{e(t('followup.count_heading'))}</th></tr></thead>"
                   f"<tbody>{rows}</tbody></table>")
    out += [f"<h3>{e(t('pulse.heading'))}</h3>",
            f'<p class="note">{e(t("pulse.intro", min=m))}</p>']
    points = _pulse_points(found)
    if not points:
        return out + [f"<p>{e(t('pulse.none'))}</p>"]
    head = "".join(f"<th>{e(h)}</th>" for h in _pulse_head(t))
    body = "".join("<tr>" + f"<td>{e(p.week)}</td>" + "".join(
        f'<td class="n">{e(c)}</td>' for c in _pulse_cells(p, t, m)) + "</tr>" for p in points)
    return out + [f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"]


def report_learning(store, week: str, line: str | None, station: str | None,
                    min_size: int, pulse_weeks: int = 8) -> LearningFigures:
    """The figures for the report of `week`: the tries planned that week, and the pulse of the
    `pulse_weeks` weeks up to it."""
    year, number = week.split("-W")
    monday = date.fromisocalendar(int(year), int(number), 1)
    weeks = []
    for back in range(pulse_weeks - 1, -1, -1):
        y, w, _ = (monday - timedelta(weeks=back)).isocalendar()
        weeks.append(f"{y:04d}-W{w:02d}")
    return learning_figures(store, plan_weeks=[week], pulse_weeks=weeks, min_size=min_size,
                            line=line, station=station)


def insights_learning(store, *, min_size: int, weeks: int = 12, line=None, station=None,
                      date_from=None, date_to=None, now=None) -> LearningFigures:
    """The figures for the insights: tries planned and the pulse of the last `weeks` weeks."""
    from kiosk.review.insights import recent_weeks

    keys = recent_weeks(now or datetime.now(timezone.utc), weeks)
    return learning_figures(store, plan_weeks=keys, pulse_weeks=keys, min_size=min_size,
                            line=line, station=station, date_from=date_from, date_to=date_to)
