"""A member's own data: download it all, or ask to leave."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from ..core import hooks
from ..core.audit import AuditEntry, record
from ..core.database import utcnow
from ..extensions import db
from ..mail.models import OutboxMessage
from .models import Member

PROFILE_FIELDS = (
    "name",
    "email",
    "pending_email",
    "phone",
    "area",
    "service_name",
    "service_type",
    "approval_category",
    "years_fostering",
    "how_heard",
    "status",
    "application_state",
    "applied_at",
    "consent_at",
    "email_confirmed_at",
    "joined_on",
    "renewal_date",
    "leave_requested_at",
    "last_login_at",
    "buddy_willing",
    "share_email",
    "share_phone",
    "share_service",
    "share_category",
)


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def export_member_data(member: Member) -> dict:
    """Everything held about ``member``, ready for JSON."""
    data = {
        "profile": {name: _plain(getattr(member, name)) for name in PROFILE_FIELDS},
        "roles": sorted(member.roles),
        "skills": [skill.name for skill in member.skills],
        "household": {
            "name": member.household.name,
            "with": [m.name for m in member.household.members if m.id != member.id],
        }
        if member.household
        else None,
        "emails_sent_to_you": [
            {"subject": m.subject, "created_at": _plain(m.created_at), "status": m.status}
            for m in db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.member_id == member.id).order_by(OutboxMessage.id)
            )
        ],
        "admin_actions_about_you": [
            {"at": _plain(e.at), "action": e.action, "detail": e.detail}
            for e in db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.subject_type == "member", AuditEntry.subject_id == member.id)
                .order_by(AuditEntry.id)
            )
        ],
    }
    for sections in hooks.exporting_member_data.send_in_app(member=member):  # what other parts hold
        data.update(sections)
    return data


def request_to_leave(member: Member, reason: str) -> None:
    """Record the wish to leave; an admin sees it on the dashboard and erases the record. Commits."""
    member.leave_requested_at = utcnow()
    record("member.leave_requested", member, reason.strip()[:500], actor=member)
    db.session.commit()
