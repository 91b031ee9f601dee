"""The personal-data check on what an organiser writes about an event.

Events are a "community" place (DESIGN.md, "Rules that protect people"): no child's or birth-family
member's name, no address, school, date of birth or contact details of anyone. Unlike a forum post,
an event is not held back: a venue's public phone number or a speaker's work email may be exactly
right. So the organiser is warned, with the words found highlighted, and keeps them only by
pressing "Save anyway" on the very findings they were shown.

The venue's name and address are not checked: they are there to name a place, and only members
see them. The title, the description and the access notes are.
"""

from __future__ import annotations

import hashlib

from ..core.audit import record
from ..core.personal_data import CheckedText, check_parts
from ..extensions import db
from .scheduling import EventDetails

CHECKED = (("title", "Title"), ("description_md", "Description"), ("accessibility_notes", "Access information"))


def check_event_wording(details: EventDetails) -> list[CheckedText]:
    """The checked parts of an event in which the check found something, in the form's order."""
    return check_parts(((label, getattr(details, name)) for name, label in CHECKED), "community")


def findings_key(found: list[CheckedText]) -> str:
    """A short digest of exactly what was found where: "Save anyway" carries it, so it keeps only
    the findings the organiser was shown (a phone number added afterwards is shown again)."""
    raw = "\n".join(f"{part.label}|{f.category}|{f.kind}|{f.text}" for part in found for f in part.findings)
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def needs_confirming(details: EventDetails, confirmed_key: str | None) -> list[CheckedText]:
    """What the organiser must still confirm before saving ``details``: empty when nothing was found,
    or when ``confirmed_key`` is the key of these very findings."""
    found = check_event_wording(details)
    if not found or (confirmed_key or "") == findings_key(found):
        return []
    return found


def record_kept(event, details: EventDetails, by) -> None:
    """Write to the audit log that ``by`` kept wording the check had flagged (after "Save anyway"):
    a deliberate choice about personal data is on the record, with what was kept. Flushes."""
    found = check_event_wording(details)
    if found:
        record(
            "event.wording_kept",
            event,
            "kept after the personal-data warning: " + " ".join(part.summary for part in found),
            actor=by,
        )
        db.session.flush()
