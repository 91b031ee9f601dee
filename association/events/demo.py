"""Demo events: a monthly peer-support series, a holiday social, training, a speaker, meetings."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from ..core.timefmt import local_today, local_zone
from ..extensions import db
from ..members.models import MemberStatus
from .models import RSVP, RsvpResponse
from .recurrence import build_rule
from .scheduling import EventDetails, cancel_event, create_event


def _at(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), local_zone()).astimezone(UTC).replace(tzinfo=None)


def _next_weekday(start, weekday: int, nth: int = 1):
    """The nth given weekday of the month after ``start``'s month."""
    first = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
    offset = (weekday - first.weekday()) % 7
    return first + timedelta(days=offset + 7 * (nth - 1))


def seed_events(members: dict) -> None:
    admin = members["admin@example.org"]
    today = local_today()
    carers = [m for m in members.values() if m.status == MemberStatus.ACTIVE]

    first_tuesday = _next_weekday(today, 1)
    details = EventDetails(
        kind="peer_support",
        title="Monthly peer support evening",
        starts_at=_at(first_tuesday, 19),
        ends_at=_at(first_tuesday, 21),
        venue_name="Riverside Community Centre",
        venue_address="Mill Street, Riverside",
        description_md="A relaxed evening to talk through the month with carers who understand. "
        "Tea, coffee and biscuits; newer carers are very welcome.\n\n"
        "*What's said in the group stays in the group.*",
        capacity=20,
        bring_a_dish=False,
        accessibility_notes="Step-free entrance; hearing loop in the main hall.",
    )
    series = create_event(details, admin, build_rule("monthly_weekday", datetime.combine(first_tuesday, time(19))))

    half_term = today + timedelta(days=(5 - today.weekday()) % 7 + 14)
    social = create_event(
        EventDetails(
            kind="social",
            title="Holiday picnic and games in the park",
            starts_at=_at(half_term, 12),
            ends_at=_at(half_term, 15),
            venue_name="Hadley Park bandstand",
            venue_address="Park Road, Hadley",
            map_url="https://www.openstreetmap.org/",
            visibility="members",
            children_welcome=True,
            age_bands="0-4,5-10,11-15",
            bring_a_dish=True,
            capacity=60,
            description_md="Bring a blanket and a dish to share. Games for all ages, and a quiet corner.",
        ),
        admin,
    )

    training_day = today + timedelta(days=24)
    training = create_event(
        EventDetails(
            kind="training",
            title="Understanding trauma and attachment (full day)",
            starts_at=_at(training_day, 0),
            ends_at=_at(training_day + timedelta(days=1), 0),
            all_day=True,
            venue_name="County Hall, Room 4",
            description_md="Run with the fostering service's training team; counts towards your development standards.",
            capacity=25,
            rsvp_deadline=_at(training_day - timedelta(days=5), 23, 59),
        ),
        admin,
    )

    speaker_day = today + timedelta(days=10)
    create_event(
        EventDetails(
            kind="guest_speaker",
            title="Guest speaker: supporting education and PEPs",
            starts_at=_at(speaker_day, 19, 30),
            ends_at=_at(speaker_day, 21),
            visibility="public",
            venue_name="Riverside Library",
            online_url="https://meet.example.org/association-speaker",
            description_md="A virtual school head talks about Personal Education Plans and how carers can help.",
        ),
        admin,
    )

    strategy_day = today + timedelta(days=18)  # a weekday evening, before the next service meeting
    while strategy_day.weekday() > 3:
        strategy_day -= timedelta(days=1)
    create_event(
        EventDetails(
            kind="strategy",
            title="Foster Strategy Group: preparing the feedback pack",
            starts_at=_at(strategy_day, 18),
            ends_at=_at(strategy_day, 19, 30),
            visibility="strategy",
            online_url="https://meet.example.org/strategy",
        ),
        members["strategy@example.org"],
    )

    cancelled_day = today + timedelta(days=6)
    cancelled = create_event(
        EventDetails(
            kind="social",
            title="Coffee morning",
            starts_at=_at(cancelled_day, 10),
            ends_at=_at(cancelled_day, 11, 30),
            venue_name="The Old Mill Café",
            capacity=12,
        ),
        admin,
    )

    for member in carers[:8]:
        db.session.add(RSVP(event_id=series.id, member_id=member.id, response=RsvpResponse.GOING, adults=1, children=0))
    for i, member in enumerate(carers[8:20]):
        db.session.add(
            RSVP(
                event_id=social.id,
                member_id=member.id,
                response=RsvpResponse.GOING,
                adults=1 + i % 2,
                children=i % 4,
                note="Bringing a quiche" if i == 0 else "",
            )
        )
    for member in carers[20:26]:
        db.session.add(
            RSVP(event_id=training.id, member_id=member.id, response=RsvpResponse.GOING, adults=1, children=0)
        )
    db.session.add(
        RSVP(
            event_id=cancelled.id,
            member_id=members["carer@example.org"].id,
            response=RsvpResponse.GOING,
            adults=1,
            children=2,
        )
    )
    db.session.flush()
    cancel_event(cancelled, "The café has had a flood; we'll rearrange soon.", admin)
