"""Places at an event: how many are taken, how a party splits over the places left, and the
waitlist that fills them in turn.

The one home of the capacity arithmetic: RSVPs (rsvps.py) and event edits (scheduling.py) both
count places and fill from the waitlist, and the listings (queries.py) count them in SQL, so all
of them ask here rather than each other.
"""

from __future__ import annotations

from sqlalchemy import and_, case, func, or_, select

from ..core.database import utcnow
from ..extensions import db
from ..mail.outbox import external_url, queue_email
from ..members.models import Member
from .models import RSVP, Event, RsvpResponse


def seats_taken(event_id: int) -> int:
    """Places taken at the event: adults and children of every party going."""
    return (
        db.session.scalar(
            select(func.coalesce(func.sum(RSVP.adults + RSVP.children), 0)).where(
                RSVP.event_id == event_id, RSVP.response == RsvpResponse.GOING
            )
        )
        or 0
    )


def seats_taken_column():
    """Places taken at the event of the enclosing query's row, as a correlated subquery: summing
    only the listed events' replies (index on event_id, response), never every reply there is."""
    return (
        select(func.coalesce(func.sum(RSVP.adults + RSVP.children), 0))
        .where(RSVP.event_id == Event.id, RSVP.response == RsvpResponse.GOING)
        .scalar_subquery()
    )


def split_party(adults: int, children: int, places: int) -> tuple[int, int]:
    """(adults, children) of a party that fit in ``places``: adults first."""
    booked_adults = min(adults, places)
    return booked_adults, min(children, places - booked_adults)


def _waiting():
    """Rows in the line: whole parties waiting, and parties going with some still waiting."""
    return or_(
        RSVP.response == RsvpResponse.WAITLISTED,
        and_(RSVP.response == RsvpResponse.GOING, RSVP.adults_waiting + RSVP.children_waiting > 0),
    )


def _seats_needed():
    return case(
        (RSVP.response == RsvpResponse.WAITLISTED, RSVP.adults + RSVP.children),
        else_=RSVP.adults_waiting + RSVP.children_waiting,
    )


def anyone_waiting(event_id: int, rsvp_id: int | None, free: int | None) -> bool:
    """Is someone already in line who would fit in the ``free`` places? They come first."""
    waiting = select(RSVP.id).where(RSVP.event_id == event_id, _waiting())
    if rsvp_id is not None:
        waiting = waiting.where(RSVP.id != rsvp_id)
    if free is not None:
        waiting = waiting.where(_seats_needed() <= free)
    return db.session.scalar(waiting.limit(1)) is not None


def fill_from_waitlist(event: Event) -> list[RSVP]:
    """Give free places to the waitlist in the order people joined it. A party too big for the
    places left keeps its turn while someone behind who fits comes in: a single free place is
    never left empty for a family of five. The rest of a partly booked party comes in whole, like
    any party. Call with the event locked (or in its edit)."""
    if event.capacity is None and not db.session.scalar(
        select(RSVP.id).where(RSVP.event_id == event.id, _waiting()).limit(1)
    ):
        return []
    taken = seats_taken(event.id)
    promoted = []
    waiting = db.session.scalars(
        select(RSVP).where(RSVP.event_id == event.id, _waiting()).order_by(RSVP.waitlisted_at, RSVP.id)
    )
    for rsvp in waiting:
        needed = rsvp.seats if rsvp.response == RsvpResponse.WAITLISTED else rsvp.seats_waiting
        if event.capacity is not None and taken + needed > event.capacity:
            continue
        if rsvp.response == RsvpResponse.GOING:
            rsvp.adults += rsvp.adults_waiting
            rsvp.children += rsvp.children_waiting
            rsvp.adults_waiting = rsvp.children_waiting = 0
        rsvp.response, rsvp.waitlisted_at, rsvp.updated_at = RsvpResponse.GOING, None, utcnow()
        taken += needed
        promoted.append(rsvp)
    if promoted:
        _tell_promoted(event, promoted)
    return promoted


def _tell_promoted(event: Event, promoted: list[RSVP]) -> None:
    members = {
        m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_([r.member_id for r in promoted])))
    }
    url = external_url("events.detail", event_id=event.id)
    for rsvp in promoted:
        member = members[rsvp.member_id]
        if member.email:
            queue_email(
                member.email,
                f"A place has come up: {event.title}",
                "event_place_available",
                member=member,
                kind="event_update",
                event=event,
                event_url=url,
                rsvp=rsvp,
            )
