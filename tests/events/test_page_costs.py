"""The events list and one event's page cost the same number of statements and read a bounded
number of rows however many events, replies and members there are; and what they show stays
right: places, the viewer's own answer, pages, who is coming and waiting."""

from __future__ import annotations

from datetime import timedelta

import pytest

from association.core.database import utcnow
from association.events.models import RSVP, Event
from association.events.queries import PAGE_SIZE
from association.extensions import db
from association.members.models import Member
from tests.support import add_member, sign_in

from .helpers import add_event, rows_returned, statements_run


@pytest.fixture
def organiser(make_member):
    return make_member("Olive Organiser", roles=["committee"])


def _add_events(app, organiser_id: int, count: int, *, first_day: int, replies_each: int = 0, **fields) -> list[int]:
    """``count`` events a day apart from ``first_day`` days ahead (negative: in the past), each
    with ``replies_each`` members going (one adult and one child each)."""
    with app.app_context():
        now = utcnow().replace(microsecond=0)
        members = [
            Member(
                name=f"Replier {i}",
                email=f"replier{i}.{first_day}.{count}@example.org",
                status="active",
                application_state="approved",
            )
            for i in range(replies_each)
        ]
        db.session.add_all(members)
        events = [
            Event(
                title=f"Meetup {first_day + i:+04d}",
                kind="social",
                visibility=fields.get("visibility", "members"),
                starts_at=now + timedelta(days=first_day + i),
                ends_at=now + timedelta(days=first_day + i, hours=2),
                organiser_id=organiser_id,
                capacity=fields.get("capacity"),
            )
            for i in range(count)
        ]
        db.session.add_all(events)
        db.session.flush()
        db.session.add_all(
            [
                RSVP(event_id=e.id, member_id=m.id, response="going", adults=1, children=1)
                for e in events
                for m in members
            ]
        )
        db.session.commit()
        return [e.id for e in events]


def _page_cost(app, client, path):
    client.get(path)  # warm up: first-request work is not the page's
    with statements_run(app) as run:
        response = client.get(path)
    assert response.status_code == 200
    return len(run), sum(rows_returned(app, run)), response.get_data(as_text=True)


def test_events_list_costs_the_same_for_few_and_many_events_and_replies(app, organiser, make_member):
    client = sign_in(app.test_client(), make_member("Vera Viewer"))
    _add_events(app, organiser.id, 3, first_day=1, replies_each=2, capacity=10)
    small_statements, small_rows, page = _page_cost(app, client, "/events/")
    assert "Meetup +001" in page and "Page 1 of" not in page

    _add_events(app, organiser.id, 120, first_day=-130, replies_each=6)  # years of history
    _add_events(app, organiser.id, 2 * PAGE_SIZE + 5, first_day=4, replies_each=6, capacity=10)
    statements, rows, page = _page_cost(app, client, "/events/")
    assert statements == small_statements, f"{small_statements} statements for 3 events, {statements} for 188"
    assert rows <= small_rows + PAGE_SIZE, f"the list read {rows} rows for one page of {PAGE_SIZE}"
    assert "Page 1 of 3" in page and page.count('class="card event-card') == PAGE_SIZE
    assert "Meetup -011" not in page  # over already


def test_events_list_shows_places_and_my_answer_and_keeps_the_page_in_range(app, organiser, make_member):
    viewer = make_member("Vera Viewer")
    client = sign_in(app.test_client(), viewer)
    full, roomy, waiting = _add_events(app, organiser.id, 3, first_day=1, replies_each=2, capacity=4)
    with app.app_context():
        db.session.get(Event, roomy).capacity = 10
        db.session.add_all(
            [
                RSVP(event_id=roomy, member_id=viewer.id, response="going", adults=2, children=0),
                RSVP(event_id=waiting, member_id=viewer.id, response="waitlisted", adults=1, children=0),
            ]
        )
        db.session.commit()
    page = client.get("/events/").get_data(as_text=True)
    cards = {card.split("</a>")[0].rsplit(">", 1)[-1]: card for card in page.split('class="card event-card')[1:]}
    assert "Full — waiting list open" in cards["Meetup +001"] and "badge-going" not in cards["Meetup +001"]
    assert "4 places left" in cards["Meetup +002"] and "badge-going" in cards["Meetup +002"]  # 6 of 10 taken
    assert "badge-waiting" in cards["Meetup +003"]

    _add_events(app, organiser.id, PAGE_SIZE + 2, first_day=10)
    last = client.get("/events/", query_string={"page": "999"}).get_data(as_text=True)
    assert "Page 2 of 2" in last and last.count('class="card event-card') == 5
    assert "Page 1 of 2" in client.get("/events/", query_string={"page": "-4"}).get_data(as_text=True)


def test_visitors_list_costs_the_same_too(app, organiser):
    client = app.test_client()
    _add_events(app, organiser.id, 2, first_day=1, visibility="public", replies_each=1)
    small_statements, _, page = _page_cost(app, client, "/events/")
    assert "Meetup +001" in page
    _add_events(app, organiser.id, 50, first_day=3, visibility="public", replies_each=3)
    _add_events(app, organiser.id, 10, first_day=3, visibility="members")
    statements, _, page = _page_cost(app, client, "/events/")
    assert statements == small_statements
    assert "Page 1 of 2" in page  # 52 public events; the members' ones are not counted


def test_event_page_costs_the_same_for_few_and_many_replies(app, organiser, make_member):
    viewer = make_member("Vera Viewer")
    client = sign_in(app.test_client(), viewer)
    quiet = add_event(app, organiser.id, title="Quiet evening", capacity=50)
    busy = add_event(app, organiser.id, title="Busy evening", capacity=50, rule="FREQ=WEEKLY;BYDAY=MO")
    with app.app_context():
        occurrence = db.session.scalar(db.select(Event.id).where(Event.series_id == busy).order_by(Event.starts_at))
        people = [
            Member(name=f"Guest {i:02d}", email=f"guest{i}@example.org", status="active", application_state="approved")
            for i in range(30)
        ]
        db.session.add_all(people)
        db.session.flush()
        db.session.add_all(
            [RSVP(event_id=occurrence, member_id=m.id, response="going", adults=1, children=0) for m in people[:20]]
        )
        db.session.add_all(
            [RSVP(event_id=occurrence, member_id=m.id, response="not_going", adults=0, children=0) for m in people[20:]]
        )
        db.session.add(RSVP(event_id=quiet, member_id=people[0].id, response="going", adults=1, children=0))
        db.session.commit()

    small_statements, small_rows, _ = _page_cost(app, client, f"/events/{quiet}")
    statements, rows, page = _page_cost(app, client, f"/events/{occurrence}")
    assert statements == small_statements
    # Rows: the twenty people going are listed; those who said no are not read at all.
    assert rows - small_rows == 19, f"{small_rows} rows for one reply, {rows} for 20 going and 10 not"
    assert "Guest 19" in page and "Guest 25" not in page
    assert "20 people coming" in page and "30 places left" in page
    assert "Every week on Monday" in page  # the series' rule, read from its first occurrence


def test_event_page_shows_my_answer_the_waiting_list_in_order_and_former_members(app, organiser, make_member):
    viewer = make_member("Vera Viewer")
    client = sign_in(app.test_client(), viewer)
    event_id = add_event(app, organiser.id, title="Small group", capacity=2)
    first, second, gone = (add_member(app, n) for n in ("Wendy First", "Walter Second", "Gone Carer"))
    now = utcnow()
    with app.app_context():
        db.session.get(Member, gone.id).erased_at = now
        db.session.add_all(
            [
                RSVP(event_id=event_id, member_id=gone.id, response="going", adults=1, children=1),
                RSVP(
                    event_id=event_id,
                    member_id=second.id,
                    response="waitlisted",
                    adults=1,
                    children=0,
                    waitlisted_at=now - timedelta(minutes=5),
                ),
                RSVP(
                    event_id=event_id,
                    member_id=first.id,
                    response="waitlisted",
                    adults=1,
                    children=0,
                    waitlisted_at=now - timedelta(minutes=10),
                ),
                RSVP(event_id=event_id, member_id=viewer.id, response="not_going", adults=0, children=0),
            ]
        )
        db.session.commit()
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert "You said you can't come." in page
    assert "Former member" in page and "Gone Carer" not in page
    assert page.index("Wendy First") < page.index("Walter Second")  # first come, first served
    assert "Full — waiting list open" in page

    with app.app_context():
        db.session.execute(
            db.update(RSVP)
            .where(RSVP.member_id == viewer.id)
            .values(response="going", adults=1, children=0, note="bringing a curry")
        )
        db.session.commit()
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert "You're going (1 adult)." in page and "Your note: bringing a curry" in page


def test_a_lapsed_member_sees_the_event_but_not_who_is_coming(app, organiser, make_member):
    lapsed = make_member("Lapsed Lou", status="lapsed")
    event_id = add_event(app, organiser.id, title="Open coffee", visibility="public")
    add_member(app, "Gus Going")
    with app.app_context():
        guest = db.session.scalar(db.select(Member.id).where(Member.name == "Gus Going"))
        db.session.add(RSVP(event_id=event_id, member_id=guest, response="going", adults=1, children=0))
        db.session.commit()
    page = sign_in(app.test_client(), lapsed).get(f"/events/{event_id}").get_data(as_text=True)
    assert "Open coffee" in page and "Gus Going" not in page and "Who's coming" not in page
    assert "Only current members can reply." in page


def test_event_times_are_worded_as_everywhere_else(app):
    """display.event_when words times itself (one zone look-up per event); it must say them
    exactly as core.timefmt does for the rest of the site, in summer time and in winter."""
    from datetime import datetime

    from association.core.timefmt import format_datetime
    from association.events.display import event_when

    with app.test_request_context():
        for start in (datetime(2026, 7, 3, 17, 30), datetime(2026, 12, 3, 18, 0), datetime(2027, 3, 28, 0, 30)):
            same_day = Event(starts_at=start, ends_at=start + timedelta(hours=2), all_day=False)
            assert event_when(same_day).startswith(format_datetime(start) + " to ")
            two_days = Event(starts_at=start, ends_at=start + timedelta(days=1, hours=2), all_day=False)
            assert (
                event_when(two_days)
                == f"{format_datetime(start)} to {format_datetime(start + timedelta(days=1, hours=2))}"
            )
        assert (
            event_when(
                Event(starts_at=datetime(2026, 7, 3, 17, 30), ends_at=datetime(2026, 7, 3, 19, 0), all_day=False)
            )
            == "Fri 3 Jul 2026, 18:30 to 20:00"
        )
