"""iCalendar feeds (RFC 5545, with RFC 7986 calendar names and refresh interval).

Each event's VEVENT is serialised once and kept on its row (public and members' variants), so a
feed is joined text: it reads only ids and kept texts, builds (and keeps) only what changed, and
writes a member's reply into the kept text of the events they answered. A series is one VEVENT
with RRULE, EXDATE for cancelled meetings and a RECURRENCE-ID VEVENT for each meeting changed on
its own.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import Calendar, Parameters, vCalAddress, vDuration, vText
from icalendar import Event as VEvent
from icalendar.parser import Contentline
from markupsafe import Markup
from sqlalchemy import ColumnElement, Select, and_, bindparam, or_, select
from sqlalchemy.orm import undefer

from ..core.database import table_of
from ..extensions import db
from ..mail.outbox import external_url
from .models import RSVP, Event, EventStatus, RsvpResponse
from .vtimezone import vtimezone

REFRESH = timedelta(hours=1)
COLOUR = "teal"
PARTSTAT: dict[str, str] = {
    RsvpResponse.GOING: "ACCEPTED",
    RsvpResponse.WAITLISTED: "TENTATIVE",
    RsvpResponse.NOT_GOING: "DECLINED",
}
# Raise when build_vevent writes something different: every kept VEVENT text is then built again.
TEXT_FORMAT = 1
# Raise when the calendar's head (its properties or VTIMEZONE) changes: every feed's ETag changes
# with it, so calendar apps holding the old text download the new one.
HEAD_FORMAT = 2
STAMP_END = "\n"  # a kept text is "<stamp>\n<VEVENT>"; a VEVENT itself only has CRLF line ends


def _header(name: str, description: str, tzid: str) -> bytes:
    # RFC 7986 NAME/DESCRIPTION; Calendar.new adds the older X-WR-CALNAME/X-WR-CALDESC too.
    calendar = Calendar.new(
        prodid="-//Foster Carers Association//association//EN",
        name=name,
        description=description,
        color=COLOUR,
        refresh_interval=REFRESH,
        method="PUBLISH",
        calscale="GREGORIAN",
        uid=hashlib.sha256(name.encode()).hexdigest()[:32],
    )
    calendar.add("X-WR-TIMEZONE", tzid)
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    text = calendar.to_ical()
    return text[: text.rindex(b"END:VCALENDAR")]


def _local(value: datetime, zone: ZoneInfo) -> datetime:
    return value.replace(tzinfo=UTC).astimezone(zone)


def _plain_description(event: Event, variant: str, rsvp: RSVP | None) -> str:
    lines = []
    if rsvp is not None:
        if rsvp.response == RsvpResponse.GOING:
            lines.append(f"You're going ({rsvp.adults} adults, {rsvp.children} children).")
        elif rsvp.response == RsvpResponse.WAITLISTED:
            lines.append("You're on the waiting list.")
        else:
            lines.append("You said you can't come.")
        if rsvp.response == RsvpResponse.GOING and event.online_url:
            lines.append(f"Join online: {event.online_url}")
    if event.is_cancelled:
        lines.append("This event has been cancelled.")
    if event.description_md:
        lines.append(Markup(event.description_html).striptags() if event.description_html else event.description_md)
    facts = [
        label
        for flag, label in ((event.children_welcome, "Children welcome"), (event.bring_a_dish, "Bring a dish to share"))
        if flag
    ]
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
        end = max(
            _local(event.ends_at - timedelta(seconds=1), zone).date() + timedelta(days=1), start + timedelta(days=1)
        )
        component.add("DTSTART", start)
        component.add("DTEND", end)
    else:
        component.add("DTSTART", _local(event.starts_at, zone))
        component.add("DTEND", _local(event.ends_at, zone))


def _recurrence_value(value: datetime, event: Event, zone: ZoneInfo):
    return _local(value, zone).date() if event.all_day else _local(value, zone)


def build_vevent(
    event: Event, variant: str, master: Event | None = None, exdates=(), rsvp: RSVP | None = None, member=None
) -> bytes:
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
        # A meeting of a series: scheduling stores its original start when it creates it.
        assert event.recurrence_id is not None, "every meeting of a series has its recurrence id"
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
        place = _place(event, rsvp)
        if place:
            component.add("LOCATION", place)
    if rsvp is not None and member is not None and member.email:
        attendee = vCalAddress(f"mailto:{member.email}")
        attendee.params["CN"] = vText(member.name)
        attendee.params["PARTSTAT"] = PARTSTAT[rsvp.response]
        component.add("ATTENDEE", attendee)
        component.add("X-ASSOCIATION-RSVP", rsvp.response.upper())
    return component.to_ical()


def _place(event: Event, rsvp: RSVP | None) -> str:
    """Where, for members: the venue, or the joining link for someone going to an online event."""
    place = ", ".join(p for p in (event.venue_name, event.venue_address) if p)
    if rsvp is not None and rsvp.response == RsvpResponse.GOING and event.online_url:
        place = place or event.online_url
    return place


def _rrule_dict(rule: str) -> dict:
    from icalendar import vRecur

    return vRecur.from_ical(rule)


def cache_stamp() -> str:
    """What a kept VEVENT text was built with besides its row: the text format and the settings
    it shows (time zone, public address). A text kept under another stamp is built again."""
    config = current_app.config
    return _stamp(config["TIMEZONE"], config["BASE_URL"])


@lru_cache(maxsize=8)
def _stamp(timezone: str, base_url: str) -> str:
    return hashlib.sha256(repr((TEXT_FORMAT, timezone, base_url)).encode()).hexdigest()[:12]


def feed_etag(events_version: tuple, extra: str = "") -> str:
    digest = hashlib.sha256(repr((events_version, extra, cache_stamp(), HEAD_FORMAT)).encode()).hexdigest()[:32]
    return f'"{digest}"'


def _column(variant: str):
    return Event.__table__.c.ics_public if variant == "public" else Event.__table__.c.ics_member


def build_feed(
    listing: Select,
    variant: str,
    name: str,
    description: str,
    rsvps: dict[int, RSVP] | None = None,
    member=None,
    replies_beyond: tuple[str, ...] = (),
) -> bytes:
    """A whole VCALENDAR of the events ``listing`` selects (a Core select of the events table, in
    feed order).

    Only each row's id, series and kept VEVENT text are read; full rows are loaded only for the
    events whose text is missing (built here and kept) and those the member replied to (their
    reply is written into the kept text). Replies to meetings of a series that the listing leaves
    to the RRULE are added as their own RECURRENCE-ID VEVENT when their visibility is in
    ``replies_beyond``.
    """
    rsvps = rsvps or {}
    stamp = cache_stamp()
    column = _column(variant)
    events = Event.__table__.c
    texts: dict[int, str | None] = {}
    for event_id, text in db.session.execute(
        listing.with_only_columns(events.id, column).where(
            or_(events.series_id.is_(None), events.status != EventStatus.CANCELLED)
        )
    ):  # a cancelled meeting is an EXDATE
        texts[event_id] = _unstamped(text, stamp)
    loaded = _load_full(
        [i for i, text in texts.items() if text is None or i in rsvps],
        [i for i in rsvps if i not in texts],
        replies_beyond,
        column.name,
    )
    for event in sorted((e for i, e in loaded.items() if i not in texts), key=lambda e: (e.starts_at, e.id)):
        texts[event.id] = _unstamped(getattr(event, column.name), stamp)  # a reply beyond the listing
    fresh = _build_missing([loaded[i] for i, text in texts.items() if text is None and i in loaded], variant)
    texts.update(fresh)
    attendee_lines: dict[str, dict[str, str]] = {}
    for event_id in rsvps.keys() & texts.keys():
        text = texts[event_id]
        if text is not None and event_id in loaded:
            texts[event_id] = _with_reply(text, loaded[event_id], variant, rsvps[event_id], member, attendee_lines)
    # A row deleted since the listing was read is simply left out.
    vevents = [text for text in texts.values() if text is not None]
    body = "".join([_head(name, description, current_app.config["TIMEZONE"]), *vevents, "END:VCALENDAR\r\n"])
    if fresh:
        _keep(column.name, {i: (loaded[i].updated_at, stamp + STAMP_END + text) for i, text in fresh.items()})
    return body.encode()


def _load_full(
    listed: list[int], replied_beyond: list[int], replies_beyond: tuple[str, ...], column: str
) -> dict[int, Event]:
    """Whole rows (with their kept text) of the ``listed`` ids, and of the meetings of a series
    among ``replied_beyond`` that are not cancelled and have one of the ``replies_beyond``
    visibilities: one query."""
    wanted: list[ColumnElement[bool]] = [Event.id.in_(listed)] if listed else []
    if replied_beyond and replies_beyond:
        wanted.append(
            and_(
                Event.id.in_(replied_beyond),
                Event.series_id.is_not(None),
                Event.status != EventStatus.CANCELLED,
                Event.visibility.in_(replies_beyond),
            )
        )
    if not wanted:
        return {}
    return {
        e.id: e for e in db.session.scalars(select(Event).where(or_(*wanted)).options(undefer(getattr(Event, column))))
    }


def _unstamped(text: str | None, stamp: str) -> str | None:
    if text is None:
        return None
    kept_stamp, _, vevent = text.partition(STAMP_END)
    return vevent if kept_stamp == stamp else None


def _build_missing(events: list[Event], variant: str) -> dict[int, str]:
    """Build the VEVENTs of ``events`` (without anyone's reply): one query for the EXDATEs of the
    series among them, one for the first rows of the meetings among them."""
    if not events:
        return {}
    exdates: dict[int, list[datetime]] = {}
    series_ids = [e.id for e in events if e.rrule]
    if series_ids:
        for series_id, recurrence_id in db.session.execute(
            select(Event.series_id, Event.recurrence_id).where(
                Event.series_id.in_(series_ids), Event.status == EventStatus.CANCELLED
            )
        ):
            # Meetings of a series (chosen by series_id), each created with its original start.
            assert series_id is not None and recurrence_id is not None
            exdates.setdefault(series_id, []).append(recurrence_id)
    masters = _masters_for(events)
    return {
        e.id: build_vevent(
            e, variant, masters.get(e.series_id) if e.series_id else None, exdates.get(e.id, ())
        ).decode()
        for e in events
    }


def _masters_for(events: list[Event]) -> dict[int, Event]:
    known = {e.id: e for e in events}
    wanted = {e.series_id for e in events if e.series_id} - set(known)
    masters = {i: e for i, e in known.items() if e.rrule}
    if wanted:
        masters.update({e.id: e for e in db.session.scalars(select(Event).where(Event.id.in_(wanted)))})
    return masters


@lru_cache(maxsize=16)
def _head(name: str, description: str, tzid: str) -> str:
    """The calendar's properties and its VTIMEZONE: settings only, so built once per process."""
    return (_header(name, description, tzid) + vtimezone(tzid)).decode()


# --- a member's reply, written into the VEVENT text kept for everyone -------------------------

_CONTENT_LINE = re.compile(r"\r\n(?! )")  # a CRLF not followed by a space ends a (folded) line
_PROPERTY_NAME = re.compile(r"[^;:]*")


def _with_reply(text: str, event: Event, variant: str, rsvp: RSVP, member, attendee_lines: dict) -> str:
    """``text`` (the kept VEVENT of ``event``) as ``build_vevent`` writes it with the member's
    reply: their answer leads the DESCRIPTION, a joining link may become the LOCATION, and
    ATTENDEE and X-ASSOCIATION-RSVP are added, all where icalendar puts them, so the result is
    the text ``build_vevent(..., rsvp=rsvp, member=member)`` gives."""
    changed = {"DESCRIPTION": _text_line("DESCRIPTION", _plain_description(event, variant, rsvp))}
    if variant == "member" and _place(event, rsvp) != _place(event, None):  # a joining link for someone going
        changed["LOCATION"] = _text_line("LOCATION", _place(event, rsvp))
    if member is not None and member.email:
        if rsvp.response not in attendee_lines:
            attendee_lines[rsvp.response] = _reply_lines(rsvp.response, member)
        changed.update(attendee_lines[rsvp.response])
    return _replace_properties(text, changed)


def _text_line(name: str, value: str) -> str:
    return Contentline.from_parts(name, Parameters(), vText(value)).to_ical().decode()


def _reply_lines(response: str, member) -> dict[str, str]:
    component = VEvent()
    attendee = vCalAddress(f"mailto:{member.email}")
    attendee.params["CN"] = vText(member.name)
    attendee.params["PARTSTAT"] = PARTSTAT[response]
    component.add("ATTENDEE", attendee)
    component.add("X-ASSOCIATION-RSVP", response.upper())
    lines = _CONTENT_LINE.split(component.to_ical().decode().removesuffix("\r\n"))[1:-1]
    return {_property_name(line): line for line in lines}


def _property_name(line: str) -> str:
    match = _PROPERTY_NAME.match(line)
    assert match is not None, "[^;:]* matches at the start of any text, if only the empty string"
    return match.group(0)


def _replace_properties(text: str, changed: dict[str, str]) -> str:
    """A VEVENT's text with the content lines in ``changed`` (by property name) put in place of
    its own, in icalendar's order: the canonical properties first, then the rest by name."""
    adding = sorted(changed.items())
    canonical = {"BEGIN", *VEvent.canonical_order}
    lines = []
    for line in _CONTENT_LINE.split(text.removesuffix("\r\n")):
        name = _property_name(line)
        while adding and name not in canonical and (name == "END" or name > adding[0][0]):
            lines.append(adding.pop(0)[1])
        if name not in changed:
            lines.append(line)
    return "\r\n".join(lines) + "\r\n"


def _keep(column: str, texts: dict[int, tuple[datetime, str]]) -> None:
    """Store freshly built VEVENTs, each only if its row has not changed since it was read (so
    a text built from an old row never outlives the change); a feed is still served if another
    writer holds the lock. Commits: a cache write in its own short transaction, which a feed
    request (a read) may lose without harm."""
    from sqlalchemy.exc import OperationalError

    table = table_of(Event)
    try:
        # One executemany on the table: no ORM bookkeeping over the events already loaded.
        db.session.connection().execute(
            table.update()
            .where(table.c.id == bindparam("event_id"), table.c.updated_at == bindparam("seen"))
            .values({column: bindparam("text")}),
            [{"event_id": event_id, "seen": seen, "text": text} for event_id, (seen, text) in texts.items()],
        )
        db.session.commit()
    except OperationalError:
        db.session.rollback()
