"""Organisers: creating events and series through the form, bad input, changes and cancellations."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from association.events.models import RSVP, Event
from association.events.rsvps import respond
from association.extensions import db
from association.mail.worker import deliver_due
from association.members.models import Member
from tests.smtp import text_part
from tests.support import sign_in

from .helpers import add_event


@pytest.fixture
def organiser(app, make_member):
    ref = make_member("Olive Organiser", roles=["committee"])
    return ref, sign_in(app.test_client(), ref)


def _form(day: date, **changes):
    data = {
        "title": "Peer support evening",
        "kind": "peer_support",
        "description": "Tea and **biscuits**",
        "start_date": day.isoformat(),
        "start_time": "19:00",
        "end_time": "21:00",
        "visibility": "members",
        "capacity": "12",
        "venue_name": "Community Centre",
        "repeat": "",
    }
    data.update(changes)
    return data


def _count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Event))


def test_create_a_single_event_through_the_form(app, organiser):
    _ref, client = organiser
    day = date.today() + timedelta(days=10)
    response = client.post("/events/new", data=_form(day, children_welcome="y", age_bands=["0-4", "5-10"]))
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(select(Event))
        assert event.capacity == 12 and event.children_welcome and event.age_bands == "0-4,5-10"
        assert event.description_html == "<p>Tea and <strong>biscuits</strong></p>\n"
    page = client.get(response.headers["Location"]).data.decode()
    assert "Peer support evening" in page and "<strong>biscuits</strong>" in page


def test_create_a_monthly_series_on_the_first_tuesday(app, organiser):
    _ref, client = organiser
    first_tuesday = date(2027, 1, 5)
    client.post("/events/new", data=_form(first_tuesday, repeat="monthly_weekday"))
    with app.app_context():
        master = db.session.scalar(select(Event).where(Event.rrule.is_not(None)))
        assert master.rrule == "FREQ=MONTHLY;BYDAY=1TU"
        days = [e.starts_at.date() for e in db.session.scalars(select(Event).order_by(Event.starts_at))][:4]
    assert days == [date(2027, 1, 5), date(2027, 2, 2), date(2027, 3, 2), date(2027, 4, 6)]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"end_time": "18:00"}, "must end after it starts"),
        ({"title": ""}, "Give the event a title"),
        ({"title": "x" * 141}, "140"),
        ({"start_date": "31/12/2026"}, "Not a valid date"),
        ({"start_time": ""}, "Enter a start time"),
        ({"capacity": "0"}, "Places must be from 1"),
        ({"capacity": "-5"}, "Places must be from 1"),
        ({"capacity": "99999999"}, "Places must be from 1"),
        ({"visibility": "everyone"}, "Not a valid choice"),
        ({"map_url": "javascript:alert(1)"}, "full link"),
        ({"online_url": "ftp://example.org/x"}, "must start with https"),
        ({"repeat": "custom", "custom_rule": "FREQ=WEEKLY"}, "Not a valid choice"),  # raw rules: admins only
    ],
)
def test_bad_event_input_gets_a_clear_message_and_stores_nothing(app, organiser, changes, message):
    _ref, client = organiser
    response = client.post("/events/new", data=_form(date.today() + timedelta(days=5), **changes))
    assert response.status_code == 200
    assert message in response.data.decode(), response.data.decode()[:3000]
    assert _count(app) == 0


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"repeat": "custom", "custom_rule": "FREQ=SOMETIMES"}, "FREQ=DAILY, WEEKLY"),
        ({"repeat": "custom", "custom_rule": "FREQ=WEEKLY;BYDAY=XX"}, "isn&#39;t valid"),
        ({"repeat": "custom", "custom_rule": "FREQ=DAILY"}, "needs an end"),
        ({"repeat": "custom", "custom_rule": "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2"}, "never produces a date"),
        ({"repeat": "custom", "custom_rule": "FREQ=WEEKLY;X-FOO=1"}, "don&#39;t support"),
    ],
)
def test_an_admins_bad_custom_rule_gets_a_clear_message(app, admin_client, changes, message):
    client, _admin = admin_client
    response = client.post("/events/new", data=_form(date.today() + timedelta(days=5), **changes))
    assert response.status_code == 200
    assert message in response.data.decode(), response.data.decode()[:3000]
    assert _count(app) == 0


def test_capacity_cannot_go_below_the_places_taken(app, organiser, make_member):
    ref, client = organiser
    event_id = add_event(app, ref.id, capacity=10, children_welcome=True)
    with app.app_context():
        respond(event_id, db.session.get(Member, make_member("Ann").id), True, 2, 4)
    day = date.today() + timedelta(days=7)
    response = client.post(f"/events/{event_id}/edit", data=_form(day, capacity="5"))
    assert b"6 places are already taken" in response.data
    with app.app_context():
        assert db.session.get(Event, event_id).capacity == 10


def test_raising_capacity_lets_the_waitlist_in(app, organiser, make_member):
    ref, client = organiser
    event_id = add_event(app, ref.id, capacity=2, children_welcome=True)
    ann, ben = make_member("Ann"), make_member("Ben")
    with app.app_context():
        respond(event_id, db.session.get(Member, ann.id), True, 2, 0)
        respond(event_id, db.session.get(Member, ben.id), True, 1, 1)
    day = date.today() + timedelta(days=7)
    client.post(f"/events/{event_id}/edit", data=_form(day, capacity="4"))
    with app.app_context():
        assert db.session.scalar(select(RSVP.response).where(RSVP.member_id == ben.id)) == "going"


def test_changing_time_or_place_tells_people_going(app, smtp, organiser, make_member):
    ref, client = organiser
    day = date.today() + timedelta(days=7)
    client.post("/events/new", data=_form(day))
    with app.app_context():
        event_id = db.session.scalar(select(Event.id))
    ann, ben = make_member("Ann"), make_member("Ben")
    with app.app_context():
        respond(event_id, db.session.get(Member, ann.id), True, 1, 0)
        respond(event_id, db.session.get(Member, ben.id), False)
    client.post(f"/events/{event_id}/edit", data=_form(day, description="New words only"))
    with app.app_context():
        deliver_due()
    assert smtp.to(ann.email) == []  # a description change is not worth an email
    client.post(f"/events/{event_id}/edit", data=_form(day, start_time="18:30", venue_name="Library"))
    with app.app_context():
        deliver_due()
    [mail] = smtp.wait_for(ann.email)
    assert "Changed" in mail["Subject"] and "Library" in text_part(mail)
    assert smtp.to(ben.email) == []


def test_cancelling_keeps_the_event_and_tells_people_going_and_waiting(app, smtp, organiser, make_member):
    ref, client = organiser
    event_id = add_event(app, ref.id, capacity=1, title="Coffee morning")
    ann, ben = make_member("Ann"), make_member("Ben")
    with app.app_context():
        respond(event_id, db.session.get(Member, ann.id), True, 1, 0)
        respond(event_id, db.session.get(Member, ben.id), True, 1, 0)
    assert b"Say briefly why" in client.post(f"/events/{event_id}/cancel", data={"reason": ""}).data
    client.post(f"/events/{event_id}/cancel", data={"reason": "The café flooded"})
    with app.app_context():
        assert db.session.get(Event, event_id).status == "cancelled"
        deliver_due()
    for person in (ann, ben):
        [mail] = smtp.wait_for(person.email)
        assert "Cancelled: Coffee morning" == mail["Subject"] and "The café flooded" in text_part(mail)
    listing = client.get("/events/").data.decode()
    assert "Coffee morning" in listing and "Cancelled" in listing
    again = client.post(f"/events/{event_id}/cancel", data={"reason": "again"}, follow_redirects=True)
    assert b"already cancelled" in again.data


def test_one_meeting_of_a_series_changes_alone_or_with_the_rest(app, organiser):
    ref, client = organiser
    client.post("/events/new", data=_form(date(2027, 1, 5), repeat="monthly_weekday"))
    with app.app_context():
        rows = list(db.session.scalars(select(Event).order_by(Event.starts_at)))
        march, april = rows[2], rows[3]
    client.post(f"/events/{march.id}/edit", data=_form(date(2027, 3, 2), title="March: guest speaker", scope="this"))
    client.post(
        f"/events/{rows[1].id}/edit", data=_form(date(2027, 2, 2), start_time="18:00", end_time="20:00", scope="series")
    )
    with app.app_context():
        titles = {e.starts_at.date(): (e.title, e.detached) for e in db.session.scalars(select(Event))}
        april_row = db.session.get(Event, april.id)
        assert titles[date(2027, 3, 2)] == ("March: guest speaker", True)
        assert titles[date(2027, 1, 5)][0] == "Peer support evening"
        # The whole-series change moved April to 6 pm local (5 pm UTC in BST) and left March alone.
        assert (april_row.starts_at.hour, april_row.starts_at.minute) == (17, 0)
        assert db.session.get(Event, march.id).starts_at.hour == 19


def test_ending_a_series_cancels_later_meetings(app, organiser):
    ref, client = organiser
    client.post("/events/new", data=_form(date(2027, 1, 5), repeat="monthly_weekday"))
    with app.app_context():
        master_id = db.session.scalar(select(Event.id).where(Event.rrule.is_not(None)))
    bad = client.post(f"/events/{master_id}/end-series", data={"last_date": "not a date"}, follow_redirects=True)
    assert b"Enter the date of the last meeting" in bad.data
    too_early = client.post(f"/events/{master_id}/end-series", data={"last_date": "2026-12-01"}, follow_redirects=True)
    assert b"before its first meeting" in too_early.data
    client.post(f"/events/{master_id}/end-series", data={"last_date": "2027-03-02"})
    with app.app_context():
        scheduled = [
            e.starts_at.date()
            for e in db.session.scalars(select(Event).where(Event.status == "scheduled").order_by(Event.starts_at))
        ]
        assert scheduled == [date(2027, 1, 5), date(2027, 2, 2), date(2027, 3, 2)]
    feed = client.get(f"/events/{master_id}.ics").data.decode()
    assert "UNTIL=20270302T235959Z" in feed


def test_only_organisers_manage_and_an_organiser_their_own_events(app, organiser, make_member):
    ref, _client = organiser
    plain = make_member("Pat Plain")
    own = add_event(app, plain.id)
    theirs = add_event(app, ref.id)
    client = sign_in(app.test_client(), plain)
    assert client.get("/events/new").status_code == 403
    assert client.get(f"/events/{theirs}/edit").status_code == 403
    assert client.get(f"/events/{own}/edit").status_code == 200
    assert client.get("/events/999999/edit").status_code == 404


def test_a_weekly_series_running_for_years_is_still_extended(app, make_member):
    """The 120-occurrence cap counts new meetings, not every meeting since the group began."""
    from association.core.database import utcnow
    from association.events.recurrence import HORIZON
    from association.events.scheduling import extend_series
    from tests.events.helpers import add_event

    organiser = make_member("Olu Organiser", roles=["committee"])
    start = utcnow().replace(microsecond=0) - timedelta(days=3 * 365)
    master_id = add_event(
        app,
        organiser.id,
        title="Tuesday group",
        rule="FREQ=WEEKLY",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    with app.app_context():

        def last_meeting():
            return db.session.scalar(select(func.max(Event.starts_at)).where(Event.series_id == master_id))

        first_run = last_meeting()
        assert first_run < utcnow()  # 120 weekly meetings from three years ago end in the past
        assert extend_series() > 0
        assert extend_series() == 0  # nothing twice
        assert last_meeting() > utcnow() + HORIZON - timedelta(days=8)


def test_a_refused_last_date_is_shown_beside_the_field_on_the_cancel_page(app, organiser):
    """Not a banner after a redirect: the cancel page again (400) with the date kept and the message beside it."""
    _ref, client = organiser
    client.post("/events/new", data=_form(date(2027, 1, 5), repeat="monthly_weekday"))
    with app.app_context():
        master_id = db.session.scalar(select(Event.id).where(Event.rrule.is_not(None)))
    for sent, message in (
        ("", "Enter the date of the last meeting."),
        ("2026-12-01", "A series can&#39;t end before its first meeting."),
    ):
        answer = client.post(f"/events/{master_id}/end-series", data={"last_date": sent})
        assert answer.status_code == 400
        page = answer.get_data(as_text=True)
        assert re.search(
            r'<input(?=[^>]*aria-invalid="true")(?=[^>]*aria-describedby="last_date-error")'
            rf'(?=[^>]*value="{sent}")[^>]*>',
            page,
        )
        assert re.search(rf'<ul class="field-error" id="last_date-error">.*{re.escape(message)}', page, re.S)
        # The cancel form on the same page still posts to the cancel address, not to this one.
        assert f'action="/events/{master_id}/cancel"' in page
    with app.app_context():
        assert db.session.get(Event, master_id).series_ended_at is None
