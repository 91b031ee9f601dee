"""Issue 13, events: what a new carer or organiser hit the first time (items 7 to 15)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from association.core.timefmt import local_today
from association.events.models import RSVP, Event
from association.events.rsvps import respond
from association.events.scheduling import cancel_event
from association.extensions import db
from association.members.models import Member
from tests.support import sign_in

from .helpers import add_event, local_dt


@pytest.fixture
def organiser(app, make_member):
    ref = make_member("Olive Organiser", roles=["committee"])
    return ref, sign_in(app.test_client(), ref)


def _form(day: date, **changes):
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


def _reply(app, event_id):
    with app.app_context():
        return {
            name: (r.response, r.adults, r.children, r.adults_waiting, r.children_waiting)
            for r, name in db.session.execute(
                select(RSVP, Member.name).join(Member, Member.id == RSVP.member_id).where(RSVP.event_id == event_id)
            )
        }


def _today(app) -> date:
    with app.app_context():
        return local_today()


def _beside(page: str, field: str) -> str:
    """The error list printed beside ``field`` by macros/forms.html."""
    found = re.search(rf'<ul class="field-error" id="{field}-error">(.*?)</ul>', page, re.S)
    return found.group(1) if found else ""


# Item 7 ------------------------------------------------------------------------------------------


def test_an_adults_only_event_refuses_children_and_does_not_ask_for_them(app, organiser, make_member):
    ref, _ = organiser
    event_id = add_event(app, ref.id, title="Carers' night out", children_welcome=False)
    jo = sign_in(app.test_client(), make_member("Jo Carer"))
    page = jo.get(f"/events/{event_id}").get_data(as_text=True)
    assert 'name="children"' not in page and "for adults only" in page
    sent = jo.post(f"/events/{event_id}/rsvp", data={"response": "going", "adults": "2", "children": "1"})
    assert sent.status_code == 400
    page = sent.get_data(as_text=True)
    assert "adults only" in _beside(page, "children")
    assert 'name="adults"' in page and 'value="2"' in page
    assert _reply(app, event_id) == {}
    with app.app_context(), pytest.raises(ValueError, match="adults only"):
        respond(event_id, db.session.get(Member, ref.id), True, 1, 2)
    ok = jo.post(f"/events/{event_id}/rsvp", data={"response": "going", "adults": "2"})
    assert ok.status_code == 302 and _reply(app, event_id) == {"Jo Carer": ("going", 2, 0, 0, 0)}


# Item 8 ------------------------------------------------------------------------------------------


def test_a_party_bigger_than_the_places_left_chooses_what_to_do(app, organiser, make_member):
    ref, _ = organiser
    event_id = add_event(app, ref.id, capacity=20, children_welcome=True)
    ann, ben = make_member("Ann"), make_member("Ben")
    with app.app_context():
        respond(event_id, db.session.get(Member, ann.id), True, 1, 0)
    client = sign_in(app.test_client(), ben)
    party = {"response": "going", "adults": "15", "children": "5"}
    asked = client.post(f"/events/{event_id}/rsvp", data=party)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "only 19 places left for your party of 20" in page
    assert "Book 19 now (15 adults, 4 children) and put the other 1 on the waiting list" in page
    assert "Put all 20 of us on the waiting list" in page and "The event is full" not in page
    assert 'value="15"' in page and _reply(app, event_id)["Ann"][0] == "going" and "Ben" not in _reply(app, event_id)

    # Someone took a place meanwhile: asked again with the new number, nothing stored.
    cat = make_member("Cat")
    with app.app_context():
        respond(event_id, db.session.get(Member, cat.id), True, 1, 0)
    again = client.post(f"/events/{event_id}/rsvp", data={**party, "split": "book_now", "places_seen": "19"})
    assert "18 are left now" in again.get_data(as_text=True) and "Ben" not in _reply(app, event_id)

    booked = client.post(
        f"/events/{event_id}/rsvp", data={**party, "split": "book_now", "places_seen": "18"}, follow_redirects=True
    )
    assert "You&#39;re going with 18 people now, and the other 2 are on the waiting list" in booked.get_data(
        as_text=True
    )
    assert _reply(app, event_id)["Ben"] == ("going", 15, 3, 0, 2)
    assert "2 children more on the waiting list" in booked.get_data(as_text=True).replace("0 adults, ", "")
    # Ann and Cat drop out: the rest of Ben's party comes in.
    with app.app_context():
        respond(event_id, db.session.get(Member, ann.id), False)
        respond(event_id, db.session.get(Member, cat.id), False)
    assert _reply(app, event_id)["Ben"] == ("going", 15, 5, 0, 0)


def test_a_party_can_put_everyone_on_the_waiting_list(app, organiser, make_member):
    ref, _ = organiser
    event_id = add_event(app, ref.id, capacity=4)
    with app.app_context():
        respond(event_id, db.session.get(Member, make_member("Ann").id), True, 3, 0)
    client = sign_in(app.test_client(), make_member("Ben"))
    client.post(
        f"/events/{event_id}/rsvp",
        data={"response": "going", "adults": "3", "split": "waitlist_all", "places_seen": "1"},
    )
    assert _reply(app, event_id)["Ben"] == ("waitlisted", 3, 0, 0, 0)


# Item 9 ------------------------------------------------------------------------------------------


def test_reply_errors_keep_what_was_typed_and_sit_beside_the_field(app, organiser, make_member):
    ref, _ = organiser
    event_id = add_event(app, ref.id, children_welcome=True)
    client = sign_in(app.test_client(), make_member("Jo Carer"))
    sent = client.post(
        f"/events/{event_id}/rsvp",
        data={"response": "going", "adults": "25", "children": "2", "note": "bringing a curry"},
    )
    page = sent.get_data(as_text=True)
    assert sent.status_code == 400
    assert "Adults must be from 0 to 20" in _beside(page, "adults")
    assert re.search(r'<input[^>]*id="adults"[^>]*value="25"', page) and 'value="bringing a curry"' in page
    assert 'class="flash' not in page
    assert _reply(app, event_id) == {}


def test_the_event_form_reports_every_problem_at_once(app, organiser):
    _ref, client = organiser
    sent = client.post("/events/new", data=_form(_today(app) + timedelta(days=5), capacity="0", end_time="18:00"))
    page = sent.get_data(as_text=True)
    assert "Places must be from 1" in _beside(page, "capacity")
    assert "must end after it starts" in _beside(page, "end_time")


# Item 10 -----------------------------------------------------------------------------------------


def test_a_cancelled_event_never_says_you_are_going(app, organiser, make_member):
    ref, _ = organiser
    event_id = add_event(app, ref.id, title="Coffee morning")
    jo = make_member("Jo Carer")
    with app.app_context():
        respond(event_id, db.session.get(Member, jo.id), True, 1, 0)
        cancel_event(db.session.get(Event, event_id), "The café flooded", db.session.get(Member, ref.id))
    client = sign_in(app.test_client(), jo)
    for path in (f"/events/{event_id}", "/events/"):
        page = client.get(path).get_data(as_text=True)
        assert "Cancelled" in page and "You&#39;re going" not in page and "You're going" not in page, path


# Item 11 -----------------------------------------------------------------------------------------


def test_the_month_view_shows_events_on_the_greyed_days_either_side(app, organiser, make_member):
    ref, _ = organiser
    # November 2026's grid runs from Mon 26 October to Sun 6 December.
    add_event(
        app,
        ref.id,
        title="Advent social",
        starts_at=local_dt(date(2026, 12, 1), 19),
        ends_at=local_dt(date(2026, 12, 1), 21),
    )
    add_event(
        app,
        ref.id,
        title="Winter fair",
        starts_at=local_dt(date(2026, 12, 5), 10),
        ends_at=local_dt(date(2026, 12, 5), 12),
    )
    client = sign_in(app.test_client(), make_member("Jo Carer"))
    page = client.get("/events/?view=month&month=2026-11").get_data(as_text=True)
    grid = page[page.index('<table class="month-grid">') : page.index("</table>")]
    assert "Advent social" in grid and "Winter fair" in grid
    assert "Nothing in the calendar" not in page
    assert "&larr;&nbsp;</span>Previous month" in page


# Item 12 -----------------------------------------------------------------------------------------


def test_a_series_is_listed_once_with_its_next_date_its_rule_and_its_later_dates(app, organiser, make_member):
    ref, client = organiser
    first_tuesday = date(2027, 1, 5)
    client.post("/events/new", data=_form(first_tuesday, title="Tuesday group", repeat="monthly_weekday"))
    add_event(
        app,
        ref.id,
        title="Christmas fair",
        all_day=True,
        starts_at=local_dt(date(2026, 12, 23), 0),
        ends_at=local_dt(date(2026, 12, 24), 0),
        children_welcome=True,
        age_bands="0-4",
    )
    with app.app_context():
        meetings = db.session.scalar(select(db.func.count()).select_from(Event).where(Event.title == "Tuesday group"))
    assert meetings > 10
    jo = sign_in(app.test_client(), make_member("Jo Carer"))
    page = jo.get("/events/").get_data(as_text=True)
    assert page.count(">Tuesday group<") == 1
    assert "Every first Tuesday of the month" in page
    assert "Next: <time" in page and "Tue 5 Jan 2027, 19:00 to 21:00" in page
    start = page.index('<details class="later-dates">')
    later = page[start : page.index("</details>", start)]
    assert "Tue 2 Feb 2027, 19:00 to 21:00" in later and "Tue 2 Mar 2027" in later
    assert "Wed 23 Dec 2026, all day" in page and "23 December 2026" not in page
    with app.app_context():
        fair = db.session.scalar(select(Event.id).where(Event.title == "Christmas fair"))
    assert "best for under 5s" in jo.get(f"/events/{fair}").get_data(as_text=True)


# Item 13 -----------------------------------------------------------------------------------------


def test_a_past_start_is_refused(app, organiser):
    _ref, client = organiser
    sent = client.post("/events/new", data=_form(_today(app) - timedelta(days=3)))
    assert "in the past" in _beside(sent.get_data(as_text=True), "start_date")
    with app.app_context():
        assert db.session.scalar(select(Event.id)) is None


def test_kind_of_event_must_be_chosen(app, organiser):
    _ref, client = organiser
    page = client.get("/events/new").get_data(as_text=True)
    assert re.search(r'<option (selected )?value="">Choose one</option>', page)
    sent = client.post("/events/new", data=_form(_today(app) + timedelta(days=3), kind=""))
    assert "Choose the kind of event" in _beside(sent.get_data(as_text=True), "kind")


@pytest.mark.parametrize(
    "changes, rule",
    [
        ({"repeat": "weekly", "repeat_weekday": "TU"}, "FREQ=WEEKLY;BYDAY=TU"),
        ({"repeat": "every_n_weeks", "repeat_weeks": "3"}, "FREQ=WEEKLY;INTERVAL=3;BYDAY=TU"),
        ({"repeat": "monthly_weekday", "repeat_nth": "1", "repeat_weekday": "TU"}, "FREQ=MONTHLY;BYDAY=1TU"),
    ],
)
def test_plain_repeat_choices(app, organiser, changes, rule):
    _ref, client = organiser
    assert client.post("/events/new", data=_form(date(2027, 1, 5), **changes)).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Event.rrule).where(Event.rrule.is_not(None))) == rule


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"repeat": "monthly_weekday", "repeat_nth": "2"}, "repeat_nth", "is the first Tuesday of its month"),
        ({"repeat": "weekly", "repeat_weekday": "WE"}, "repeat_weekday", "is a Tuesday"),
        ({"repeat": "every_n_weeks"}, "repeat_weeks", "how many weeks apart"),
    ],
)
def test_repeat_choices_that_do_not_fit_the_first_date_are_explained(app, organiser, changes, field, message):
    _ref, client = organiser
    sent = client.post("/events/new", data=_form(date(2027, 1, 5), **changes))
    assert message in _beside(sent.get_data(as_text=True), field)


def test_only_admins_are_offered_a_raw_rule(app, organiser, admin_client):
    _ref, client = organiser
    assert "Custom rule" not in client.get("/events/new").get_data(as_text=True)
    admin, _admin = admin_client
    assert "Custom rule" in admin.get("/events/new").get_data(as_text=True)
    assert (
        admin.post(
            "/events/new", data=_form(date(2027, 1, 5), repeat="custom", custom_rule="FREQ=MONTHLY;BYDAY=-1FR")
        ).status_code
        == 302
    )


# Item 14 -----------------------------------------------------------------------------------------


def test_visitors_are_told_how_to_reply(app, client, organiser):
    ref, _ = organiser
    add_event(app, ref.id, title="Open evening", visibility="public")
    page = client.get("/events/").get_data(as_text=True)
    assert "say if you&#39;re coming" not in page and "say if you're coming" not in page
    assert 'href="/login?next=/events/"' in page and 'href="/apply"' in page


# Item 15 -----------------------------------------------------------------------------------------


def _times(app, event_id):
    with app.app_context():
        event = db.session.get(Event, event_id)
        return event.starts_at, event.ends_at


def test_moving_the_start_keeps_the_length(app, organiser):
    ref, client = organiser
    day = _today(app) + timedelta(days=10)
    event_id = add_event(app, ref.id, starts_at=local_dt(day, 19), ends_at=local_dt(day, 21))
    form = client.get(f"/events/{event_id}/edit").get_data(as_text=True)
    assert (
        re.search(r'<input[^>]*id="end_date"[^>]*value=""', form)
        or 'id="end_date" name="end_date" type="date" value=""' in form
    )
    later, earlier = day + timedelta(days=2), day - timedelta(days=2)
    for new_day in (later, earlier):
        sent = client.post(f"/events/{event_id}/edit", data=_form(new_day, end_date=""))
        assert sent.status_code == 302, _beside(sent.get_data(as_text=True), "end_time")
        assert _times(app, event_id) == (local_dt(new_day, 19), local_dt(new_day, 21))
    # An old page that still sends the end date it showed: the end moves too.
    sent = client.post(f"/events/{event_id}/edit", data=_form(day, end_date=earlier.isoformat()))
    assert sent.status_code == 302 and _times(app, event_id) == (local_dt(day, 19), local_dt(day, 21))
    # A changed end time is kept.
    client.post(f"/events/{event_id}/edit", data=_form(later, end_time="22:00"))
    assert _times(app, event_id) == (local_dt(later, 19), local_dt(later, 22))


def test_an_event_longer_than_a_day_is_asked_about(app, organiser):
    ref, client = organiser
    day = _today(app) + timedelta(days=10)
    event_id = add_event(app, ref.id, starts_at=local_dt(day, 19), ends_at=local_dt(day, 21))
    long_end = (day + timedelta(days=2)).isoformat()
    asked = client.post(f"/events/{event_id}/edit", data=_form(day, end_date=long_end))
    page = asked.get_data(as_text=True)
    assert "would last 2 days and 2 hours" in _beside(page, "end_date") and 'name="confirm_long"' in page
    assert _times(app, event_id) == (local_dt(day, 19), local_dt(day, 21))
    confirmed = client.post(f"/events/{event_id}/edit", data=_form(day, end_date=long_end, confirm_long="y"))
    assert confirmed.status_code == 302
    assert _times(app, event_id) == (local_dt(day, 19), local_dt(day + timedelta(days=2), 21))
    # Saved once confirmed, it isn't asked about again when something else changes.
    assert (
        client.post(f"/events/{event_id}/edit", data=_form(day, end_date=long_end, title="Residential")).status_code
        == 302
    )
    new = client.post("/events/new", data=_form(day, end_date=long_end))
    assert "would last" in _beside(new.get_data(as_text=True), "end_date")
