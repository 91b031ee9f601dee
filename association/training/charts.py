"""The attendance report's charts: SVG drawn on the server with pygal, put straight into the page
and the PDF, with no script and no style sheet of their own.

pygal styles a chart with a ``<style>`` element and adds a ``<script>``; the site's Content Security
Policy allows neither inline, so both are taken out and the colours and fonts are written on the
elements as SVG presentation attributes instead, which the browser and WeasyPrint both read. Each
chart is one image to a screen reader (``role="img"``), named by its ``<title>`` and described by
its ``<desc>``: every number in it is in the table beside it, which is the way to read them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from .report import AttendanceReport, hours_number

# Small for its text, so that the labels stay readable when a phone shrinks the chart to its width.
WIDTH, HEIGHT = 480, 300
TEXT = "#1f2933"
MUTED = "#4b5763"
GRID = "#c9ced3"
# Series colours: each 4.5:1 or more against white, and far apart from each other.
COLOURS = ("#0b5563", "#b35c00", "#5b3f8c")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
# pygal's own ids ("activate-serie-0") would repeat with two charts on a page.
DROPPED_ATTRIBUTES = ("id", "style")


@dataclass(frozen=True)
class Chart:
    """A chart ready to put in a page: the SVG, and the id of its caption."""

    svg: Markup
    caption_id: str


def _month_label(month: date, months: int) -> str:
    # Twelve months fit as "Apr"; over a longer period each label says its year.
    return f"{month:%b}" if months <= 12 else f"{month:%b %y}"


def _config(months: int) -> dict:
    every = 1 if months <= 12 else 4 if months <= 24 else 12
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "js": [],
        "css": [],
        "no_prefix": True,
        "disable_xml_declaration": True,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 2,
        "show_minor_x_labels": every == 1,
        "x_labels_major_every": every,
        "truncate_legend": -1,
        "truncate_label": -1,
        "print_values": False,
        "margin": 10,
        "min_scale": 3,
        "max_scale": 6,
        "show_x_guides": False,
    }


def _classes(element: ET.Element) -> set[str]:
    return set(element.get("class", "").split())


def _paint(root: ET.Element) -> None:
    """Colours and fonts as presentation attributes, where pygal's style sheet would put them."""
    root.set("font-family", FONT)
    root.set("fill", TEXT)
    for axis in root.iter("g"):
        if "axis" in _classes(axis):
            anchor = "end" if "y" in _classes(axis) else "middle"
            for label in axis.iter("text"):
                label.set("text-anchor", anchor)
    for element in root.iter():
        classes = _classes(element)
        tag = element.tag
        if tag == "rect" and "background" in classes:
            element.set("fill", "#ffffff")
        elif tag == "path" and "line" in classes:
            element.set("fill", "none")
            element.set("stroke", TEXT if "axis" in classes else GRID)
            element.set("stroke-width", "1")
        elif tag == "text":
            legend = element.get("class") is None
            element.set("font-size", "17" if legend else "15")
            element.set("fill", TEXT)
        for number, colour in enumerate(COLOURS):
            if f"color-{number}" in classes:
                element.set("fill", colour)
                element.set("stroke", colour)


def _clean(root: ET.Element) -> None:
    """Take out pygal's script, style sheet, tooltip machinery, comments, ids and inline styles."""
    for parent in list(root.iter()):
        for child in list(parent):
            classes = _classes(child)
            if (
                child.tag in ("defs", "script", "style", "desc", "title")
                or not isinstance(child.tag, str)  # a comment
                or classes & {"tooltip-overlay", "text-overlay", "overlay", "titles"}
            ):
                parent.remove(child)
        if {"axis", "x"} <= _classes(parent):
            # pygal draws a line up from each month and hides it with its style sheet: not drawn here.
            for guide in parent.findall("g"):
                for line in guide.findall("path"):
                    guide.remove(line)
        for name in DROPPED_ATTRIBUTES:
            parent.attrib.pop(name, None)
        if "class" in parent.attrib:
            kept = [c for c in parent.get("class", "").split() if c not in ("reactive", "tooltip-trigger")]
            parent.set("class", " ".join(kept))


def _svg(chart, chart_id: str, title: str, description: str) -> Chart:
    root = chart.render_tree()
    _clean(root)
    _paint(root)
    root.set("class", "chart-svg")
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title")
    root.set("aria-describedby", f"{chart_id}-desc")
    root.set("focusable", "false")
    # Title and description first: screen readers and WeasyPrint's tags read them from there.
    described = ET.Element("desc", {"id": f"{chart_id}-desc"})
    described.text = description
    named = ET.Element("title", {"id": f"{chart_id}-title"})
    named.text = title
    root.insert(0, described)
    root.insert(0, named)
    # ElementTree escapes every text and attribute it writes: nothing here reaches the page raw.
    return Chart(Markup(ET.tostring(root, encoding="unicode")), f"{chart_id}-caption")


def _busiest(report: AttendanceReport, value) -> tuple[str, int]:
    month, figures = max(report.months.items(), key=lambda item: (value(item[1]), -item[0].toordinal()))
    return f"{month:%B %Y}", value(figures)


def people_chart(report: AttendanceReport) -> Chart:
    """People who came each month, adults and children stacked."""
    import pygal

    months = report.period.months
    chart = pygal.StackedBar(**_config(len(months)))
    chart.x_labels = [_month_label(m, len(months)) for m in months]
    chart.add("Adults", [report.months[m].adults for m in months])
    chart.add("Children", [report.months[m].children for m in months])
    busiest, most = _busiest(report, lambda f: f.people)
    description = (
        f"Bar chart of the people who came to meetings each month, {report.period.words}, adults and "
        f"children stacked. {report.total.adults} adults and {report.total.children} children in all"
        + (f"; the most in {busiest}, {most} people." if most else ".")
        + " The table beside it has every number."
    )
    return _svg(chart, "people-chart", "People who came each month", description)


def hours_chart(report: AttendanceReport) -> Chart:
    """Hours of training held each month."""
    import pygal

    months = report.period.months
    chart = pygal.Bar(**_config(len(months)), show_legend=False)
    chart.x_labels = [_month_label(m, len(months)) for m in months]
    chart.add("Hours of training held", [round(report.months[m].training_minutes / 60, 2) for m in months])
    busiest, most = _busiest(report, lambda f: f.training_minutes)
    description = (
        f"Bar chart of the hours of training held each month, {report.period.words}. "
        f"{hours_number(report.total.training_minutes)} hours in all"
        + (f"; the most in {busiest}, {hours_number(most)} hours." if most else ".")
        + " The table beside it has every number, with the learner hours."
    )
    return _svg(chart, "hours-chart", "Hours of training held each month", description)
