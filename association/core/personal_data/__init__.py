"""The personal-data check for anything written for others (forum posts, feedback items, packs).

It looks for what could identify a child or a family: people's names anywhere in the text (from
first-name lists, what the app knows about its members, and context), street addresses, schools
and nurseries, dates of birth, and contact details. Which of those a text may hold depends on
its place (PLACES). It is deliberately cautious: a false alarm costs a moderator a minute; a
missed name can cost a child's privacy. Each finding says, in plain words, what to change.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from .contact import find_contact
from .dates import find_birth_dates
from .finding import CATEGORIES, PLACES, Finding
from .known import KnownPeople, drop_known_people_on_change, forget_known_people, known_people, register_known_people
from .names import find_names
from .places import find_addresses, find_schools
from .vocabulary import vocabulary

__all__ = [
    "PLACES",
    "CATEGORIES",
    "Finding",
    "KnownPeople",
    "CheckedText",
    "check_personal_data",
    "check_parts",
    "explain",
    "summarise",
    "highlight",
    "register_known_people",
    "forget_known_people",
    "drop_known_people_on_change",
    "warm_up",
]


def check_personal_data(text: str, place: str = "community", *, known: KnownPeople | None = None) -> list[Finding]:
    """Everything in ``text`` that ``place`` may not hold; empty when it looks safe to share.

    ``place`` is "service" or "community" (see PLACES). Findings come in the order they appear
    and never overlap. ``known`` replaces the registered members' names (for tests and the
    benchmark); by default they come from the providers, cached (see known.py).
    """
    if place not in PLACES:
        raise ValueError(f"unknown place {place!r}")
    text = text or ""
    if not text.strip():
        return []
    people = known if known is not None else known_people  # called only if a word could be a member's
    # Order matters where findings overlap: a more specific finding keeps the words.
    found = (
        find_contact(text)
        + find_birth_dates(text)
        + find_schools(text)
        + find_addresses(text)
        + find_names(text, place, people)
    )
    kept: list[Finding] = []
    for finding in found:
        if not any(finding.start < other.end and other.start < finding.end for other in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)


def warm_up() -> None:
    """Load the word lists now rather than on the first check (at app start, or before a benchmark
    measures memory: the lists are the check's whole extra memory)."""
    vocabulary()


def explain(findings: list[Finding]) -> str:
    """One kind, plain paragraph for the author."""
    if not findings:
        return ""
    kinds = list(dict.fromkeys(f.kind for f in findings))
    return (
        "To keep children and families safe, we hold back writing that might identify someone. "
        f"Yours seems to include: {', '.join(kinds)}. " + " ".join(dict.fromkeys(f.advice for f in findings))
    )


def summarise(findings: list[Finding]) -> str:
    """One third-person line for a moderator or the strategy group: what the text seems to hold."""
    if not findings:
        return ""
    return "This seems to include " + "; ".join(dict.fromkeys(f.summary for f in findings)) + "."


def highlight(text: str, findings: list[Finding]) -> Markup:
    """``text`` escaped, with each finding wrapped in <mark>: for moderators and the strategy group."""
    parts, at = [], 0
    for finding in sorted(findings, key=lambda f: f.start):
        if finding.start < at:
            continue  # overlapping findings: the first one marks the words
        parts.append(escape(text[at : finding.start]))
        parts.append(Markup('<mark title="{}">{}</mark>').format(finding.kind, text[finding.start : finding.end]))
        at = finding.end
    parts.append(escape(text[at:]))
    return Markup("").join(parts)


@dataclass(frozen=True)
class CheckedText:
    """One labelled part of something written for others (a subject, a description) with what the
    check found in it: what warning pages show, highlighted, to the person who wrote it."""

    label: str
    text: str
    findings: tuple[Finding, ...]

    @property
    def highlighted(self) -> Markup:
        return highlight(self.text, list(self.findings))

    @property
    def summary(self) -> str:
        return summarise(list(self.findings))


def check_parts(parts, place: str) -> list[CheckedText]:
    """Check each (label, text) of ``parts``; only the parts where something was found, in order."""
    checked = [CheckedText(label, text or "", tuple(check_personal_data(text or "", place))) for label, text in parts]
    return [part for part in checked if part.findings]
