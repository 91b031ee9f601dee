"""Events under 30 simultaneous requests: places never oversold and each member answered once,
an event cancelled (and people told) once, the iCalendar SEQUENCE raised by every change, and a
series extended once however many workers extend it together."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import delete, func, select

from association.events.capacity import seats_taken
from association.events.models import RSVP, Event
from association.events.rsvps import respond
from association.events.scheduling import EventDetails, extend_series, update_event
from association.extensions import db
from association.mail.models import OutboxMessage
from association.members.models import Member
from tests.events.helpers import add_event

from .support import CROWD, at_once, no_server_errors

CAPACITY = 10


def _rsvps(live, event_id: int) -> dict[str, int]:
    with live.app.app_context():
        return dict(
            db.session.execute(
                select(RSVP.response, func.count()).where(RSVP.event_id == event_id).group_by(RSVP.response)
            ).all()
        )


def test_thirty_members_taking_ten_places_at_once_fill_them_and_wait_for_the_rest(live):
    event_id = add_event(live.app, live.admin.id, capacity=CAPACITY)
    replies = at_once(
        *[
            lambda p=p: p.browser.post(f"/events/{event_id}/rsvp", {"response": "going", "adults": 1})
            for p in live.crowd
        ]
    )
    no_server_errors(replies)
    assert all(r.status == 302 for r in replies), [r.status for r in replies]
    assert _rsvps(live, event_id) == {"going": CAPACITY, "waitlisted": CROWD - CAPACITY}
    with live.app.app_context():
        assert seats_taken(event_id) == CAPACITY


def test_one_member_answering_thirty_times_at_once_has_one_answer(live):
    event_id = add_event(live.app, live.admin.id, capacity=CAPACITY)
    jo = live.crowd[0]
    replies = at_once(
        *[
            lambda n=n: jo.browser.post(f"/events/{event_id}/rsvp", {"response": "going", "adults": 1 + n % 3})
            for n in range(CROWD)
        ]
    )
    no_server_errors(replies)
    assert all(r.status == 302 for r in replies), [r.status for r in replies]
    assert _rsvps(live, event_id) == {"going": 1}


def test_thirty_cancellations_at_once_cancel_once_and_tell_people_once(live):
    event_id = add_event(live.app, live.admin.id)
    going = live.crowd[:5]
    with live.app.app_context():
        for person in going:
            respond(event_id, db.session.get(Member, person.id), True)
        sequence = db.session.get(Event, event_id).sequence
    admin = live.admin.browser
    replies = at_once(*[lambda: admin.post(f"/events/{event_id}/cancel", {"reason": "The hall flooded."})] * CROWD)
    no_server_errors(replies)
    assert sorted(r.status for r in replies) == [200] * (CROWD - 1) + [302]
    assert all("already cancelled" in r.body for r in replies if r.status == 200)
    with live.app.app_context():
        event = db.session.get(Event, event_id)
        assert (event.status, event.sequence) == ("cancelled", sequence + 1)
        told = db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.template == "event_cancelled", OutboxMessage.member_id.in_([p.id for p in going]))
        )
        assert told == len(going)


def test_thirty_changes_at_once_each_raise_the_calendar_sequence(live):
    """Through the rule itself: the edit page lets only one of 30 saves from the same form win."""
    event_id = add_event(live.app, live.admin.id)
    with live.app.app_context():
        before = db.session.get(Event, event_id)
        details, sequence = EventDetails.of(before), before.sequence

    def change(n: int):
        with live.app.app_context():
            event = db.session.get(Event, event_id)
            update_event(
                event, replace(details, title=f"Peer support, room {n}"), db.session.get(Member, live.admin.id)
            )
            db.session.remove()

    at_once(*[lambda n=n: change(n) for n in range(CROWD)])
    with live.app.app_context():
        assert db.session.get(Event, event_id).sequence == sequence + CROWD


def test_thirty_workers_extending_series_at_once_add_each_occurrence_once(live):
    event_id = add_event(live.app, live.admin.id, rule="FREQ=WEEKLY;BYDAY=TU")
    with live.app.app_context():
        occurrences = select(Event.id).where(Event.series_id == event_id)
        total = db.session.scalar(select(func.count()).select_from(occurrences.subquery()))
        last_five = list(db.session.scalars(occurrences.order_by(Event.recurrence_id.desc()).limit(5)))
        db.session.execute(delete(Event).where(Event.id.in_(last_five)))  # as if the horizon moved on
        db.session.commit()

    def extend() -> int:
        with live.app.app_context():
            try:
                return extend_series()
            finally:
                db.session.remove()

    added = at_once(*[extend] * CROWD)
    with live.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(occurrences.subquery())) == total
    assert sum(added) == 5


def test_thirty_parties_booking_the_places_left_at_once_never_overfill(live):
    """Issue 13: a party bigger than the places left books what is left and waits for the rest.
    Thirty families of three choose that at once, each having been told 10 places were left: the
    first is booked as asked; the others, whose count went stale, are asked again (nothing stored)
    or, once it is full, wait whole. The places never go past the capacity."""
    event_id = add_event(live.app, live.admin.id, capacity=CAPACITY, children_welcome=True)
    replies = at_once(
        *[
            lambda p=p: p.browser.post(
                f"/events/{event_id}/rsvp",
                {"response": "going", "adults": 1, "children": 2, "split": "book_now", "places_seen": CAPACITY},
            )
            for p in live.crowd
        ]
    )
    no_server_errors(replies)
    with live.app.app_context():
        taken = seats_taken(event_id)
        rows = [
            (r.response, r.seats, r.seats_waiting)
            for r in db.session.scalars(select(RSVP).where(RSVP.event_id == event_id))
        ]
    # Parties of 3 fit whole until 1 place is left; then the 10 they saw is stale: asked again.
    assert taken == 9 and rows == [("going", 3, 0)] * 3
    asked = [r for r in replies if r.status == 200]
    assert len(asked) == CROWD - 3 and all("1 is left now" in r.body for r in asked), [r.body[:200] for r in asked[:2]]
