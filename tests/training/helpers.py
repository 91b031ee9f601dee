"""Making training events, registers and topics in tests."""

from __future__ import annotations

from datetime import timedelta

from association.core.database import utcnow
from association.events.models import RSVP, Event, RsvpResponse
from association.extensions import db
from association.members.models import Member
from association.training import courses, registers
from association.training.models import TrainingTopic


def held_event(
    app, organiser_id: int, *, hours_ago: float = 1, kind: str = "training", title: str = "First aid"
) -> int:
    """An event that started ``hours_ago`` and lasts two hours."""
    with app.app_context():
        start = utcnow() - timedelta(hours=hours_ago)
        event = Event(
            kind=kind,
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            organiser_id=organiser_id,
            visibility="members",
            takes_register=True,
        )
        db.session.add(event)
        db.session.commit()
        return event.id


def going(app, event_id: int, *member_ids: int, adults: int = 1, children: int = 0) -> None:
    with app.app_context():
        for member_id in member_ids:
            db.session.add(
                RSVP(
                    event_id=event_id,
                    member_id=member_id,
                    response=RsvpResponse.GOING,
                    adults=adults,
                    children=children,
                )
            )
        db.session.commit()


def topic(app, name: str, months: int | None = None) -> int:
    with app.app_context():
        row = TrainingTopic(name=name, validity_months=months)
        db.session.add(row)
        db.session.commit()
        return row.id


def with_course(app, event_id: int, minutes: int = 180, topic_ids=(), outcomes: str = "Know what to do") -> None:
    with app.app_context():
        event = db.session.get(Event, event_id)
        courses.save_course(event, minutes, outcomes, list(topic_ids), None)
        db.session.commit()


def mark(app, event_id: int, marks: dict[int, bool], by: int) -> None:
    with app.app_context():
        registers.mark(db.session.get(Event, event_id), marks, db.session.get(Member, by))
        db.session.commit()
