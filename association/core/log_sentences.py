"""Log entries as sentences for people: plain words with the named things (members, threads,
meetings) to be linked by the template. Used by the audit log and the forum's moderation log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Named:
    """Something an entry is about: its name and, when there is a page for it, a link."""

    text: str
    url: str | None = None


GONE = Named("something since removed")


@dataclass(frozen=True)
class Sentence:
    """An entry as a sentence: plain text and named things, in order (the template links the latter)."""

    parts: tuple[str | Named, ...]


@dataclass(frozen=True)
class LogLine:
    at: datetime
    actor: Named
    sentence: Sentence
    detail: str
    action: str  # the code, kept for filtering


def sentence(pattern: str, names: dict[str, Named]) -> Sentence:
    """``pattern`` ("approved {subject}'s application") with each {key} replaced by names[key]."""
    parts: list[str | Named] = []
    rest = pattern
    while "{" in rest:
        before, _, after = rest.partition("{")
        key, _, rest = after.partition("}")
        parts += [before, names.get(key, GONE)]
    parts.append(rest)
    return Sentence(tuple(p for p in parts if p != ""))


def humanise(code: str) -> str:
    """A code nobody wrote words for yet, made readable ("mail.campaign_queued" -> "campaign queued")."""
    return code.split(".")[-1].replace("_", " ")
