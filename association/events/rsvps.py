"""Who is coming: RSVPs, capacity counted in people, and a first-come waitlist.

Every RSVP change starts by bumping the event's ``rsvp_version``. That UPDATE is the first
statement of its transaction, so it takes the write lock (SQLite) or the event row's lock
(PostgreSQL) before the places are counted: two requests for the last place are served one
after the other, and the capacity is never exceeded.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update

from ..core.database import utcnow
from ..extensions import db
from ..mail.outbox import external_url, queue_email
from ..members.models import Member
from .models import RSVP, Event
from .scheduling import seats_taken

MAX_PEOPLE = 20
NOTE_LENGTH = 200


class RSVPError(ValueError):
    """An answer we cannot take; ``str(error)`` says why in plain words."""


@dataclass
class RSVPOutcome:
    response: str
    message: str


@dataclass(slots=True)
class Reply:
    """One answer as an event's page shows it: the numbers, the note and who sent it."""

    member_id: int
    response: str
    adults: int
    children: int
    note: str
    name: str
    erased_at: datetime | None

    display_name = Member.display_name  # the members' own rule: a former member is not named


def replies_shown(event_id: int, viewer, everyone: bool) -> tuple[Reply | None, list[Reply]]:
    """The viewer's own answer, and (with ``everyone``) who is going and who is waiting, in the
    order the page lists them: one statement, reading a few columns and no member objects."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return None, []
    listed = RSVP.response.in_(("going", "waitlisted"))
    rows = db.session.execute(
        select(RSVP.member_id, RSVP.response, RSVP.adults, RSVP.children, RSVP.note, Member.name, Member.erased_at)
        .join(Member, Member.id == RSVP.member_id)
        .where(RSVP.event_id == event_id, or_(listed, RSVP.member_id == viewer.id) if everyone
               else RSVP.member_id == viewer.id)
        .order_by(RSVP.response, RSVP.waitlisted_at, RSVP.created_at)
    ).all()
    replies = [Reply(*row) for row in rows]
    mine = next((r for r in replies if r.member_id == viewer.id), None)
    return mine, [r for r in replies if r.response in ("going", "waitlisted")] if everyone else []


def check_numbers(adults: int, children: int, note: str) -> None:
    if not (0 <= adults <= MAX_PEOPLE and 0 <= children <= MAX_PEOPLE):
        raise RSVPError(f"Numbers of adults and children must be between 0 and {MAX_PEOPLE}.")
    if adults + children < 1:
        raise RSVPError("Tell us how many people are coming: at least one.")
    if len(note) > NOTE_LENGTH:
        raise RSVPError(f"Keep the note to {NOTE_LENGTH} characters.")


def _lock(event_id: int) -> Event:
    db.session.commit()  # start a fresh transaction whose first statement takes the lock
    db.session.execute(update(Event).where(Event.id == event_id).values(rsvp_version=Event.rsvp_version + 1))
    event = db.session.scalars(select(Event).where(Event.id == event_id).execution_options(populate_existing=True)).one()
    return event


def respond(event_id: int, member, going: bool, adults: int = 1, children: int = 0, note: str = "") -> RSVPOutcome:
    """Record ``member``'s answer. Commits; on an RSVPError nothing is stored."""
    note = (note or "").strip()
    if going:
        check_numbers(adults, children, note)
    try:
        event = _lock(event_id)
        outcome = _respond_locked(event, member, going, adults, children, note)
        db.session.commit()
        return outcome
    except Exception:
        db.session.rollback()
        raise


def _respond_locked(event: Event, member, going: bool, adults: int, children: int, note: str) -> RSVPOutcome:
    now = utcnow()
    rsvp = db.session.scalars(select(RSVP).where(RSVP.event_id == event.id, RSVP.member_id == member.id)
                              .execution_options(populate_existing=True)).one_or_none()
    if event.is_cancelled:
        raise RSVPError("This event has been cancelled.")
    if event.ends_at <= now:
        raise RSVPError("This event has already happened.")
    if going and event.rsvp_deadline is not None and now > event.rsvp_deadline:
        raise RSVPError("The deadline for replies has passed. Please contact the organiser.")
    if rsvp is None:
        rsvp = RSVP(event_id=event.id, member_id=member.id, response="not_going", adults=0, children=0)
        db.session.add(rsvp)
    was = rsvp.response
    if not going:
        rsvp.response, rsvp.waitlisted_at, rsvp.updated_at = "not_going", None, now
        db.session.flush()
        fill_from_waitlist(event)
        return RSVPOutcome("not_going", "Thanks for letting us know you can't come.")
    others = seats_taken(event.id) - (rsvp.seats if was == "going" else 0)
    fits = event.capacity is None or others + adults + children <= event.capacity
    if not fits and was == "going":
        left = max(event.capacity - others, 0)
        raise RSVPError(f"There's only room for {left} {'person' if left == 1 else 'people'} in your party, so we "
                        f"couldn't change your numbers. Your earlier reply still stands.")
    rsvp.adults, rsvp.children, rsvp.note, rsvp.updated_at = adults, children, note, now
    if fits and (was == "going" or not _anyone_waiting(event.id, rsvp.id, event.capacity - others if event.capacity else None)):
        rsvp.response, rsvp.waitlisted_at = "going", None
        db.session.flush()
        fill_from_waitlist(event)  # fewer seats than before can let someone in
        return RSVPOutcome("going", "You're going. See you there!")
    if was != "waitlisted":
        rsvp.waitlisted_at = now
    rsvp.response = "waitlisted"
    return RSVPOutcome("waitlisted", "The event is full, so you're on the waiting list. "
                                     "We'll email you if a place frees up.")


def _anyone_waiting(event_id: int, rsvp_id: int | None, free: int | None) -> bool:
    """Is someone already in line who would fit in the ``free`` places? They come first."""
    waiting = select(RSVP.id).where(RSVP.event_id == event_id, RSVP.response == "waitlisted")
    if rsvp_id is not None:
        waiting = waiting.where(RSVP.id != rsvp_id)
    if free is not None:
        waiting = waiting.where(RSVP.adults + RSVP.children <= free)
    return db.session.scalar(waiting.limit(1)) is not None


def fill_from_waitlist(event: Event) -> list[RSVP]:
    """Give free places to the waitlist in the order people joined it. A party too big for the
    places left keeps its turn while someone behind who fits comes in: a single free place is
    never left empty for a family of five. Call with the event locked (or in its edit)."""
    if event.capacity is None and not db.session.scalar(
            select(RSVP.id).where(RSVP.event_id == event.id, RSVP.response == "waitlisted").limit(1)):
        return []
    taken = seats_taken(event.id)
    promoted = []
    waiting = db.session.scalars(select(RSVP).where(RSVP.event_id == event.id, RSVP.response == "waitlisted")
                                 .order_by(RSVP.waitlisted_at, RSVP.id))
    for rsvp in waiting:
        if event.capacity is not None and taken + rsvp.seats > event.capacity:
            continue
        rsvp.response, rsvp.waitlisted_at, rsvp.updated_at = "going", None, utcnow()
        taken += rsvp.seats
        promoted.append(rsvp)
    if promoted:
        _tell_promoted(event, promoted)
    return promoted


def _tell_promoted(event: Event, promoted: list[RSVP]) -> None:
    from ..members.models import Member

    members = {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_([r.member_id for r in promoted])))}
    url = external_url("events.detail", event_id=event.id)
    for rsvp in promoted:
        member = members[rsvp.member_id]
        if member.email:
            queue_email(member.email, f"A place has come up: {event.title}", "event_place_available",
                        member=member, kind="event_update", event=event, event_url=url, rsvp=rsvp)


def set_attendance(event: Event, attended_member_ids: set[int]) -> None:
    """The organiser's register: who came. Commits."""
    for rsvp in db.session.scalars(select(RSVP).where(RSVP.event_id == event.id, RSVP.response == "going")):
        rsvp.attended = rsvp.member_id in attended_member_ids
    db.session.commit()
