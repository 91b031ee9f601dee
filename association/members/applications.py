"""Joining: apply, confirm the email address, wait for an admin, approved or declined."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..core.audit import record
from ..core.database import utcnow
from ..core.errors import DomainError
from ..core.timefmt import local_today
from ..extensions import db
from ..mail.outbox import external_url, queue_email
from .models import ApplicationState, Member, MemberStatus
from .tokens import TokenError, make_token, read_token


@dataclass
class Application:
    name: str
    email: str
    phone: str | None
    area: str
    service_name: str
    service_type: str
    approval_category: str
    years_fostering: int
    how_heard: str


def find_by_email(email: str) -> Member | None:
    return db.session.scalar(select(Member).where(func.lower(Member.email) == email.strip().lower()))


def _waiting():
    """An application waiting for a decision. An admin may erase an applicant's record meanwhile,
    which ends the application: there is nobody left to approve, decline or write to."""
    return (Member.application_state == ApplicationState.WAITING) & Member.erased_at.is_(None)


def submit_application(application: Application) -> Member | None:
    """Record an application and email the confirmation link. Commits.

    If the email already belongs to someone, nothing is created and that person is told by
    email instead, so the form's answer never reveals who is registered.
    """
    email = application.email.strip().lower()
    existing = find_by_email(email)
    if existing is not None:
        _tell_existing(existing)
        db.session.commit()
        return None
    member = Member(
        name=application.name.strip(),
        email=email,
        phone=(application.phone or "").strip() or None,
        area=application.area.strip(),
        service_name=application.service_name.strip(),
        service_type=application.service_type,
        approval_category=application.approval_category,
        years_fostering=application.years_fostering,
        how_heard=application.how_heard.strip(),
        status=MemberStatus.APPLICANT,
        application_state=ApplicationState.UNCONFIRMED,
        consent_at=utcnow(),
    )
    db.session.add(member)
    try:
        db.session.flush()
    except IntegrityError:
        # The same address arrived twice at once (a double click): the other request stored it
        # between our look-up and our insert. Answer as for any address already known.
        db.session.rollback()
        existing = find_by_email(email)
        if existing is None:
            raise
        _tell_existing(existing)
        db.session.commit()
        return None
    _send_confirmation(member)
    db.session.commit()
    return member


def _tell_existing(existing: Member) -> None:
    if existing.application_state == ApplicationState.UNCONFIRMED:
        _send_confirmation(existing)
    else:
        queue_email(
            existing.mail_to,  # found by this address
            "Someone tried to apply with your email address",
            "already_registered",
            member=existing,
            login_url=external_url("auth.login"),
            reset_url=external_url("auth.password_reset_request"),
        )


def _send_confirmation(member: Member) -> None:
    token = make_token("confirm-application", {"id": member.id, "email": member.email})
    queue_email(
        member.mail_to,  # just applied with it, or found by it
        "Please confirm your email address",
        "confirm_application",
        member=member,
        confirm_url=external_url("auth.confirm_application", token=token),
    )


def confirm_application(token: str) -> Member:
    """Mark the applicant's email confirmed; their application joins the admin queue. Commits."""
    payload = read_token("confirm-application", token, current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    member = db.session.get(Member, payload.get("id"))
    if member is None or member.email != payload.get("email"):
        raise TokenError("This link is not valid any more. If you still want to join, please apply again.")
    if member.application_state == ApplicationState.UNCONFIRMED:
        member.application_state = ApplicationState.WAITING
        member.email_confirmed_at = utcnow()
        db.session.commit()
    return member


def waiting_applications() -> list[Member]:
    return list(db.session.scalars(select(Member).where(_waiting()).order_by(Member.applied_at)))


def waiting_count(_viewer=None):
    """SQL: how many applications wait for a decision (the admin menu's count)."""
    return select(func.count()).select_from(Member).where(_waiting()).scalar_subquery()


def approve(member: Member, admin: Member, renewal_date: date | None = None) -> None:
    """Make the applicant an active member and send the link to set a password. Commits."""
    if member.application_state != ApplicationState.WAITING or member.erased_at is not None:
        raise DomainError("Only a confirmed application that is waiting can be approved.")
    today = local_today()
    member.application_state = ApplicationState.APPROVED
    member.status = MemberStatus.ACTIVE
    member.decided_at = utcnow()
    member.decided_by_id = admin.id
    member.joined_on = today
    member.renewal_date = renewal_date or date(today.year + 1, today.month, min(today.day, 28))
    record("application.approved", member, "approved", actor=admin)
    queue_email(
        member.mail_to,
        "Welcome: your membership is approved",
        "application_approved",
        member=member,
        set_password_url=external_url("auth.set_password", token=password_token(member)),
    )
    db.session.commit()


def decline(member: Member, admin: Member, reason: str) -> None:
    """Decline the application with a reason the applicant is told. Commits."""
    if member.application_state != ApplicationState.WAITING or member.erased_at is not None:
        raise DomainError("Only a confirmed application that is waiting can be declined.")
    member.application_state = ApplicationState.DECLINED
    member.decided_at = utcnow()
    member.decided_by_id = admin.id
    member.decline_reason = reason.strip()
    record("application.declined", member, reason, actor=admin)
    queue_email(
        member.mail_to,
        "About your membership application",
        "application_declined",
        member=member,
        reason=member.decline_reason,
    )
    db.session.commit()


def password_token(member: Member) -> str:
    # The current hash is part of the token, so the link stops working once it has been used.
    return make_token("set-password", {"id": member.id, "v": (member.password_hash or "")[-16:]})


def member_for_password_token(token: str) -> Member:
    payload = read_token("set-password", token, current_app.config["PASSWORD_TOKEN_MAX_AGE"])
    member = db.session.get(Member, payload.get("id"))
    if (
        member is None
        or (member.password_hash or "")[-16:] != payload.get("v")
        or member.status not in (MemberStatus.ACTIVE, MemberStatus.LAPSED)
    ):
        raise TokenError("This link has already been used or is no longer valid. You can ask for a new one.")
    return member
