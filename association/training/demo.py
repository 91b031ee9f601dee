"""Demo training: topics, the details of the coming training day, a training held last month with
its register taken, a peer-support evening's register, and a carer's own first-aid course that is
due for renewal (so "My training" shows each of its parts)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from ..core.timefmt import local_today, local_zone
from ..events.models import RSVP, Event, RsvpResponse
from ..extensions import db
from ..members.models import MemberStatus
from . import courses, registers
from .models import TrainingEntry, TrainingTopic

# The committee's starting list when the database was made without migrations (the migration adds
# the same list to a new database).
DEMO_TOPICS = {
    "Safeguarding": 36,
    "First aid": 36,
    "Paediatric first aid": 36,
    "Attachment and trauma": None,
    "Managing allegations": None,
    "Recording and record keeping": None,
    "Online safety": 36,
    "TSD 6: Keeping children and young people safe": None,
}


def _at(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), local_zone()).astimezone(UTC).replace(tzinfo=None)


def _topics() -> dict[str, TrainingTopic]:
    found = {t.name: t for t in db.session.scalars(select(TrainingTopic))}
    for name, months in DEMO_TOPICS.items():
        if name not in found:
            found[name] = TrainingTopic(name=name, validity_months=months)
            db.session.add(found[name])
    db.session.flush()
    return found


def seed_training(members: dict) -> None:
    admin = members["admin@example.org"]
    carer = members["carer@example.org"]
    topics = _topics()
    today = local_today()
    carers = [m for m in members.values() if m.status == MemberStatus.ACTIVE and m.id != carer.id]

    coming = db.session.scalar(select(Event).where(Event.kind == "training").order_by(Event.starts_at))
    if coming is not None:
        courses.save_course(
            coming,
            6 * 60,
            "Explain how early trauma shapes a child's behaviour.\nUse three ways of responding that build trust.",
            [topics["Attachment and trauma"].id],
            admin,
        )

    held_day = today - timedelta(days=9)
    held = Event(
        kind="training",
        title="Managing allegations: knowing what to expect",
        starts_at=_at(held_day, 10),
        ends_at=_at(held_day, 13),
        venue_name="County Hall, Room 4",
        organiser_id=admin.id,
        visibility="members",
        takes_register=True,
    )
    peer = Event(
        kind="peer_support",
        title="Peer support coffee morning",
        starts_at=_at(held_day + timedelta(days=2), 10),
        ends_at=_at(held_day + timedelta(days=2), 11, 30),
        venue_name="The Old Mill Café",
        organiser_id=admin.id,
        visibility="members",
        takes_register=True,
    )
    db.session.add_all([held, peer])
    db.session.flush()
    courses.save_course(
        held,
        3 * 60,
        "Describe what happens when an allegation is made.\nKnow where to find independent support.",
        [topics["Managing allegations"].id, topics["Safeguarding"].id],
        admin,
    )
    for event, people in ((held, [carer, *carers[:9]]), (peer, [carer, *carers[9:15]])):
        for member in people:
            db.session.add(RSVP(event_id=event.id, member_id=member.id, response=RsvpResponse.GOING, adults=1))
        db.session.flush()
        registers.mark(event, {m.id: i % 5 != 4 for i, m in enumerate(people)}, admin)
    registers.add_guest(held, "Sam Okafor", "Fostering service", admin)

    db.session.add(
        TrainingEntry(
            member_id=carer.id,
            title="Emergency first aid at work",
            provider="St John Ambulance",
            completed_on=today - timedelta(days=3 * 365 - 40),
            minutes=6 * 60,
            topics=[topics["First aid"]],
        )
    )
    db.session.flush()
