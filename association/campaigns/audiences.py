"""Who a campaign goes to: an audience, narrowed by each member's email choices.

Resolving an audience is one query whatever its size: members joined to their preferences,
so the count and the list of people left out by their choices can be shown before sending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ..events.models import RsvpResponse
from ..extensions import db
from ..mail.consent import PREFERENCE_FOR_KIND
from ..mail.preferences import DEFAULTS, MailPreferences
from ..members.models import APPROVAL_CATEGORIES, Member, MemberRole, MemberStatus

AUDIENCES = {
    "active": "All active members",
    "role": "Members with a role",
    "category": "Members with an approval category",
    "event_going": "Members going to an event",
    "event_waitlist": "Members on an event's waitlist",
    "lapsed": "Lapsed members (to invite them back)",
    "due_renewal": "Active members due to renew soon",
    "chosen": "Members I choose",
}
# Roles a campaign can be sent to ("admin" is a permission, not a group people belong to).
AUDIENCE_ROLES = {"committee": "Committee", "strategy": "Strategy group", "moderator": "Forum moderators"}
# The topic of a campaign is the outbox kind, and so the preference that lets a member refuse it.
TOPICS = {
    "news": "Association news (members who said no to news won't get it)",
    "event": "About an event (follows the event reminders choice)",
    "strategy": "Strategy group update (follows the strategy updates choice)",
}
EVENT_AUDIENCES = ("event_going", "event_waitlist")


@dataclass(frozen=True)
class Recipient:
    member_id: int
    name: str
    email: str
    renewal_date: date | None

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name else ""


@dataclass
class Audience:
    recipients: list[Recipient] = field(default_factory=list)
    left_out: list[Recipient] = field(default_factory=list)  # said no to this topic

    @property
    def total(self) -> int:
        return len(self.recipients) + len(self.left_out)


def _members_in(audience: str, value: str, chosen_ids: list[int] | None):
    """A select of member columns for ``audience``; only people we hold an address for."""
    from ..events.models import RSVP

    query = select(Member.id, Member.name, Member.email, Member.renewal_date).where(
        Member.email.is_not(None), Member.erased_at.is_(None)
    )
    if audience == "lapsed":
        return query.where(Member.status == MemberStatus.LAPSED)
    if audience in EVENT_AUDIENCES:
        response = RsvpResponse.GOING if audience == "event_going" else RsvpResponse.WAITLISTED
        event_id = int(value) if value.isdigit() else 0
        return query.join(RSVP, RSVP.member_id == Member.id).where(
            RSVP.event_id == event_id,
            RSVP.response == response,
            Member.status.in_((MemberStatus.ACTIVE, MemberStatus.LAPSED)),
        )
    query = query.where(Member.status == MemberStatus.ACTIVE)
    if audience == "role":
        return query.where(Member.id.in_(select(MemberRole.member_id).where(MemberRole.role == value)))
    if audience == "category":
        return query.where(Member.approval_category == value)
    if audience == "due_renewal":
        from ..members.registry import renewal_horizon

        return query.where(Member.renewal_date.is_not(None), Member.renewal_date <= renewal_horizon())
    if audience == "chosen":
        return query.where(Member.id.in_(chosen_ids or []))
    return query


def resolve(audience: str, value: str, chosen_ids: list[int] | None, topic: str) -> Audience:
    """Everyone in the audience, split into who gets it and who said no to this topic."""
    choice = PREFERENCE_FOR_KIND[topic]
    column = getattr(MailPreferences, choice)
    members = _members_in(audience, value, chosen_ids).subquery()
    rows = db.session.execute(
        select(members, column)
        .select_from(members)
        .outerjoin(MailPreferences, MailPreferences.member_id == members.c.id)
        .order_by(members.c.name, members.c.id)
    )
    result = Audience()
    for member_id, name, email, renewal, wants in rows:
        recipient = Recipient(member_id, name, email, renewal)
        wants = DEFAULTS[choice] if wants is None else wants
        (result.recipients if wants else result.left_out).append(recipient)
    return result


def describe(audience: str, value: str, event_title: str = "") -> str:
    """'Members with a role: Committee' — for history and confirmation pages."""
    label = AUDIENCES.get(audience, audience)
    if audience == "role":
        return f"{label}: {AUDIENCE_ROLES.get(value, value)}"
    if audience == "category":
        return f"{label}: {APPROVAL_CATEGORIES.get(value, value)}"
    if audience in EVENT_AUDIENCES and event_title:
        return f"{label}: {event_title}"
    return label
