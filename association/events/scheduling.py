"""Creating, changing, cancelling and ending events and series, and telling people who are going."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime

from sqlalchemy import select, update

from ..core.audit import record
from ..core.database import increment, lock_row, rows_matched, utcnow
from ..core.errors import DomainError
from ..core.markdown import render_markdown
from ..core.timefmt import local_zone
from ..extensions import db
from ..mail.outbox import external_url, queue_email
from .capacity import fill_from_waitlist, seats_taken
from .models import RSVP, Event, EventStatus, RsvpResponse
from .recurrence import RecurrenceError, expand


class EventError(DomainError):
    """A change we cannot make; ``str(error)`` says why in plain words, and ``field`` names the form
    field it is about (None for the event as a whole)."""


@dataclass
class EventDetails:
    """What an organiser enters, with times already in UTC."""

    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    description_md: str = ""
    all_day: bool = False
    venue_name: str = ""
    venue_address: str = ""
    map_url: str = ""
    online_url: str = ""
    visibility: str = "members"
    children_welcome: bool = False
    age_bands: str = ""
    bring_a_dish: bool = False
    accessibility_notes: str = ""
    capacity: int | None = None
    rsvp_deadline: datetime | None = None
    takes_register: bool = False

    @classmethod
    def of(cls, event: Event) -> EventDetails:
        return cls(**{f.name: getattr(event, f.name) for f in fields(cls)})


# Changes that people going must hear about; every change to these raises the iCalendar SEQUENCE.
TIME_AND_PLACE = ("starts_at", "ends_at", "all_day", "venue_name", "venue_address", "online_url")
IN_CALENDARS = (*TIME_AND_PLACE, "title", "description_md", "map_url", "kind", "visibility")


def _check(details: EventDetails) -> None:
    if details.ends_at <= details.starts_at:
        raise EventError("The event must end after it starts.", field="end_time")
    if details.capacity is not None and details.capacity < 1:
        raise EventError("Places must be at least 1, or left empty for no limit.", field="capacity")
    if details.rsvp_deadline is not None and details.rsvp_deadline > details.starts_at:
        raise EventError("The RSVP deadline must be before the event starts.", field="rsvp_deadline_date")


def touch(event: Event) -> None:
    """Mark the event changed for feeds (Last-Modified, ETag, cached VEVENTs)."""
    event.updated_at = utcnow()
    event.ics_public = event.ics_member = None
    if event.series_id is not None:
        # The series' first row carries RRULE and EXDATE: it changes with its occurrences.
        db.session.execute(
            update(Event)
            .where(Event.id == event.series_id)
            .values(updated_at=event.updated_at, ics_public=None, ics_member=None)
        )


def create_event(details: EventDetails, organiser, rule: str | None = None) -> Event:
    """Create an event, or a series and its occurrences up to the horizon. Commits."""
    _check(details)
    event = Event(
        **{f.name: getattr(details, f.name) for f in fields(EventDetails)}, organiser_id=organiser.id, rrule=rule
    )
    event.description_html = render_markdown(details.description_md)
    db.session.add(event)
    if rule:
        event.recurrence_id = details.starts_at
        db.session.flush()
        _add_occurrences(event, after=details.starts_at)
    db.session.commit()
    return event


def _local_naive(utc: datetime) -> datetime:
    return utc.replace(tzinfo=UTC).astimezone(local_zone()).replace(tzinfo=None)


def _add_occurrences(master: Event, after: datetime) -> int:
    """Rows for the series' occurrences after ``after`` up to the horizon; returns how many."""
    rule = master.rrule
    assert rule, "called for a series' first row (a new series, or one chosen for its rule), which holds the rule"
    try:
        starts = expand(
            rule,
            _local_naive(master.recurrence_id or master.starts_at),
            local_zone(),
            until_utc=master.series_ended_at,
            after=after,
        )
    except (ValueError, TypeError) as error:
        raise RecurrenceError(f"That recurrence rule can't be used: {error}.") from error
    existing = set(db.session.scalars(select(Event.recurrence_id).where(Event.series_id == master.id)))
    duration = master.ends_at - master.starts_at
    added = 0
    for start in starts:
        if start <= after or start in existing or start == master.recurrence_id:
            continue
        copy = {f.name: getattr(master, f.name) for f in fields(EventDetails)}
        copy.update(starts_at=start, ends_at=start + duration, rsvp_deadline=None)
        if master.rsvp_deadline is not None:
            copy["rsvp_deadline"] = start - (master.starts_at - master.rsvp_deadline)
        db.session.add(
            Event(
                **copy,
                description_html=master.description_html,
                organiser_id=master.organiser_id,
                series_id=master.id,
                recurrence_id=start,
                uid=f"{master.uid}#{start:%Y%m%dT%H%M%S}",
            )
        )
        added += 1
    return added


def update_event(event: Event, details: EventDetails, editor, whole_series: bool = False) -> list[str]:
    """Change one event or occurrence (or, with ``whole_series``, every later occurrence that was
    not changed on its own). Returns the names of what changed. Commits."""
    _check(details)
    # Same lock as an RSVP, so places can't be taken between this check and the commit.
    db.session.execute(update(Event).where(Event.id == event.id).values(rsvp_version=Event.rsvp_version + 1))
    if details.capacity is not None and details.capacity < seats_taken(event.id):
        raise EventError(
            f"{seats_taken(event.id)} places are already taken, so the event needs at least that many places.",
            field="capacity",
        )
    targets = [event]
    if whole_series and event.is_series:
        targets = list(
            db.session.scalars(
                select(Event)
                .where(
                    (Event.id == event.series_root_id) | (Event.series_id == event.series_root_id),
                    Event.starts_at >= event.starts_at,
                    Event.detached.is_(False),
                    Event.status == EventStatus.SCHEDULED,
                )
                .order_by(Event.starts_at)
            )
        )
    changed: list[str] = []
    for target in targets:
        changed = _apply(target, details, shift_from=event if target is not event else None) or changed
        if target is event and event.is_series and not whole_series:
            event.detached = True
    db.session.flush()
    for target in targets:
        fill_from_waitlist(target)
    record("event.updated", event, ", ".join(changed) or "no change", actor=editor)
    db.session.commit()
    return changed


def _apply(target: Event, details: EventDetails, shift_from: Event | None) -> list[str]:
    new = {f.name: getattr(details, f.name) for f in fields(EventDetails)}
    if shift_from is not None:
        # Another occurrence of the series keeps its own date; it takes the new time of day.
        zone = local_zone()
        local_day = _local_naive(target.starts_at).date()
        new_local_start = datetime.combine(local_day, _local_naive(details.starts_at).time())
        starts = new_local_start.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
        new.update(starts_at=starts, ends_at=starts + (details.ends_at - details.starts_at))
        if details.rsvp_deadline is not None:
            new["rsvp_deadline"] = starts - (details.starts_at - details.rsvp_deadline)
    changed = [name for name, value in new.items() if getattr(target, name) != value]
    if not changed:
        return []
    notify = [name for name in changed if name in TIME_AND_PLACE]
    for name in changed:
        setattr(target, name, new[name])
    if "description_md" in changed:
        target.description_html = render_markdown(target.description_md)
    if any(name in IN_CALENDARS for name in changed):
        # In SQL: ``target`` was read before the lock, so its sequence may be one save behind, and a
        # calendar ignores a change that comes with a SEQUENCE it has already seen.
        increment(Event.sequence, target.id)
    touch(target)
    if notify and target.status == EventStatus.SCHEDULED and target.ends_at > utcnow():
        _tell_people_going(
            target, "event_changed", f"Changed: {target.title}", responses=(RsvpResponse.GOING,), changed=notify
        )
    return changed


def cancel_event(event: Event, reason: str, by) -> int:
    """Cancel, keeping the event (and its place in feeds as cancelled); tell everyone going or
    waiting. Returns how many were told. Commits."""
    # Cancelled and counted in one conditional UPDATE: of two organisers (or two clicks) cancelling
    # at once, one cancels and the other is told, so people going hear about it only once.
    cancelled = rows_matched(
        update(Event)
        .where(Event.id == event.id, Event.status != EventStatus.CANCELLED)
        .values(status=EventStatus.CANCELLED, sequence=Event.sequence + 1)
        .execution_options(synchronize_session="fetch")
    )
    if not cancelled:
        raise EventError("This event is already cancelled.")
    touch(event)
    told = _tell_people_going(
        event,
        "event_cancelled",
        f"Cancelled: {event.title}",
        responses=(RsvpResponse.GOING, RsvpResponse.WAITLISTED),
        reason=reason.strip(),
    )
    record("event.cancelled", event, reason.strip()[:500], actor=by)
    db.session.commit()
    return told


def end_series(event: Event, last_day_utc: datetime, by) -> int:
    """End a series after ``last_day_utc``: later occurrences are cancelled (people going are
    told) and the RRULE gains an UNTIL. Returns how many occurrences were cancelled. Commits."""
    master = db.session.get(Event, event.series_root_id)
    # The event itself, or the first row of its series, which a meeting's series_id references (ON DELETE
    # CASCADE: the meetings go with it). Events are cancelled, never deleted.
    assert master is not None, "a meeting's series row exists while the meeting does"
    if not master.rrule:
        raise EventError("Only a repeating event can be ended.")
    if last_day_utc < master.starts_at:
        raise EventError("A series can't end before its first meeting.", field="last_date")
    master.series_ended_at = last_day_utc
    increment(Event.sequence, master.id)
    touch(master)
    later = list(
        db.session.scalars(
            select(Event).where(
                Event.series_id == master.id, Event.starts_at > last_day_utc, Event.status == EventStatus.SCHEDULED
            )
        )
    )
    for occurrence in later:
        occurrence.status = EventStatus.CANCELLED
        increment(Event.sequence, occurrence.id)
        touch(occurrence)
        _tell_people_going(
            occurrence,
            "event_cancelled",
            f"Cancelled: {occurrence.title}",
            responses=(RsvpResponse.GOING, RsvpResponse.WAITLISTED),
            reason="This series of meetings has ended.",
        )
    record(
        "event.series_ended", master, f"after {last_day_utc:%Y-%m-%d}; {len(later)} later meetings cancelled", actor=by
    )
    db.session.commit()
    return len(later)


def extend_series() -> int:
    """Daily: add occurrence rows as the horizon moves on. Commits; returns rows added."""
    added = 0
    masters = list(
        db.session.scalars(
            select(Event).where(Event.rrule.is_not(None), Event.status == EventStatus.SCHEDULED).order_by(Event.id)
        )
    )  # one lock order for every caller
    for master in masters:
        # Under the series' lock, so a second run (another worker, a retried job) sees the rows the
        # first added instead of adding them again (UNIQUE(series_id, recurrence_id)).
        lock_row(Event, master.id)
        last = db.session.scalar(
            select(Event.recurrence_id)
            .where(Event.series_id == master.id)
            .order_by(Event.recurrence_id.desc())
            .limit(1)
        )
        added += _add_occurrences(master, after=last or master.starts_at)
    db.session.commit()
    return added


def _tell_people_going(event: Event, template: str, subject: str, responses: tuple[str, ...], **context) -> int:
    from ..members.models import Member

    rows = db.session.execute(
        select(RSVP, Member)
        .join(Member, Member.id == RSVP.member_id)
        .where(RSVP.event_id == event.id, RSVP.response.in_(responses), Member.email.is_not(None))
    ).all()
    url = external_url("events.detail", event_id=event.id)
    for rsvp, member in rows:
        queue_email(
            member.mail_to,  # the query wants an address: not erased
            subject,
            template,
            member=member,
            kind="event_update",
            event=event,
            event_url=url,
            response=rsvp.response,
            **context,
        )
    return len(rows)
