"""A refusal from the event rules is shown beside the field it names (EventError.field), in the create
and the edit form alike; the view no longer guesses the field from the message's words."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from association.core.timefmt import local_today
from association.events.models import Event
from association.events.rsvps import respond
from association.extensions import db
from association.members.models import Member
from tests.support import sign_in

from .helpers import add_event


@pytest.fixture
def organiser(app, make_member):
    ref = make_member("Olive Organiser", roles=["committee"])
    return ref, sign_in(app.test_client(), ref)


def _form(day, **changes):
    data = {
        "title": "Peer support evening",
        "kind": "peer_support",
        "start_date": day.isoformat(),
        "start_time": "19:00",
        "end_time": "21:00",
        "visibility": "members",
        "repeat": "",
    }
    data.update(changes)
    return data


def _beside(page: str, field: str) -> str:
    """The error list printed beside ``field`` by macros/forms.html."""
    found = re.search(rf'<ul class="field-error" id="{field}-error">(.*?)</ul>', page, re.S)
    return found.group(1) if found else ""


def _day(app, days: int):
    with app.app_context():
        return local_today() + timedelta(days=days)


def test_places_below_those_taken_are_refused_beside_places(app, organiser, make_member):
    ref, client = organiser
    event_id = add_event(app, ref.id, capacity=10, children_welcome=True)
    with app.app_context():
        respond(event_id, db.session.get(Member, make_member("Ann").id), True, 2, 4)
    page = client.post(f"/events/{event_id}/edit", data=_form(_day(app, 7), capacity="5")).data.decode()
    assert "6 places are already taken" in _beside(page, "capacity")
    assert "places are already taken" not in _beside(page, "end_time")
    with app.app_context():
        assert db.session.get(Event, event_id).capacity == 10


def test_a_reply_by_date_on_the_day_itself_is_refused_beside_that_date(app, organiser):
    """The form lets the reply-by date be the day of the event; the rule refuses a deadline after the
    start (the day ends at 23:59). The message used to sit beside the end time."""
    ref, client = organiser
    day = _day(app, 9)
    page = client.post("/events/new", data=_form(day, rsvp_deadline_date=day.isoformat())).data.decode()
    assert "deadline must be before the event starts" in _beside(page, "rsvp_deadline_date")
    assert _beside(page, "end_time") == ""
    event_id = add_event(app, ref.id, days_ahead=9)
    page = client.post(f"/events/{event_id}/edit", data=_form(day, rsvp_deadline_date=day.isoformat())).data.decode()
    assert "deadline must be before the event starts" in _beside(page, "rsvp_deadline_date")
    assert _beside(page, "end_time") == ""
    with app.app_context():
        assert db.session.get(Event, event_id).rsvp_deadline is None
