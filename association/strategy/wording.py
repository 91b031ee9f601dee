"""The personal-data check as the strategy group uses it.

Everything the group handles goes to the service or to every member (items, pack wording,
"you said, we did", decline reasons), so every text is checked for the "service" place: no
person's name at all, no street address, school or nursery, no date of birth, no contact details.

Two ways to deal with a finding, depending on who wrote the words:
- what a carer raises, and pack wording, is *held*: saved, but seen only by the strategy group
  until a member rewords it or marks it reviewed with a reason (the pack can't be issued before);
- what the group writes for others to read at once (a decline reason, the service's answer) is
  *refused* with the advice, as the writer is there to reword it.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from ..core.personal_data import CATEGORIES, Finding, check_personal_data, explain, highlight, summarise

PLACE = "service"
# What the automatic check looks for, in the words the pack's statement uses (CATEGORIES' order).
CHECKED_FOR = {
    "name": "names",
    "address": "addresses",
    "school": "schools",
    "date of birth": "dates of birth",
    "contact": "contact details",
}


def findings(*texts: str) -> list[Finding]:
    """What may identify someone in any of ``texts`` (positions are within each text)."""
    return [f for text in texts if text for f in check_personal_data(text, PLACE)]


@dataclass(frozen=True)
class Checked:
    """A text as the strategy group reviews it: the findings marked in it, and a one-line summary."""

    findings: list[Finding]
    highlighted: Markup
    summary: str


def checked(text: str) -> Checked:
    found = findings(text)
    return Checked(found, highlight(text or "", found), summarise(found) if found else "")


def checked_for() -> str:
    """'names, addresses, schools, dates of birth and contact details'."""
    words = [CHECKED_FOR.get(c, c) for c in CATEGORIES]
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def refusal(found: list[Finding], reader: str) -> str:
    """Why a text the writer must reword was not saved: kind, plain, to the writer."""
    kinds = ", ".join(dict.fromkeys(f.kind for f in found))
    advice = " ".join(dict.fromkeys(f.advice for f in found))
    return f"{reader} will read this, and it seems to include: {kinds}. {advice}"


def held_advice(found: list[Finding]) -> str:
    """To a carer whose item was kept for the strategy group to reword: what to change next time."""
    return ("Only the strategy group can see it until they've reworded it. " + explain(found)) if found else ""
