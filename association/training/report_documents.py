"""The attendance report as people take it away: what its page and PDF show (tables and charts), and
its CSV. Numbers only: nothing here reads a name, a title or who was on a register."""

from __future__ import annotations

import io

from flask import render_template

from ..core.csv_safety import csv_writer
from ..core.database import utcnow
from ..core.pdf import render_pdf
from . import charts
from .report import AttendanceReport, Figures, Period, attendance_report, hours_number, month_words, no_show_words


def page_values(period: Period) -> dict:
    """What report.html and report_document.html draw: the report, its charts and the helpers."""
    found = attendance_report(period)
    return {
        "report": found,
        "people_chart": None if found.is_empty else charts.people_chart(found),
        "hours_chart": charts.hours_chart(found) if found.has_training else None,
        "hours": hours_number,
        "month_words": month_words,
        "no_show": no_show_words,
    }


def report_pdf(period: Period) -> bytes:
    """The report as a tagged PDF, with the same tables and charts as the page."""
    html = render_template("training/report_document.html", generated_at=utcnow(), **page_values(period))
    return render_pdf(html)


CSV_HEADINGS = [
    "Kind of event",
    "Month",
    "Meetings held",
    "Adults who came",
    "Children who came",
    "People who came",
    "Hours of training held",
    "Learner hours",
    "Said they were going (marked)",
    "Marked absent",
    "No-show rate (%)",
    "Said they were going, not marked",
]


def _row(kind: str, month: str, figures: Figures) -> list:
    rate = figures.no_show_rate
    return [
        kind,
        month,
        figures.meetings,
        figures.adults,
        figures.children,
        figures.people,
        hours_number(figures.training_minutes),
        hours_number(figures.learner_minutes),
        figures.expected,
        figures.absent,
        "" if rate is None else f"{rate * 100:.1f}",
        figures.unmarked,
    ]


def report_rows(found: AttendanceReport) -> list[list]:
    """Each kind of event month by month, then its total; then every kind together."""
    rows = []
    for kind in found.kinds:
        for month, figures in kind.months.items():
            rows.append(_row(kind.label, f"{month:%Y-%m}", figures))
        rows.append(_row(kind.label, "All months", kind.total))
    for month, figures in found.months.items():
        rows.append(_row("All kinds", f"{month:%Y-%m}", figures))
    rows.append(_row("All kinds", "All months", found.total))
    return rows


def report_csv(period: Period) -> str:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(CSV_HEADINGS)
    writer.writerows(report_rows(attendance_report(period)))
    return out.getvalue()
