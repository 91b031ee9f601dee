"""iCalendar feeds (RFC 5545, with RFC 7986 calendar names and refresh interval).

Each event's VEVENT is serialised once and kept on its row (public and members' variants), so a
feed is mostly joined text; only events the member replied to are built per member, with their
reply. A series is one VEVENT with RRULE, EXDATE for cancelled meetings and a RECURRENCE-ID
VEVENT for each meeting changed on its own.
"""
from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import Calendar, Event as VEvent, Timezone, vCalAddress, vDuration, vText
from markupsafe import Markup
from sqlalchemy import bindparam, select

from ..extensions import db
from ..mail.outbox import external_url
from .models import RSVP, Event

REFRESH = timedelta(hours=1)
COLOUR = "teal"
PARTSTAT = {"going": "ACCEPTED", "waitlisted": "TENTATIVE", "not_going": "DECLINED"}


@lru_cache(maxsize=4)
def _vtimezone(tzid: str) -> bytes:
    return Timezone.from_tzinfo(ZoneInfo(tzid), tzid=tzid, first_date=date(2020, 1, 1),
                                last_date=date(2040, 1, 1)).to_ical()


def _header(name: str, description: str) -> bytes:
    # RFC 7986 NAME/DESCRIPTION; Calendar.new adds the older X-WR-CALNAME/X-WR-CALDESC too.
    calendar = Calendar.new(prodid="-//Foster Carers Association//association//EN", name=name,
                            description=description, color=COLOUR, refresh_interval=REFRESH,
                            method="PUBLISH", calscale="GREGORIAN",
                            uid=hashlib.sha256(name.encode()).hexdigest()[:32])
    calendar.add("X-WR-TIMEZONE", current_app.config["TIMEZONE"])
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    text = calendar.to_ical()
    return text[: text.rindex(b"END:VCALENDAR")]


def _local(value: datetime, zone: ZoneInfo) -> datetime:
    return value.replace(tzinfo=UTC).astimezone(zone)


def _plain_description(event: Event, variant: str, rsvp: RSVP | None) -> str:
    lines = []
    if rsvp is not None:
        if rsvp.response == "going":
            lines.append(f"You're going ({rsvp.adults} adults, {rsvp.children} children).")
        elif rsvp.response == "waitlisted":
            lines.append("You're on the waiting list.")
        else:
            lines.append("You said you can't come.")
        if rsvp.response == "going" and event.online_url:
            lines.append(f"Join online: {event.online_url}")
    if event.is_cancelled:
        lines.append("This event has been cancelled.")
    if event.description_md:
        lines.append(Markup(event.description_html).striptags() if event.description_html else event.description_md)
    facts = [label for flag, label in ((event.children_welcome, "Children welcome"),
                                       (event.bring_a_dish, "Bring a dish to share")) if flag]
    if event.age_band_labels:
        facts.append("Ages: " + ", ".join(event.age_band_labels))
    if facts:
        lines.append(" · ".join(facts))
    if variant == "member" and event.accessibility_notes:
        lines.append(f"Access: {event.accessibility_notes}")
    if variant == "member" and event.map_url:
        lines.append(f"Map: {event.map_url}")
    lines.append(f"Details and replies: {external_url('events.detail', event_id=event.id)}")
    return "\n\n".join(lines)


def _times(component: VEvent, event: Event, zone: ZoneInfo) -> None:
    if event.all_day:
        start = _local(event.starts_at, zone).date()
        end = max(_local(event.ends_at - timedelta(seconds=1), zone).date() + timedelta(days=1),
                  start + timedelta(days=1))
        component.add("DTSTART", start)
        component.add("DTEND", end)
    else:
        component.add("DTSTART", _local(event.starts_at, zone))
        component.add("DTEND", _local(event.ends_at, zone))


def _recurrence_value(value: datetime, event: Event, zone: ZoneInfo):
    return _local(value, zone).date() if event.all_day else _local(value, zone)


def build_vevent(event: Event, variant: str, master: Event | None = None, exdates=(), rsvp: RSVP | None = None,
                 member=None) -> bytes:
    """One VEVENT. ``master`` is the series' first row when ``event`` is a changed meeting of it."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    component = VEvent()
    component.add("UID", (master or event).uid)
    component.add("DTSTAMP", event.updated_at.replace(tzinfo=UTC))
    component.add("CREATED", event.created_at.replace(tzinfo=UTC))
    component.add("LAST-MODIFIED", event.updated_at.replace(tzinfo=UTC))
    component.add("SEQUENCE", event.sequence)
    component.add("SUMMARY", event.title)
    _times(component, event, zone)
    if master is not None:
        component.add("RECURRENCE-ID", _recurrence_value(event.recurrence_id, master, zone))
    elif event.rrule:
        rule = event.rrule
        if event.series_ended_at is not None:
            parts = [p for p in rule.split(";") if not p.startswith(("COUNT=", "UNTIL="))]
            until = _local(event.series_ended_at, zone).replace(hour=23, minute=59, second=59).astimezone(UTC)
            rule = ";".join([*parts, f"UNTIL={until:%Y%m%dT%H%M%SZ}"])
        component.add("RRULE", _rrule_dict(rule))
        if event.is_cancelled:  # the first meeting was cancelled, not the series
            exdates = [event.recurrence_id, *exdates]
        for value in exdates:
            component.add("EXDATE", _recurrence_value(value, event, zone))
    component.add("STATUS", "CANCELLED" if event.is_cancelled and not event.rrule else "CONFIRMED")
    component.add("CATEGORIES", [event.kind_label])
    component.add("CLASS", "PUBLIC" if event.visibility == "public" else "PRIVATE")
    component.add("URL", external_url("events.detail", event_id=event.id))
    component.add("DESCRIPTION", _plain_description(event, variant, rsvp))
    if variant == "member":
        place = ", ".join(p for p in (event.venue_name, event.venue_address) if p)
        if rsvp is not None and rsvp.response == "going" and event.online_url:
            place = place or event.online_url
        if place:
            component.add("LOCATION", place)
    if rsvp is not None and member is not None and member.email:
        attendee = vCalAddress(f"mailto:{member.email}")
        attendee.params["CN"] = vText(member.name)
        attendee.params["PARTSTAT"] = PARTSTAT[rsvp.response]
        component.add("ATTENDEE", attendee)
        component.add("X-ASSOCIATION-RSVP", rsvp.response.upper())
    return component.to_ical()


def _rrule_dict(rule: str) -> dict:
    from icalendar import vRecur

    return vRecur.from_ical(rule)


def feed_etag(events_version: tuple, extra: str = "") -> str:
    digest = hashlib.sha256(repr((events_version, extra)).encode()).hexdigest()[:32]
    return f'"{digest}"'


def build_feed(events: list[Event], variant: str, name: str, description: str,
               rsvps: dict[int, RSVP] | None = None, member=None, extra_occurrences: list[Event] = ()) -> bytes:
    """A whole VCALENDAR: cached VEVENTs where they exist, the rest built (and kept)."""
    rsvps = rsvps or {}
    column = "ics_public" if variant == "public" else "ics_member"
    cached = dict(db.session.execute(
        select(Event.id, getattr(Event, column)).where(Event.id.in_([e.id for e in events]))
    ).all()) if events else {}
    masters_needing_exdates = [e.id for e in events if e.rrule and (cached.get(e.id) is None)]
    exdates: dict[int, list[datetime]] = {}
    if masters_needing_exdates:
        for series_id, recurrence_id in db.session.execute(select(Event.series_id, Event.recurrence_id).where(
                Event.series_id.in_(masters_needing_exdates), Event.status == "cancelled")):
            exdates.setdefault(series_id, []).append(recurrence_id)
    by_id = {e.id: e for e in events}
    masters = _masters_for([e for e in events if e.series_id] + list(extra_occurrences), by_id)

    parts = [_header(name, description), _vtimezone(current_app.config["TIMEZONE"])]
    fresh: dict[int, str] = {}
    for event in events:
        master = masters.get(event.series_id) if event.series_id else None
        if event.series_id and event.is_cancelled:
            continue  # a cancelled meeting of a series is an EXDATE on the series
        if event.id in rsvps:
            parts.append(build_vevent(event, variant, master, exdates.get(event.id, ()), rsvps[event.id], member))
            continue
        text = cached.get(event.id)
        if text is None:
            text = build_vevent(event, variant, master, exdates.get(event.id, ())).decode()
            fresh[event.id] = text
        parts.append(text.encode())
    for occurrence in extra_occurrences:
        if occurrence.is_cancelled:
            continue
        parts.append(build_vevent(occurrence, variant, masters.get(occurrence.series_id), (),
                                  rsvps.get(occurrence.id), member))
    parts.append(b"END:VCALENDAR\r\n")
    if fresh:
        _keep(column, fresh)
    return b"".join(parts)


def _masters_for(occurrences: list[Event], known: dict[int, Event]) -> dict[int, Event]:
    wanted = {e.series_id for e in occurrences if e.series_id} - set(known)
    masters = {i: e for i, e in known.items() if e.rrule}
    if wanted:
        masters.update({e.id: e for e in db.session.scalars(select(Event).where(Event.id.in_(wanted)))})
    return masters


def _keep(column: str, texts: dict[int, str]) -> None:
    """Store freshly built VEVENTs; a feed is still served if another writer holds the lock."""
    from sqlalchemy.exc import OperationalError

    table = Event.__table__
    try:
        # One executemany on the table: no ORM bookkeeping over the events already loaded.
        db.session.connection().execute(
            table.update().where(table.c.id == bindparam("event_id")).values({column: bindparam("text")}),
            [{"event_id": event_id, "text": text} for event_id, text in texts.items()],
        )
        db.session.commit()
    except OperationalError:
        db.session.rollback()
