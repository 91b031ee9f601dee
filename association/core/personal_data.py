"""The personal-data check for anything written for others (forum posts, feedback items, packs).

It looks for what could identify a child or a family: phone numbers, email addresses, full UK
postcodes, dates that look like a birth date, and names after words such as "called", "named"
or "my foster son". It is deliberately cautious: a false alarm costs a moderator a minute; a
missed name can cost a child's privacy. Each finding says, in plain words, what to change.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape


# Where a text is written decides what it may hold (DESIGN.md, "Rules that protect people"):
# - "service": strategy items, pack wording, "you said, we did", anything sent to the service —
#   no person's name at all (child, carer, birth parent, social worker), no street address,
#   school or nursery, no date of birth, no contact details;
# - "community": forum titles and posts, event titles and descriptions, campaign subjects and
#   bodies — no child's or birth-family member's name, no address, school, date of birth or
#   contact details of anyone; members' first names used to address each other are fine.
PLACES = ("service", "community")
# What a finding is about, for advice, counts and the benchmark.
CATEGORIES = ("name", "address", "school", "date of birth", "contact")


@dataclass(frozen=True)
class Finding:
    category: str  # one of CATEGORIES
    kind: str  # in plain words, e.g. "phone number", "child's name", "street address"
    text: str  # the words found, as written
    start: int  # where in the checked text (text[start:end] == self.text)
    end: int
    advice: str  # to the author, second person: what to change
    summary: str  # to a moderator or the strategy group, third person: "a child's name: Tyler"


PHONE = re.compile(r"(?<!\w)(?:\+44\s?\(?0?\)?\s?|\(?0)(?:\d[\s\-()]?){9,10}(?!\d)")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
POSTCODE = re.compile(r"\b(?:GIR\s?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE)
_MONTHS = ("jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|"
           "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
NUMERIC_DATE = re.compile(r"\b(?:0?[1-9]|[12]\d|3[01])[/.\-](?:0?[1-9]|1[0-2])[/.\-](?:19|20)?\d{2}\b")
WORDY_DATE = re.compile(rf"\b(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\s+(?:19|20)\d{{2}}\b",
                        re.IGNORECASE)
BIRTH_WORDS = re.compile(r"\b(?:born|birthday|d\.?o\.?b\.?|date of birth)\b", re.IGNORECASE)
NAME_CUES = re.compile(
    # The cue words in any case (scoped (?i:…)); the name itself must start with a capital.
    r"\b(?i:called|named|name is|name's|known as|"
    r"(?:my|our|the|her|his|their)\s+(?:little\s+|eldest\s+|youngest\s+)?"
    r"(?:foster\s+|birth\s+|adopted\s+|step\s*)?"
    r"(?:son|daughter|child|boy|girl|baby|lad|toddler|teen|teenager|niece|nephew|grandson|granddaughter|kid|sibling|brother|sister)s?)"
    r"[\s,:\-]+((?:[A-Z][a-z'\-]+)(?:\s+[A-Z][a-z'\-]+)?)"
)
# Capitalised words that follow those cues without being names.
NOT_NAMES = {"I", "He", "She", "They", "We", "It", "The", "A", "An", "And", "But", "Is", "Was", "Has", "Had",
             "Who", "When", "Then", "So", "Our", "My", "Mum", "Dad", "Social", "School", "Monday", "Tuesday",
             "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "CAMHS", "Christmas", "Easter"}


def _finding(category: str, kind: str, match, advice: str, group: int = 0) -> Finding:
    text = match.group(group).strip()
    start = match.start(group) + (len(match.group(group)) - len(match.group(group).lstrip()))
    return Finding(category, kind, text, start, start + len(text), advice, f"{kind}: {text}")


def check_personal_data(text: str, place: str = "community") -> list[Finding]:
    """Everything in ``text`` that ``place`` may not hold; empty when it looks safe to share.

    ``place`` is "service" or "community" (see PLACES). Findings come in the order they appear.
    """
    if place not in PLACES:
        raise ValueError(f"unknown place {place!r}")
    text = text or ""
    findings: list[Finding] = []
    for match in EMAIL.finditer(text):
        findings.append(_finding("contact", "email address", match,
                                 "Remove the email address. Members can find each other in the directory."))
    for match in PHONE.finditer(text):
        findings.append(_finding("contact", "phone number", match,
                                 "Remove the phone number; share contact details privately instead."))
    for match in POSTCODE.finditer(text):
        findings.append(_finding("address", "postcode", match, "Remove the full postcode; a town or area is enough."))
    for pattern in (NUMERIC_DATE, WORDY_DATE):
        for match in pattern.finditer(text):
            near = text[max(0, match.start() - 40): match.end() + 40]
            if BIRTH_WORDS.search(near) or pattern is NUMERIC_DATE:
                findings.append(_finding("date of birth", "date that could be a birthday", match,
                                         "Remove the date, or say just the month or an age range."))
    for match in NAME_CUES.finditer(text):
        name = match.group(1)
        if name.split()[0] in NOT_NAMES:
            continue
        findings.append(_finding("name", "name", match,
                                 f"Remove the name “{name}”. Say “a child in my care” or a description like "
                                 f"“my 10-year-old” instead.", group=1))
    return sorted(findings, key=lambda f: f.start)


def explain(findings: list[Finding]) -> str:
    """One kind, plain paragraph for the author."""
    kinds = sorted({f.kind for f in findings})
    return ("To keep children and families safe, we hold back posts that might identify someone. "
            f"Yours seems to include: {', '.join(kinds)}. " + " ".join(dict.fromkeys(f.advice for f in findings)))


def summarise(findings: list[Finding]) -> str:
    """One third-person line for a moderator or the strategy group: what the text seems to hold."""
    return "This seems to include " + "; ".join(dict.fromkeys(f.summary for f in findings)) + "."


def highlight(text: str, findings: list[Finding]) -> Markup:
    """``text`` escaped, with each finding wrapped in <mark>: for moderators and the strategy group."""
    parts, at = [], 0
    for finding in sorted(findings, key=lambda f: f.start):
        if finding.start < at:
            continue  # overlapping findings: the first one marks the words
        parts.append(escape(text[at:finding.start]))
        parts.append(Markup('<mark title="{}">{}</mark>').format(finding.kind, text[finding.start:finding.end]))
        at = finding.end
    parts.append(escape(text[at:]))
    return Markup("").join(parts)
