"""Dates of birth: a date in any common UK form with a word that makes it a birth date.

Not every date is a birthday: "the meeting on 12/03/2026" and "since 3 March" must pass, so a
date counts only near "born", "DOB", "date of birth", "birthday" or "turns 8 on".
"""

from __future__ import annotations

import re

from .finding import Finding, make

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_YEAR = r"(?:(?:19|20)\d{2}|'?\d{2})"
DATE = re.compile(
    r"(?<![\w/.])(?:"
    # 03/04/2015, 3.4.15
    rf"(?:0?[1-9]|[12]\d|3[01])\s?[/.\-]\s?(?:0?[1-9]|1[0-2])\s?[/.\-]\s?(?:(?:19|20)\d{{2}}|\d{{2}})(?![\d/])"
    rf"|(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?"  # 3rd of April 2015, 3 Apr 15, 3rd April
    rf"|{_MONTH}\s+(?:the\s+)?{_DAY}(?:,?\s+{_YEAR})?"  # April 3rd, 2015
    rf"|{_MONTH}\s+(?:19|20)\d{{2}}"  # April 2015 (with "born", a month and year is enough)
    r")(?!\w)",
    re.IGNORECASE,
)
BIRTH_BEFORE = re.compile(
    r"(?:\bd\.?\s?o\.?\s?b\b\.?|\bdate\s+of\s+birth|\bborn\b|\bbirth\s?day|\bb[-'’]?day|\bbday|"
    r"\bturn(?:s|ed|ing)?\s+\d{1,2}\b|\b(?:is|was)\s+\d{1,2}\s+on\b|"
    r"\bwill\s+be\s+\d{1,2}\s+on)[^.!?\n\d]{0,25}$",
    re.IGNORECASE,
)
BIRTH_AFTER = re.compile(r"^[^.!?\n]{0,20}\b(?:birth\s?day|b[-'’]?day|bday|date\s+of\s+birth|dob)\b", re.IGNORECASE)


# "18 on 02/05/2008": an age, then the date on which it is reached — a birthday when the years agree.
AGE_ON = re.compile(r"\b(\d{1,2})\s+on\s+(?:the\s+)?$", re.IGNORECASE)
_YEAR_IN = re.compile(r"((?:19|20)\d{2}|\d{2})\W*$")


def _age_matches_year(before: str, date: str) -> bool:
    age, year = AGE_ON.search(before), _YEAR_IN.search(date)
    if not (age and year):
        return False
    born = int(year.group(1))
    if born < 100:
        born += 2000 if born <= date_today().year % 100 else 1900
    return abs(date_today().year - born - int(age.group(1))) <= 1


def date_today():
    from datetime import date

    return date.today()


def find_birth_dates(text: str) -> list[Finding]:
    findings = []
    for match in DATE.finditer(text):
        before = text[max(0, match.start() - 45) : match.start()]
        after = text[match.end() : match.end() + 30]
        if BIRTH_BEFORE.search(before) or BIRTH_AFTER.search(after) or _age_matches_year(before, match.group(0)):
            start = match.start()
            if text[start : start + 4].lower() == "the ":
                start += 4
            findings.append(
                make(
                    text,
                    start,
                    match.end(),
                    "date of birth",
                    "date that could be a birthday",
                    "Remove the date of birth; an age like “7” or “primary age” is enough.",
                    f"a date of birth: {text[start : match.end()].strip()}",
                )
            )
    return findings
