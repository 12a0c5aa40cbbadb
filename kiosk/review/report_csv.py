"""The report as CSV: one row per entry shared with the team, for a spreadsheet (`kiosk report
--format csv`). Cells that a spreadsheet would run as a formula are kept as text."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.review.report import Report

CSV_COLUMNS = ("id", "created", "week", "line", "station", "kind", "category", "status",
               "status_reason", "headline", "what_happened", "noticed", "learned", "next_step",
               "answers", "first_answer", "language")


def render_csv(report: Report) -> str:
    """One row per entry shared with the team; stable English column names."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in report.shared:
        answers = " | ".join(r.text for r in e.responses)
        first = min((r.at for r in e.responses), default="")
        row = (e.id, e.created, report.week, e.line, e.station, e.kind, e.category, e.status,
               e.status_reason, e.headline, e.what_happened, e.noticed, e.learned, e.next_step,
               answers, first, e.language)
        writer.writerow([_csv_cell(v) for v in row])
    return buffer.getvalue()


def _csv_cell(value: str) -> str:
    # A spreadsheet would run a cell starting with = + - @ as a formula: keep it text.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
