"""Saving the team-meeting report at the supervisor station: Markdown and HTML files in the
data folder's reports/ folder, one pair per ISO week (a new save of the week replaces them)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.review.report import Report, render
from kiosk.durable import atomic_write_bytes

REPORTS_FOLDER = "reports"


@dataclass(frozen=True)
class SavedReport:
    markdown: str  # the report as Markdown (what the station shows)
    md_path: Path
    html_path: Path


def save_report(report: Report, data_dir: Path, language: str) -> SavedReport:
    """Write `report` as report-<week>.md and .html under data_dir/reports/ (each file atomic)."""
    markdown = render(report, "md", language)
    folder = data_dir / REPORTS_FOLDER
    folder.mkdir(exist_ok=True)
    stem = f"report-{report.week}"
    md_path, html_path = folder / f"{stem}.md", folder / f"{stem}.html"
    atomic_write_bytes(md_path, markdown.encode())
    atomic_write_bytes(html_path, render(report, "html", language).encode())
    return SavedReport(markdown, md_path, html_path)
