"""Calendar feeds, read back by other libraries as calendar apps would read them."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import vobject

from association.events.models import Event
from association.events.scheduling import EventDetails, cancel_event, update_event
from association.extensions import db
from association.members.models import Member
from tests.support import count_queries, sign_in

from .helpers import add_event, local_dt

LONDON = ZoneInfo("Europe/London")


def _check_wire_format(body: bytes) -> None:
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")  # CRLF line ends only
    for line in body.split(b"\r\n"):
        assert len(line) <= 75, f"line longer than 75 octets: {line[:80]!r}"


def _feed(client, url, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    _check_wire_format(response.data)
    return response


def _expand(body: bytes, start: date, end: date) -> list:
    """Occurrences as recurring-ical-events (on icalendar) sees them."""
    return recurring_ical_events.of(icalendar.Calendar.from_ical(body)).between(start, end)


def _vobject_starts(body: bytes, uid: str, until: datetime) -> list[datetime]:
    """The same series expanded by vobject and dateutil, a second, independent reader."""
    calendar = vobject.readOne(body.decode())
    events = [e for e in calendar.vevent_list if e.uid.value == uid]
    master = next(e for e in events if "recurrence-id" not in e.contents)
    return [d for d in master.getrruleset(addRDate=True) if d <= until]


def _feed_path(client) -> str:
    """The private feed's path, as the member finds it on their calendar page."""
    page = client.get("/account/calendar").data.decode()
    return re.search(r'https?://[^"<]+?(/calendar/[^"<]+\.ics)', page).group(1)


@pytest.fixture
def organiser(make_member):
    return make_member("Olive Organiser", roles=["committee"])


def test_public_feed_has_calendar_properties_and_only_public_events(app, client, organiser):
    add_event(
        app,
        organiser.id,
        title="Open evening",
        visibility="public",
        venue_name="Secret Hall",
        online_url="https://meet.example.org/secret",
    )
    add_event(app, organiser.id, title="Members' coffee", visibility="members")
    add_event(app, organiser.id, title="Strategy prep", visibility="strategy")
    body = _feed(client, "/events.ics").data
    calendar = icalendar.Calendar.from_ical(body)
    assert calendar["X-WR-CALNAME"] and calendar["NAME"] and calendar["COLOR"]
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(hours=1)
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT1H"
    summaries = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
    assert summaries == ["Open evening"]
    assert b"Secret Hall" not in body and b"meet.example.org" not in body and b"LOCATION" not in body
    # Every TZID used has its VTIMEZONE.
    tzids = {e["DTSTART"].params.get("TZID") for e in calendar.walk("VEVENT")} - {None}
    assert tzids == {"Europe/London"}
    assert {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")} >= tzids
    # vobject reads it too, with the time in the right zone.
    parsed = vobject.readOne(body.decode())
    assert parsed.vevent.dtstart.value.tzinfo is not None


def test_series_keeps_local_time_across_both_clock_changes(app, client, organiser):
    start = local_dt(date(2026, 10, 13), 19)  # a Tuesday in BST
    event_id = add_event(
        app,
        organiser.id,
        title="Tuesday group",
        visibility="public",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        rule="FREQ=WEEKLY;BYDAY=TU",
    )
    body = _feed(client, "/events.ics").data
    occurrences = _expand(body, date(2026, 10, 1), date(2027, 4, 30))
    assert len(occurrences) >= 28
    local = [o["DTSTART"].dt.astimezone(LONDON) for o in occurrences]
    assert {(d.hour, d.minute) for d in local} == {(19, 0)}
    offsets = {d.utcoffset() for d in local}
    assert offsets == {timedelta(hours=1), timedelta(0)}  # BST before 25 Oct and after 28 Mar, GMT between
    with app.app_context():
        uid = db.session.get(Event, event_id).uid
        rows = db.session.query(Event).filter((Event.id == event_id) | (Event.series_id == event_id)).all()
        # The rows members reply to carry the same instants as the feed.
        row_starts = {r.starts_at for r in rows}
    feed_starts = {o["DTSTART"].dt.astimezone(ZoneInfo("UTC")).replace(tzinfo=None) for o in occurrences}
    assert feed_starts & row_starts and feed_starts - row_starts <= {s for s in feed_starts if s > max(row_starts)}
    # vobject hands dateutil a pytz zone, whose offsets dateutil does not normalise; the wall-clock
    # times it reads from the feed are what must stay at 19:00.
    independent = [d.replace(tzinfo=None) for d in _vobject_starts(body, uid, datetime(2027, 4, 30, tzinfo=LONDON))]
    assert {(d.hour, d.minute) for d in independent} == {(19, 0)} and len(independent) >= 28
    assert [d.date() for d in independent][:3] == [date(2026, 10, 13), date(2026, 10, 20), date(2026, 10, 27)]


def test_moved_and_cancelled_meetings_are_overrides_and_exdates(app, client, organiser):
    start = local_dt(date(2026, 12, 1), 19)
    event_id = add_event(
        app,
        organiser.id,
        title="Peer support",
        visibility="public",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        rule="FREQ=MONTHLY;BYDAY=1TU",
    )
    with app.app_context():
        occurrences = db.session.query(Event).filter(Event.series_id == event_id).order_by(Event.starts_at).all()
        january, february = occurrences[0], occurrences[1]
        moved = EventDetails.of(january)
        moved.starts_at, moved.ends_at = local_dt(date(2027, 1, 12), 18, 30), local_dt(date(2027, 1, 12), 20, 30)
        moved.title = "Peer support (moved for the new year)"
        organiser_row = db.session.get(Member, organiser.id)
        update_event(january, moved, organiser_row)
        cancel_event(db.session.get(Event, february.id), "Venue closed", organiser_row)
        uid = db.session.get(Event, event_id).uid
    body = _feed(client, "/events.ics").data
    calendar = icalendar.Calendar.from_ical(body)
    series = [e for e in calendar.walk("VEVENT") if str(e["UID"]) == uid]
    master = next(e for e in series if "RECURRENCE-ID" not in e)
    override = next(e for e in series if "RECURRENCE-ID" in e)
    assert "RRULE" in master and "EXDATE" in master
    assert override["RECURRENCE-ID"].dt == datetime(2027, 1, 5, 19, 0, tzinfo=LONDON)
    seen = {
        o["DTSTART"].dt.astimezone(LONDON).replace(tzinfo=None): str(o["SUMMARY"])
        for o in _expand(body, date(2026, 11, 1), date(2027, 3, 31))
    }
    assert seen == {
        datetime(2026, 12, 1, 19, 0): "Peer support",
        datetime(2027, 1, 12, 18, 30): "Peer support (moved for the new year)",
        datetime(2027, 3, 2, 19, 0): "Peer support",
    }  # 2 February is cancelled, so not there
    assert int(override["SEQUENCE"]) >= 1


def test_uid_is_stable_and_sequence_rises_on_changes_that_matter(app, client, organiser):
    event_id = add_event(app, organiser.id, title="Training", visibility="public")

    def vevent():
        return icalendar.Calendar.from_ical(_feed(client, "/events.ics").data).walk("VEVENT")[0]

    first = vevent()
    with app.app_context():
        event = db.session.get(Event, event_id)
        details = EventDetails.of(event)
        details.accessibility_notes = "Hearing loop"  # not in calendars: no new sequence
        update_event(event, details, db.session.get(Member, organiser.id))
    assert int(vevent()["SEQUENCE"]) == int(first["SEQUENCE"])
    with app.app_context():
        event = db.session.get(Event, event_id)
        details = EventDetails.of(event)
        details.starts_at += timedelta(hours=1)
        details.ends_at += timedelta(hours=1)
        update_event(event, details, db.session.get(Member, organiser.id))
    second = vevent()
    assert str(second["UID"]) == str(first["UID"])
    assert int(second["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert second["LAST-MODIFIED"].dt >= first["LAST-MODIFIED"].dt and "DTSTAMP" in second
    with app.app_context():
        cancel_event(db.session.get(Event, event_id), "Trainer ill", db.session.get(Member, organiser.id))
    third = vevent()
    assert str(third["STATUS"]) == "CANCELLED" and int(third["SEQUENCE"]) == int(first["SEQUENCE"]) + 2


def test_etag_and_last_modified_give_304_until_something_changes(app, client, organiser):
    event_id = add_event(app, organiser.id, visibility="public")
    first = _feed(client, "/events.ics")
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    again = client.get("/events.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    with app.app_context():
        cancel_event(db.session.get(Event, event_id), "x", db.session.get(Member, organiser.id))
    changed = client.get("/events.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_public_feed_answers_304_to_if_modified_since_until_something_changes(app, client, organiser):
    event_id = add_event(app, organiser.id, visibility="public")
    last_modified = _feed(client, "/events.ics").headers["Last-Modified"]
    again = client.get("/events.ics", headers={"If-Modified-Since": last_modified})
    assert again.status_code == 304 and again.data == b""
    # An ETag that no longer matches wins over a date that would.
    assert (
        client.get("/events.ics", headers={"If-Modified-Since": last_modified, "If-None-Match": '"old"'}).status_code
        == 200
    )
    with app.app_context():
        db.session.get(Event, event_id).updated_at = datetime(2099, 1, 1)  # changed after that date
        db.session.commit()
    assert client.get("/events.ics", headers={"If-Modified-Since": last_modified}).status_code == 200


def test_one_event_feed_has_etag_last_modified_and_cache_control_and_answers_304(app, client, organiser, make_member):
    from association.events.rsvps import respond

    start = local_dt(date(2027, 1, 5), 19)
    series = add_event(
        app,
        organiser.id,
        title="Tuesday group",
        visibility="members",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        rule="FREQ=WEEKLY;BYDAY=TU",
    )
    one_off = add_event(app, organiser.id, title="Open evening", visibility="public")
    first = _feed(client, f"/events/{one_off}.ics")
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert first.headers["Content-Disposition"] == f'attachment; filename="event-{one_off}.ics"'
    for headers in ({"If-None-Match": etag}, {"If-Modified-Since": last_modified}):
        again = client.get(f"/events/{one_off}.ics", headers=headers)
        assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag, headers
    # A member's copy of a meeting of the series carries their reply: private, and it changes with it.
    carer = make_member("Jo Carer")
    member = sign_in(app.test_client(), carer)
    with app.app_context():
        meetings = list(
            db.session.scalars(db.select(Event.id).where(Event.series_id == series).order_by(Event.starts_at))
        )
    url = f"/events/{meetings[2]}.ics"
    mine = _feed(member, url)
    assert mine.headers["Cache-Control"] == "private, max-age=300"
    assert member.get(url, headers={"If-None-Match": mine.headers["ETag"]}).status_code == 304
    # Dates stamp the events, not all a member's copy shows: a private copy answers only its ETag.
    assert member.get(url, headers={"If-Modified-Since": mine.headers["Last-Modified"]}).status_code == 200
    with app.app_context():
        respond(meetings[2], db.session.get(Member, carer.id), True, 1, 0)
    replied = member.get(url, headers={"If-None-Match": mine.headers["ETag"]})
    assert replied.status_code == 200 and b"X-ASSOCIATION-RSVP:GOING" in replied.data
    # Cancelling another meeting changes the series' feed (an EXDATE) for everyone.
    with app.app_context():
        cancel_event(db.session.get(Event, meetings[4]), "Hall closed", db.session.get(Member, organiser.id))
    cancelled = member.get(url, headers={"If-None-Match": replied.headers["ETag"]})
    assert cancelled.status_code == 200 and b"EXDATE" in cancelled.data
    assert member.get(url, headers={"If-None-Match": cancelled.headers["ETag"]}).status_code == 304
    # The other event's ETag is not this one's.
    assert etag != cancelled.headers["ETag"]


def test_vtimezone_is_yearly_rules_starting_at_the_local_time_before_each_change(app, client, organiser):
    """As Outlook and tzurl.org write it: summer time from 01:00 (GMT) on the last Sunday of
    March, winter time from 02:00 (BST) on the last Sunday of October, no RDATE list."""
    from association.events.vtimezone import vtimezone

    add_event(app, organiser.id, visibility="public")
    calendar = icalendar.Calendar.from_ical(_feed(client, "/events.ics").data)
    (zone,) = calendar.walk("VTIMEZONE")
    assert b"RDATE" not in zone.to_ical()
    rules = {c.name: c for c in zone.subcomponents if "RRULE" in c}
    daylight, standard = rules["DAYLIGHT"], rules["STANDARD"]
    assert daylight["DTSTART"].dt.time() == datetime(2020, 1, 1, 1).time() and daylight["DTSTART"].dt.month == 3
    assert standard["DTSTART"].dt.time() == datetime(2020, 1, 1, 2).time() and standard["DTSTART"].dt.month == 10
    for component, month in ((daylight, 3), (standard, 10)):
        rule = component["RRULE"]
        assert rule["FREQ"] == ["YEARLY"] and rule["BYMONTH"] == [month] and rule["BYDAY"] == ["-1SU"]
        assert "UNTIL" not in rule
    assert (str(daylight["TZNAME"]), str(standard["TZNAME"])) == ("BST", "GMT")
    # A zone whose changes follow no yearly rule (Morocco's breaks for Ramadan) keeps the RDATE list.
    assert b"RDATE" in vtimezone("Africa/Casablanca")


def test_private_feed_shows_what_the_member_may_see_with_their_reply(app, organiser, make_member):
    from association.events.rsvps import respond

    carer = make_member("Jo Carer")
    strategist = make_member("Stef Strategy", roles=["strategy"])
    online = add_event(
        app,
        organiser.id,
        title="Online evening",
        visibility="members",
        online_url="https://meet.example.org/evening",
        venue_name="Zoom",
        children_welcome=True,
    )
    add_event(app, organiser.id, title="Strategy prep", visibility="strategy")
    with app.app_context():
        respond(online, db.session.get(Member, carer.id), True, 2, 3)
    client = sign_in(app.test_client(), carer)
    page = client.get("/account/calendar").data.decode()
    assert re.search(r'webcal://[^"<]+/calendar/[^"<]+\.ics', page)
    path = _feed_path(client)
    body = _feed(client, path).data
    calendar = icalendar.Calendar.from_ical(body)
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert "Strategy prep" not in events
    mine = events["Online evening"]
    assert str(mine["X-ASSOCIATION-RSVP"]) == "GOING"
    assert mine["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert "meet.example.org/evening" in str(mine["DESCRIPTION"]) and "2 adults, 3 children" in str(mine["DESCRIPTION"])
    # The strategy group member's feed has the strategy meeting; nobody else's has the joining link.
    other = sign_in(app.test_client(), strategist)
    other_body = _feed(other, _feed_path(other)).data
    assert b"Strategy prep" in other_body and b"meet.example.org/evening" not in other_body
    # Rotating kills the old link.
    client.post("/account/calendar/rotate")
    assert client.get(path).status_code == 404
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404
    assert client.get("/calendar/" + "x" * 200 + ".ics").status_code == 404


def test_private_feed_of_a_member_who_left_is_gone(app, organiser, make_member):
    carer = make_member("Jo Carer")
    client = sign_in(app.test_client(), carer)
    path = _feed_path(client)
    assert client.get(path).status_code == 200
    with app.app_context():
        db.session.get(Member, carer.id).status = "left"
        db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_one_event_feed_and_visibility(app, organiser, make_member):
    public = add_event(app, organiser.id, title="Open evening", visibility="public")
    members = add_event(app, organiser.id, title="Members only", visibility="members")
    anonymous = app.test_client()
    body = _feed(anonymous, f"/events/{public}.ics").data
    assert b"Open evening" in body
    assert anonymous.get(f"/events/{members}.ics").status_code == 404
    assert anonymous.get("/events/999999.ics").status_code == 404
    member = sign_in(app.test_client(), make_member("Jo Carer"))
    assert b"Members only" in _feed(member, f"/events/{members}.ics").data


def test_pages_and_feeds_use_the_same_number_of_queries_for_10_and_1000_events(app, organiser, make_member):
    from association.core.database import utcnow
    from association.events.models import RSVP

    viewer = make_member("Vera Viewer")
    client = sign_in(app.test_client(), viewer)

    def add(count, offset):
        with app.app_context():
            for i in range(offset, offset + count):
                start = utcnow() + timedelta(days=1 + i % 300, hours=i % 5)
                event = Event(
                    title=f"Event {i:04d}",
                    kind="social",
                    starts_at=start,
                    ends_at=start + timedelta(hours=2),
                    visibility="public" if i % 2 else "members",
                    capacity=20,
                    organiser_id=organiser.id,
                )
                db.session.add(event)
                db.session.flush()
                db.session.add(RSVP(event_id=event.id, member_id=viewer.id, response="going", adults=1, children=1))
            db.session.commit()

    for url in ("/events/", "/events.ics", "/events/?view=month"):
        client.get(url)
    add(10, 0)
    small = {}
    for url in ("/events/", "/events.ics", "/events/?view=month"):
        client.get(url)  # fills the VEVENT cache for these events
        with count_queries(app) as counted:
            assert client.get(url).status_code == 200
        small[url] = counted[0]
    add(990, 10)
    for url in ("/events/", "/events.ics", "/events/?view=month"):
        client.get(url)
        with count_queries(app) as counted:
            response = client.get(url)
        assert response.status_code == 200
        assert counted[0] == small[url], f"{url}: {small[url]} queries for 10 events, {counted[0]} for 1,000"
    assert _feed(client, "/events.ics").data.count(b"BEGIN:VEVENT") == 500
