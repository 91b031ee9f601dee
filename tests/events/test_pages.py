"""The calendar pages: who sees what, the month view, one event, the register and reminders."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from association.events.models import RSVP, Event
from association.events.rsvps import respond
from association.extensions import db
from association.mail.jobs import run_due_jobs
from association.mail.preferences import MailPreferences
from association.mail.worker import deliver_due
from association.members.models import Member
from tests.smtp import text_part
from tests.support import sign_in

from .helpers import add_event


@pytest.fixture
def organiser(make_member):
    return make_member("Olive Organiser", roles=["committee"])


def test_visitors_see_public_events_without_venue_or_link(app, client, organiser):
    public = add_event(
        app,
        organiser.id,
        title="Open evening",
        visibility="public",
        venue_name="Secret Hall",
        venue_address="1 Hidden Lane",
        online_url="https://meet.example.org/join",
    )
    add_event(app, organiser.id, title="Members' coffee", visibility="members")
    listing = client.get("/events/").data.decode()
    assert "Open evening" in listing and "Members&#39; coffee" not in listing and "Members' coffee" not in listing
    page = client.get(f"/events/{public}").data.decode()
    assert "Open evening" in page
    assert "Secret Hall" not in page and "Hidden Lane" not in page and "meet.example.org" not in page


def test_members_see_members_events_strategy_sees_strategy_events(app, organiser, make_member):
    add_event(app, organiser.id, title="Members' coffee", visibility="members")
    strategy_event = add_event(app, organiser.id, title="Strategy prep", visibility="strategy")
    member = sign_in(app.test_client(), make_member("Jo Carer"))
    listing = member.get("/events/").data.decode()
    assert "coffee" in listing and "Strategy prep" not in listing
    assert member.get(f"/events/{strategy_event}").status_code == 404
    strategist = sign_in(app.test_client(), make_member("Stef", roles=["strategy"]))
    assert "Strategy prep" in strategist.get("/events/").data.decode()
    assert app.test_client().get(f"/events/{strategy_event}").status_code == 302  # sign in first


def test_joining_link_only_for_people_going(app, organiser, make_member):
    event_id = add_event(
        app,
        organiser.id,
        title="Online evening",
        online_url="https://meet.example.org/evening",
        venue_name="Community Centre",
    )
    jo = make_member("Jo Carer")
    client = sign_in(app.test_client(), jo)
    page = client.get(f"/events/{event_id}").data.decode()
    assert "Community Centre" in page and "meet.example.org/evening" not in page
    client.post(f"/events/{event_id}/rsvp", data={"response": "going", "adults": "1", "children": "0"})
    assert "meet.example.org/evening" in client.get(f"/events/{event_id}").data.decode()


def test_list_filters_and_month_view(app, client, organiser):
    add_event(app, organiser.id, title="Picnic", visibility="public", kind="social", children_welcome=True)
    add_event(app, organiser.id, title="Training day", visibility="public", kind="training")
    assert "Training day" not in client.get("/events/?children=1").data.decode()
    assert "Picnic" not in client.get("/events/?kind=training").data.decode()
    assert "Picnic" in client.get("/events/?kind=nonsense").data.decode()  # unknown filters are ignored
    future = date.today() + timedelta(days=7)
    month = client.get(f"/events/?view=month&month={future:%Y-%m}").data.decode()
    assert "Picnic" in month and "Training day" in month
    for bad in ("2026-13", "banana", "0-0", ""):
        assert client.get(f"/events/?view=month&month={bad}").status_code == 200
    assert client.get("/events/?page=999").status_code == 200


def test_add_to_calendar_links(app, client, organiser):
    event_id = add_event(app, organiser.id, title="Open evening", visibility="public")
    page = client.get(f"/events/{event_id}").data.decode()
    assert f"/events/{event_id}.ics" in page
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in page


def test_day_before_reminders_respect_preferences(app, smtp, organiser, make_member):
    tomorrow = add_event(app, organiser.id, days_ahead=1, title="Tomorrow's group")
    later = add_event(app, organiser.id, days_ahead=5, title="Later group")
    ann, ben = make_member("Ann"), make_member("Ben")
    with app.app_context():
        for person in (ann, ben):
            for event_id in (tomorrow, later):
                respond(event_id, db.session.get(Member, person.id), True, 1, 0)
        db.session.add(MailPreferences(member_id=ben.id, event_reminders=False))
        db.session.commit()
        assert "event-reminders" in run_due_jobs()
        deliver_due()
    [mail] = smtp.wait_for(ann.email)
    assert "Tomorrow's group" in mail["Subject"] and "/account/preferences" in text_part(mail)
    assert smtp.to(ben.email) == []
    with app.app_context():
        assert db.session.get(Event, tomorrow).reminders_sent_at is not None
        assert db.session.get(Event, later).reminders_sent_at is None


def test_preferences_page_saves_choices(app, make_member):
    jo = make_member("Jo Carer")
    client = sign_in(app.test_client(), jo)
    assert client.get("/account/preferences").status_code == 200
    client.post("/account/preferences", data={"association_news": "y", "forum_notifications": "digest"})
    with app.app_context():
        saved = db.session.get(MailPreferences, jo.id)
        assert saved.forum_notifications == "digest" and not saved.event_reminders and saved.association_news
    bad = client.post("/account/preferences", data={"forum_notifications": "hourly"})
    assert b"Not a valid choice" in bad.data


def test_seed_demo_adds_events_with_replies(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        events = list(db.session.scalars(select(Event)))
        kinds = {e.kind for e in events}
        assert {"peer_support", "social", "training", "guest_speaker", "strategy"} <= kinds
        assert any(e.rrule for e in events) and any(e.status == "cancelled" for e in events)
        assert any(e.children_welcome for e in events)
        assert db.session.scalar(select(RSVP.id).limit(1)) is not None
