"""Service meetings every six to eight weeks, with a submission cut-off and reminders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from ..core.database import utcnow
from ..core.errors import DomainError
from ..extensions import db
from ..members.models import MemberStatus
from .models import ServiceAttendee, ServiceMeeting

MIN_GAP, MAX_GAP, USUAL_GAP = timedelta(weeks=6), timedelta(weeks=8), timedelta(weeks=7)
DEFAULT_CUTOFF = timedelta(days=7)


class MeetingError(DomainError):
    """A meeting we can't set up; ``str(error)`` says why in plain words, and ``field`` names the form
    field it is about (None: the meeting as a whole, or one of the people from the service)."""


@dataclass
class Attendee:
    name: str
    role: str
    email: str


@dataclass
class MeetingDetails:
    held_at: datetime
    place: str = ""
    cutoff_at: datetime | None = None
    date_reason: str = ""
    attendees: list[Attendee] = field(default_factory=list)


def previous_meeting(before: datetime | None = None, excluding: int | None = None) -> ServiceMeeting | None:
    query = select(ServiceMeeting)
    if before is not None:
        query = query.where(ServiceMeeting.held_at < before)
    if excluding is not None:
        query = query.where(ServiceMeeting.id != excluding)
    return db.session.scalar(query.order_by(ServiceMeeting.held_at.desc()).limit(1))


def proposed_date() -> datetime | None:
    """Seven weeks after the last meeting: the middle of the 6-8 week window."""
    last = previous_meeting()
    return last.held_at + USUAL_GAP if last else None


def outside_window(held_at: datetime, excluding: int | None = None) -> bool:
    last = previous_meeting(before=held_at, excluding=excluding)
    return last is not None and not (MIN_GAP <= held_at - last.held_at <= MAX_GAP)


def save_meeting(details: MeetingDetails, meeting: ServiceMeeting | None = None) -> ServiceMeeting:
    """Create or change a meeting. A date outside 6-8 weeks after the last one needs a reason. Commits."""
    cutoff = details.cutoff_at or details.held_at - DEFAULT_CUTOFF
    if cutoff >= details.held_at:
        raise MeetingError("The cut-off for raising items must be before the meeting.", field="cutoff_date")
    if outside_window(details.held_at, excluding=meeting.id if meeting else None) and not details.date_reason.strip():
        raise MeetingError(
            "This date isn't 6 to 8 weeks after the last meeting. Say why, so it's on the record.", field="date_reason"
        )
    if not details.attendees:
        raise MeetingError("Add at least one person from the service (name, role and email).")
    attendees = []
    for person in details.attendees:
        if not person.name.strip():
            raise MeetingError("Each person from the service needs a name.")
        try:
            email = validate_email(person.email, check_deliverability=False).normalized
        except EmailNotValidError:
            raise MeetingError(f"{person.email or 'An email'} isn't a valid email address.") from None
        attendees.append(ServiceAttendee(name=person.name.strip(), role=person.role.strip(), email=email))
    if meeting is None:
        meeting = ServiceMeeting()
        db.session.add(meeting)
    meeting.held_at, meeting.place, meeting.cutoff_at = details.held_at, details.place.strip(), cutoff
    meeting.date_reason = details.date_reason.strip()
    meeting.attendees = attendees
    db.session.commit()
    return meeting


def next_meeting() -> ServiceMeeting | None:
    return db.session.scalar(
        select(ServiceMeeting).where(ServiceMeeting.held_at >= utcnow()).order_by(ServiceMeeting.held_at).limit(1)
    )


def meetings() -> list[ServiceMeeting]:
    return list(db.session.scalars(select(ServiceMeeting).order_by(ServiceMeeting.held_at.desc())))


MEMBER_REMINDER_BEFORE_CUTOFF = timedelta(days=7)


def send_reminders() -> int:
    """At the cut-off, remind the strategy group to prepare the pack; a week before it, invite
    every member to raise anything for the meeting (unless they turned strategy updates off).
    Commits: a daily job."""
    from ..mail.outbox import external_url, queue_email
    from ..mail.preferences import members_opted_out
    from ..members.models import Member, MemberRole

    now, sent = utcnow(), 0
    for meeting in db.session.scalars(select(ServiceMeeting).where(ServiceMeeting.held_at > now)):
        if meeting.members_reminded_at is None and now >= meeting.cutoff_at - MEMBER_REMINDER_BEFORE_CUTOFF:
            members = list(
                db.session.scalars(
                    select(Member).where(Member.status == MemberStatus.ACTIVE, Member.email.is_not(None))
                )
            )
            opted_out = members_opted_out([m.id for m in members], "strategy_updates")
            for member in members:
                if member.id not in opted_out:
                    queue_email(
                        member.mail_to,  # an active member (the query wants an address)
                        "Anything to raise with the fostering service?",
                        "strategy_raise_reminder",
                        member=member,
                        kind="strategy",
                        meeting=meeting,
                        raise_url=external_url("strategy.raise_item"),
                        preferences_url=external_url("mail.preferences"),
                    )
                    sent += 1
            meeting.members_reminded_at = now
        if meeting.cutoff_reminded_at is None and now >= meeting.cutoff_at:
            group = db.session.scalars(
                select(Member)
                .join(MemberRole, MemberRole.member_id == Member.id)
                .where(MemberRole.role == "strategy", Member.status == MemberStatus.ACTIVE, Member.email.is_not(None))
            )
            for member in group:
                queue_email(
                    member.mail_to,  # an active member (the query wants an address)
                    "Items are in: time to prepare the pack",
                    "strategy_cutoff",
                    member=member,
                    meeting=meeting,
                    pack_url=external_url("strategy.pack", meeting_id=meeting.id),
                )
                sent += 1
            meeting.cutoff_reminded_at = now
    db.session.commit()
    return sent
