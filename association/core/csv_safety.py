"""Every CSV the app writes goes through this writer, so no cell is ever run as a formula.

A spreadsheet opening a CSV runs a cell that starts with = + - or @ as a formula (CSV injection:
``=HYPERLINK(…)`` in a member's name or a pack's theme becomes a live link, or worse). Excel and
LibreOffice skip a leading TAB, CR or LF and then read the formula, and some spreadsheets turn the
full-width signs ＝ ＋ － ＠ into the ASCII ones. A single quote in front makes such a cell plain
text in all of them; nothing else is changed. A test fails if any module of the app uses
``csv.writer`` or ``csv.DictWriter`` itself.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_cell(value) -> str:
    """``value`` as text, with a leading quote when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """``csv.writer`` whose every cell, header included, goes through ``safe_cell``."""

    def __init__(self, stream: IO[str], **options):
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: IO[str], **options) -> SafeWriter:
    """The writer for every CSV the app produces (see the module docstring)."""
    return SafeWriter(stream, **options)
