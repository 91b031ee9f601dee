"""The day-before reminder to everyone going, unless they turned reminders off."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from ..core.database import utcnow
from ..core.timefmt import local_today, local_zone
from ..extensions import db
from ..mail.outbox import external_url, queue_email
from ..mail.preferences import members_opted_out
from ..members.models import Member, MemberStatus
from .models import RSVP, Event, EventStatus, RsvpResponse
from .scheduling import extend_series


def send_reminders() -> int:
    """Email people going to tomorrow's events; each event reminds once. Commits; returns emails queued."""
    zone = local_zone()
    tomorrow = local_today() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(0), zone).astimezone(UTC).replace(tzinfo=None)
    end = datetime.combine(tomorrow + timedelta(days=1), time(0), zone).astimezone(UTC).replace(tzinfo=None)
    events = list(
        db.session.scalars(
            select(Event).where(
                Event.starts_at >= start,
                Event.starts_at < end,
                Event.status == EventStatus.SCHEDULED,
                Event.reminders_sent_at.is_(None),
            )
        )
    )
    if not events:
        return 0
    rows = db.session.execute(
        select(RSVP, Member)
        .join(Member, Member.id == RSVP.member_id)
        .where(
            RSVP.event_id.in_([e.id for e in events]),
            RSVP.response == RsvpResponse.GOING,
            Member.status == MemberStatus.ACTIVE,
            Member.email.is_not(None),
        )
    ).all()
    opted_out = members_opted_out([member.id for _, member in rows], "event_reminders")
    by_id = {e.id: e for e in events}
    queued = 0
    for rsvp, member in rows:
        if member.id in opted_out:
            continue
        event = by_id[rsvp.event_id]
        queue_email(
            member.mail_to,  # an active member (the query wants one): not erased
            f"Tomorrow: {event.title}",
            "event_reminder",
            member=member,
            kind="event_reminder",
            event=event,
            rsvp=rsvp,
            event_url=external_url("events.detail", event_id=event.id),
            preferences_url=external_url("mail.preferences"),
        )
        queued += 1
    for event in events:
        event.reminders_sent_at = utcnow()
    db.session.commit()
    return queued


def extend_series_job() -> int:
    return extend_series()
