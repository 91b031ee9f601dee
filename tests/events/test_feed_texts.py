"""Feeds built from each event's kept VEVENT text: a member's replies written into it, texts kept
under other settings built again, and the private feed's ETag."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from association.events.ical import build_vevent
from association.events.models import RSVP, Event
from association.events.rsvps import respond
from association.events.scheduling import cancel_event
from association.extensions import db
from association.mail.outbox import external_url
from association.members.models import Member
from tests.support import count_queries, sign_in

from .helpers import add_event


@pytest.fixture
def organiser(make_member):
    return make_member("Olive Organiser", roles=["committee"])


def _feed_path(client) -> str:
    page = client.get("/account/calendar").data.decode()
    return re.search(r'https?://[^"<]+?(/calendar/[^"<]+\.ics)', page).group(1)


def _vevent_of(body: bytes, event_id: int) -> str:
    """The VEVENT of row ``event_id`` (its URL is the row's page) as the feed has it."""
    url = external_url("events.detail", event_id=event_id)
    blocks = [b for b in body.decode().split("BEGIN:VEVENT\r\n")[1:] if f"URL:{url}\r\n" in b.replace("\r\n ", "")]
    assert len(blocks) == 1, (event_id, len(blocks))
    return "BEGIN:VEVENT\r\n" + blocks[0].removesuffix("END:VCALENDAR\r\n")


def test_replies_in_the_private_feed_are_what_build_vevent_writes(app, organiser, make_member):
    carer = make_member('Jo, "Carer"; Ünïcode', email="jo@example.org")
    other = make_member("Sam Other")
    long_text = "Tea, coffee; biscuits — and a long chat about ünïcode and fostering. " * 6
    ids = {
        # Jo brings a child: the events Jo goes to welcome children.
        "online": add_event(
            app,
            organiser.id,
            title="Online evening",
            online_url="https://meet.example.org/a,b;c",
            children_welcome=True,
        ),
        "venue": add_event(
            app,
            organiser.id,
            title="Hall evening",
            venue_name="Riverside Hall",
            venue_address="Mill Street",
            online_url="https://meet.example.org/x",
            description_md=long_text,
            children_welcome=True,
            age_bands="0-4,11-15",
        ),
        "full": add_event(
            app, organiser.id, title="Small group", capacity=1, visibility="public", children_welcome=True
        ),
        "declined": add_event(app, organiser.id, title="Training", all_day=True),
        "series": add_event(
            app, organiser.id, title="Tuesday group", rule="FREQ=WEEKLY", venue_name="Barn", children_welcome=True
        ),
    }
    with app.app_context():
        meetings = list(
            db.session.scalars(db.select(Event.id).where(Event.series_id == ids["series"]).order_by(Event.starts_at))
        )
        cancel_event(db.session.get(Event, meetings[1]), "Venue closed", db.session.get(Member, organiser.id))
        ids["meeting"] = meetings[3]  # follows the rule: in the feed only because of the reply
        jo = db.session.get(Member, carer.id)
        respond(ids["full"], db.session.get(Member, other.id), True, 1, 0)
        for key in ("online", "venue", "full", "series", "meeting"):
            respond(ids[key], jo, True, 2, 1)
        respond(ids["declined"], jo, False)
        assert (
            db.session.scalar(db.select(RSVP.response).where(RSVP.event_id == ids["full"], RSVP.member_id == carer.id))
            == "waitlisted"
        )
    client = sign_in(app.test_client(), carer)
    path = _feed_path(client)
    client.get("/events.ics")  # keeps the public texts
    bodies = [client.get(path).data, client.get(path).data]  # texts built, then texts kept
    assert bodies[0] == bodies[1]
    with app.test_request_context(), app.app_context():
        jo = db.session.get(Member, carer.id)
        for key, event_id in ids.items():
            event = db.session.get(Event, event_id)
            master = db.session.get(Event, event.series_id) if event.series_id else None
            exdates = ()
            if event.rrule:
                exdates = [db.session.get(Event, meetings[1]).recurrence_id]
            rsvp = db.session.scalar(db.select(RSVP).where(RSVP.event_id == event_id, RSVP.member_id == jo.id))
            expected = build_vevent(event, "member", master, exdates, rsvp, jo).decode()
            assert _vevent_of(bodies[1], event_id) == expected, key
        # The series the member replied to still leaves out its cancelled meeting.
        assert "EXDATE" in _vevent_of(bodies[1], ids["series"])
        assert "LOCATION:https://meet.example.org/a\\,b\\;c" in _vevent_of(bodies[1], ids["online"])


def test_texts_kept_under_other_settings_are_built_again(app, organiser, make_member):
    carer = make_member("Jo Carer")
    event_id = add_event(app, organiser.id, title="Coffee morning")
    client = sign_in(app.test_client(), carer)
    path = _feed_path(client)
    first = client.get(path)
    assert b"URL:http://127.0.0.1:5000/events/" in first.data
    app.config["BASE_URL"] = "https://carers.example.org"
    moved = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert moved.status_code == 200 and moved.headers["ETag"] != first.headers["ETag"]
    assert f"URL:https://carers.example.org/events/{event_id}".encode() in moved.data
    assert b"127.0.0.1:5000" not in moved.data


def test_private_feed_etag_changes_with_the_members_name_and_replies(app, organiser, make_member):
    carer = make_member("Jo Carer")
    event_id = add_event(app, organiser.id, title="Coffee morning")
    client = sign_in(app.test_client(), carer)
    path = _feed_path(client)
    etag = client.get(path).headers["ETag"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    with app.app_context():
        respond(event_id, db.session.get(Member, carer.id), True, 1, 0)
    replied = client.get(path, headers={"If-None-Match": etag})
    assert replied.status_code == 200 and b"X-ASSOCIATION-RSVP:GOING" in replied.data
    etag = replied.headers["ETag"]
    with app.app_context():
        db.session.get(Member, carer.id).name = "Jo Carer-Smith"
        db.session.commit()
    renamed = client.get(path, headers={"If-None-Match": etag})
    assert renamed.status_code == 200 and b'CN="Jo Carer-Smith"' in renamed.data


def test_private_feed_takes_as_many_queries_for_5_replies_as_for_60(app, organiser, make_member):
    from association.core.database import utcnow

    carer = make_member("Jo Carer")
    client = sign_in(app.test_client(), carer)
    path = _feed_path(client)

    def add(count: int, offset: int) -> None:
        with app.app_context():
            for i in range(offset, offset + count):
                start = utcnow() + timedelta(days=1 + i, hours=1)
                event = Event(
                    title=f"Event {i}",
                    starts_at=start,
                    ends_at=start + timedelta(hours=2),
                    visibility="members",
                    organiser_id=organiser.id,
                )
                db.session.add(event)
                db.session.flush()
                db.session.add(RSVP(event_id=event.id, member_id=carer.id, response="going"))
            db.session.commit()

    counts = []
    for count, offset in ((5, 0), (55, 5)):
        add(count, offset)
        client.get(path)  # keeps the new texts
        with count_queries(app) as counted:
            body = client.get(path).data
        counts.append(counted[0])
    assert body.count(b"X-ASSOCIATION-RSVP:GOING") == 60
    assert counts[0] == counts[1]
