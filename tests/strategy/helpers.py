"""Strategy group set-up for tests."""

from __future__ import annotations

from datetime import timedelta

from association.core.database import utcnow
from association.extensions import db
from association.members.models import Member
from association.strategy.items import NewItem, raise_item, triage
from association.strategy.meetings import Attendee, MeetingDetails, save_meeting
from association.strategy.models import Theme

ATTENDEE = Attendee("Helen Price", "Team manager", "helen.price@service.example.org")


def add_theme(app, name="Communication with social workers") -> int:
    with app.app_context():
        theme = Theme(name=name)
        db.session.add(theme)
        db.session.commit()
        return theme.id


def add_meeting(app, days_ahead: int = 20, **fields) -> int:
    with app.app_context():
        meeting = save_meeting(
            MeetingDetails(
                held_at=utcnow() + timedelta(days=days_ahead), attendees=fields.pop("attendees", [ATTENDEE]), **fields
            )
        )
        return meeting.id


def add_item(
    app,
    author_id: int,
    text="Calls to the duty team go unanswered after 3pm",
    *,
    kind="issue",
    anonymous=True,
    theme_id=None,
    meeting_id=None,
    strategist_id=None,
) -> int:
    with app.app_context():
        item = raise_item(
            NewItem(kind=kind, what_happened=text, anonymous=anonymous, theme_id=theme_id),
            db.session.get(Member, author_id),
        )
        if meeting_id is not None:
            triage(
                item,
                db.session.get(Member, strategist_id or author_id),
                theme_id=theme_id,
                wording=text,
                meeting_id=meeting_id,
            )
        return item.id
