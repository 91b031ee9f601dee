"""What the events part holds about a member, for their data download."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from .models import RSVP, Event


def export_rsvps(member) -> list[dict]:
    rows = db.session.execute(
        select(RSVP, Event.title, Event.starts_at)
        .join(Event, Event.id == RSVP.event_id)
        .where(RSVP.member_id == member.id)
        .order_by(Event.starts_at)
    ).all()
    return [
        {
            "event": title,
            "starts_at": starts.isoformat(),
            "response": r.response,
            "adults": r.adults,
            "children": r.children,
            "note": r.note,
        }
        for r, title, starts in rows
    ]
