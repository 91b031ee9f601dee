"""Membership renewals: a reminder before the date, lapsed after a grace period."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from ..core.audit import record
from ..core.database import utcnow
from ..core.errors import DomainError
from ..core.timefmt import local_today
from ..extensions import db
from ..mail.outbox import external_url, queue_email
from .models import Member, MemberRole, MemberStatus

RENEWABLE = (MemberStatus.ACTIVE, MemberStatus.LAPSED)


class RenewalError(DomainError):
    """A renewal request that can't be made; ``str(error)`` says why."""


def can_ask_to_renew(member: Member) -> bool:
    return member.status in RENEWABLE and member.renewal_requested_at is None


def request_renewal(member: Member) -> int:
    """The member asks the committee to renew their membership (the committee sets the next date
    and, for a lapsed member, makes them active again). Audited; each admin and committee member
    is emailed. Returns how many were told. Commits."""
    if member.status not in RENEWABLE:
        raise RenewalError("Only members can renew. If you think that's wrong, please contact the committee.")
    if member.renewal_requested_at is not None:
        raise RenewalError("You've already asked to renew; the committee will be in touch.")
    member.renewal_requested_at = utcnow()
    due = member.renewal_date.isoformat() if member.renewal_date else "no date set"
    record("member.renewal_requested", member, f"asked to renew ({member.status}; renewal date {due})", actor=member)
    committee = db.session.scalars(
        select(Member)
        .join(MemberRole, MemberRole.member_id == Member.id)
        .where(
            MemberRole.role.in_(("admin", "committee")), Member.status == MemberStatus.ACTIVE, Member.id != member.id
        )
        .distinct()
        .order_by(Member.id)
    )
    told = 0
    for person in committee:
        queue_email(
            person.mail_to,  # an active member: not erased
            f"{member.name} asks to renew their membership",
            "renewal_requested",
            to_name=person.name,
            member=member,
            asker=member,
            lapsed=member.status == MemberStatus.LAPSED,
            record_url=external_url("admin.edit_member", member_id=member.id),
        )
        told += 1
    db.session.commit()
    return told


def renewal_settled(member: Member) -> None:
    """A new renewal date answers the member's request."""
    member.renewal_requested_at = None


def run_renewals() -> dict[str, int]:
    """Send due reminders and mark overdue members lapsed. Commits once for the whole run."""
    today = local_today()
    remind_by = today + timedelta(days=current_app.config["RENEWAL_REMINDER_DAYS"])
    lapse_before = today - timedelta(days=current_app.config["RENEWAL_GRACE_DAYS"])

    reminded = 0
    for member in db.session.scalars(
        select(Member).where(
            Member.status == MemberStatus.ACTIVE,
            Member.renewal_date.is_not(None),
            Member.renewal_date <= remind_by,
            Member.renewal_date >= lapse_before,
        )
    ):
        due = member.renewal_date
        assert due is not None, "the query picks members with a renewal date"
        if member.renewal_reminder_sent_for == due:
            continue
        queue_email(
            member.mail_to,  # an active member: not erased
            "Time to renew your membership",
            "renewal_reminder",
            member=member,
            renewal_date=due,
            overdue=due < today,
            grace_days=current_app.config["RENEWAL_GRACE_DAYS"],
            account_url=external_url("members.account"),
        )
        member.renewal_reminder_sent_for = due
        reminded += 1

    lapsed = 0
    for member in db.session.scalars(
        select(Member).where(Member.status == MemberStatus.ACTIVE, Member.renewal_date < lapse_before)
    ):
        member.status = MemberStatus.LAPSED
        record("member.status", member, "active → lapsed: renewal overdue", actor=None)
        queue_email(
            member.mail_to,  # was active until this moment: not erased
            "Your membership has lapsed",
            "membership_lapsed",
            member=member,
            renewal_date=member.renewal_date,
        )
        lapsed += 1
    db.session.commit()
    return {"reminded": reminded, "lapsed": lapsed}
