"""What the check reports: one Finding per piece of text that a place may not hold."""

from __future__ import annotations

from dataclasses import dataclass

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


def make(text: str, start: int, end: int, category: str, kind: str, advice: str, summary: str | None = None) -> Finding:
    """A finding for text[start:end], trimmed of surrounding spaces and punctuation."""
    while start < end and (text[start] in " \t\n,;:" or (text[start] == "(" and ")" not in text[start:end])):
        start += 1
    while end > start and (text[end - 1] in " \t\n,;:." or (text[end - 1] == ")" and "(" not in text[start:end])):
        end -= 1
    words = text[start:end]
    return Finding(category, kind, words, start, end, advice, summary or f"a {kind}: {words}")
