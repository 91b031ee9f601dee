"""Who is coming: members' answers, checked against the places left (counted in capacity.py).

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
from ..core.errors import DomainError
from ..extensions import db
from ..members.models import Member
from .capacity import anyone_waiting, fill_from_waitlist, seats_taken, split_party
from .models import RSVP, Event, RsvpResponse

MAX_PEOPLE = 20
NOTE_LENGTH = 200


class RSVPError(DomainError):
    """An answer we cannot take; ``str(error)`` says why in plain words, and ``field`` names the
    form field it is about (None for the answer as a whole)."""


class PartyTooBig(RSVPError):
    """Fewer places are left than the party needs: the member chooses to book the places left and
    waitlist the rest, or to waitlist everyone. Nothing is stored until they choose."""

    def __init__(self, places_left: int, adults: int, children: int, message: str = ""):
        self.places_left, self.adults, self.children = places_left, adults, children
        super().__init__(
            message
            or f"There {'is' if places_left == 1 else 'are'} only {places_left} "
            f"{'place' if places_left == 1 else 'places'} left for your party of {adults + children}.",
            field="adults",
        )

    @property
    def booked(self) -> tuple[int, int]:
        """Who comes now if the places left are booked: adults first, as children come with one."""
        return split_party(self.adults, self.children, self.places_left)


SPLIT_CHOICES = ("book_now", "waitlist_all")


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
    adults_waiting: int
    children_waiting: int
    note: str
    name: str
    erased_at: datetime | None

    display_name = Member.display_name  # the members' own rule: a former member is not named


def replies_shown(event_id: int, viewer, everyone: bool) -> tuple[Reply | None, list[Reply]]:
    """The viewer's own answer, and (with ``everyone``) who is going and who is waiting, in the
    order the page lists them: one statement, reading a few columns and no member objects."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return None, []
    listed = RSVP.response.in_((RsvpResponse.GOING, RsvpResponse.WAITLISTED))
    rows = db.session.execute(
        select(
            RSVP.member_id,
            RSVP.response,
            RSVP.adults,
            RSVP.children,
            RSVP.adults_waiting,
            RSVP.children_waiting,
            RSVP.note,
            Member.name,
            Member.erased_at,
        )
        .join(Member, Member.id == RSVP.member_id)
        .where(
            RSVP.event_id == event_id,
            or_(listed, RSVP.member_id == viewer.id) if everyone else RSVP.member_id == viewer.id,
        )
        .order_by(RSVP.response, RSVP.waitlisted_at, RSVP.created_at)
    ).all()
    replies = [Reply(*row) for row in rows]
    mine = next((r for r in replies if r.member_id == viewer.id), None)
    return mine, [r for r in replies if r.response in (RsvpResponse.GOING, RsvpResponse.WAITLISTED)] if everyone else []


def check_numbers(adults: int, children: int, note: str) -> None:
    if not 0 <= adults <= MAX_PEOPLE:
        raise RSVPError(f"Adults must be from 0 to {MAX_PEOPLE}.", field="adults")
    if not 0 <= children <= MAX_PEOPLE:
        raise RSVPError(f"Children must be from 0 to {MAX_PEOPLE}.", field="children")
    if adults + children < 1:
        raise RSVPError("Tell us how many people are coming: at least one.", field="adults")
    if len(note) > NOTE_LENGTH:
        raise RSVPError(f"Keep the note to {NOTE_LENGTH} characters.", field="note")


def check_children_allowed(event: Event, children: int) -> None:
    if children and not event.children_welcome:
        raise RSVPError(
            "This event is for adults only, so children can't come to it. "
            "Set children to 0, or look for an event where children are welcome.",
            field="children",
        )


def _lock(event_id: int) -> Event:
    """The event, locked for this reply until the caller's commit. Commits first: the lock must be
    the first statement of its transaction (see the module's docstring)."""
    db.session.commit()  # start a fresh transaction whose first statement takes the lock
    db.session.execute(update(Event).where(Event.id == event_id).values(rsvp_version=Event.rsvp_version + 1))
    event = db.session.scalars(
        select(Event).where(Event.id == event_id).execution_options(populate_existing=True)
    ).one()
    return event


def respond(
    event_id: int,
    member,
    going: bool,
    adults: int = 1,
    children: int = 0,
    note: str = "",
    split: str = "",
    places_seen: int | None = None,
) -> RSVPOutcome:
    """Record ``member``'s answer. Commits; on an RSVPError nothing is stored.

    A party bigger than the places left raises PartyTooBig until ``split`` says what to do:
    "book_now" (the places left, the rest waitlisted) or "waitlist_all". ``places_seen`` is how
    many places the member was told were left: if that changed meanwhile, they are asked again."""
    note = (note or "").strip()
    if going:
        check_numbers(adults, children, note)
    try:
        event = _lock(event_id)
        outcome = _respond_locked(event, member, going, adults, children, note, split, places_seen)
        db.session.commit()
        return outcome
    except Exception:
        db.session.rollback()
        raise


def _respond_locked(
    event: Event,
    member,
    going: bool,
    adults: int,
    children: int,
    note: str,
    split: str = "",
    places_seen: int | None = None,
) -> RSVPOutcome:
    now = utcnow()
    rsvp = db.session.scalars(
        select(RSVP)
        .where(RSVP.event_id == event.id, RSVP.member_id == member.id)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if event.is_cancelled:
        raise RSVPError("This event has been cancelled.")
    if event.ends_at <= now:
        raise RSVPError("This event has already happened.")
    if going and event.rsvp_deadline is not None and now > event.rsvp_deadline:
        raise RSVPError("The deadline for replies has passed. Please contact the organiser.")
    if going:
        check_children_allowed(event, children)
    if rsvp is None:
        rsvp = RSVP(event_id=event.id, member_id=member.id, response=RsvpResponse.NOT_GOING, adults=0, children=0)
        db.session.add(rsvp)
    was = rsvp.response
    rsvp.adults_waiting = rsvp.children_waiting = 0  # every answer states the whole party again
    if not going:
        rsvp.response, rsvp.waitlisted_at, rsvp.updated_at = RsvpResponse.NOT_GOING, None, now
        db.session.flush()
        fill_from_waitlist(event)
        return RSVPOutcome(RsvpResponse.NOT_GOING, "Thanks for letting us know you can't come.")
    others = seats_taken(event.id) - (rsvp.seats if was == RsvpResponse.GOING else 0)
    fits = event.capacity is None or others + adults + children <= event.capacity
    left = None if event.capacity is None else max(event.capacity - others, 0)
    if not fits and left and split != "waitlist_all" and not anyone_waiting(event.id, rsvp.id, left):
        if split != "book_now":
            raise PartyTooBig(left, adults, children)
        if places_seen is not None and places_seen != left:
            raise PartyTooBig(
                left,
                adults,
                children,
                message=(f"Places changed while you were choosing: {left} {'is' if left == 1 else 'are'} left now."),
            )
        return _book_part(event, rsvp, adults, children, note, left, now)
    if not fits and was == RsvpResponse.GOING and split != "waitlist_all":
        raise RSVPError(
            "There's no room for more people in your party just now, so we couldn't change your "
            "numbers. Your earlier reply still stands.",
            field="adults",
        )
    rsvp.adults, rsvp.children, rsvp.note, rsvp.updated_at = adults, children, note, now
    if fits and (was == RsvpResponse.GOING or not anyone_waiting(event.id, rsvp.id, left)):
        rsvp.response, rsvp.waitlisted_at = RsvpResponse.GOING, None
        db.session.flush()
        fill_from_waitlist(event)  # fewer seats than before can let someone in
        return RSVPOutcome(RsvpResponse.GOING, "You're going. See you there!")
    if was != RsvpResponse.WAITLISTED or rsvp.waitlisted_at is None:
        rsvp.waitlisted_at = now
    rsvp.response = RsvpResponse.WAITLISTED
    if split == "waitlist_all":
        return RSVPOutcome(
            RsvpResponse.WAITLISTED, "You're all on the waiting list. We'll email you if places come up."
        )
    return RSVPOutcome(
        RsvpResponse.WAITLISTED,
        "The event is full, so you're on the waiting list. We'll email you if a place frees up.",
    )


def _book_part(event: Event, rsvp: RSVP, adults: int, children: int, note: str, left: int, now) -> RSVPOutcome:
    """Book the ``left`` places for part of the party; the rest wait in line from now (or from
    when this member joined the waiting list, if they were on it)."""
    booked_adults, booked_children = split_party(adults, children, left)
    if rsvp.response != RsvpResponse.WAITLISTED or rsvp.waitlisted_at is None:
        rsvp.waitlisted_at = now
    rsvp.response, rsvp.note, rsvp.updated_at = RsvpResponse.GOING, note, now
    rsvp.adults, rsvp.children = booked_adults, booked_children
    rsvp.adults_waiting, rsvp.children_waiting = adults - booked_adults, children - booked_children
    db.session.flush()
    waiting = rsvp.seats_waiting
    return RSVPOutcome(
        RsvpResponse.GOING,
        f"You're going with {left} {'person' if left == 1 else 'people'} now, and the other "
        f"{waiting} {'is' if waiting == 1 else 'are'} on the waiting list. "
        f"We'll email you if places come up.",
    )
