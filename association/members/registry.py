"""The admins' registry: every member and every field, and the changes admins make."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from ..core import hooks
from ..core.audit import record
from ..core.database import increment, utcnow
from ..core.errors import DomainError
from ..core.paging import Paging, paginate
from ..core.timefmt import local_today
from ..extensions import db
from ..mail.outbox import forget_recipient
from .models import ROLES, STATUSES, Household, Member, MemberRole, MemberStatus

PAGE_SIZE = 50


@dataclass
class RegistryFilters:
    q: str = ""
    status: str = ""
    role: str = ""
    category: str = ""
    renewal_due: bool = False


def registry_query(filters: RegistryFilters):
    query = select(Member).where(Member.erased_at.is_(None))
    if filters.q:
        needle = f"%{filters.q.strip().lower()}%"
        query = query.where(func.lower(Member.name).like(needle) | func.lower(Member.email).like(needle))
    if filters.status in STATUSES:
        query = query.where(Member.status == filters.status)
    if filters.role in ROLES:
        query = query.where(exists().where(MemberRole.member_id == Member.id, MemberRole.role == filters.role))
    if filters.category:
        query = query.where(Member.approval_category == filters.category)
    if filters.renewal_due:
        query = query.where(Member.renewal_date <= renewal_horizon())
    return query


def renewal_horizon() -> date:
    from flask import current_app

    return local_today() + timedelta(days=current_app.config["RENEWAL_REMINDER_DAYS"])


def list_members(filters: RegistryFilters, page: int = 1) -> tuple[list[Member], Paging]:
    """One page of the registry and where it stands; a fixed number of queries."""
    query = registry_query(filters)
    paging = paginate(query, page, PAGE_SIZE)
    members = list(
        db.session.scalars(
            query.options(selectinload(Member.household))
            .order_by(func.lower(Member.name), Member.id)
            .offset(paging.offset)
            .limit(PAGE_SIZE)
        )
    )
    return members, paging


def set_roles(member: Member, roles: set[str], admin: Member) -> None:
    roles = {r for r in roles if r in ROLES}
    before = member.roles
    if before == roles:
        return
    if member.id == admin.id and "admin" in before and "admin" not in roles:
        raise DomainError("You can't remove your own admin role; ask another admin.", field="roles")
    member.role_rows = [r for r in member.role_rows if r.role in roles] + [
        MemberRole(role=r) for r in sorted(roles - before)
    ]
    record(
        "member.roles",
        member,
        f"{', '.join(sorted(before)) or 'none'} → {', '.join(sorted(roles)) or 'none'}",
        actor=admin,
    )


def set_status(member: Member, status: str, admin: Member, reason: str = "") -> None:
    if status not in STATUSES:
        raise DomainError("Unknown status.", field="status")
    if member.status == status:
        return
    if member.id == admin.id and status != MemberStatus.ACTIVE:
        raise DomainError("You can't change your own status.", field="status")
    record("member.status", member, f"{member.status} → {status}" + (f": {reason}" if reason else ""), actor=admin)
    member.status = MemberStatus(status)
    if status != MemberStatus.ACTIVE:
        increment(Member.login_version, member.id)  # signs them out everywhere (in SQL: every bump counts)


def link_household(member: Member, partner: Member, admin: Member) -> Household:
    """Put two carers who foster together in one household (a joint membership)."""
    if partner.id == member.id:
        raise DomainError("Choose a different member to link with.", field="partner_email")
    household = member.household or partner.household
    if household is None:
        surname_a, surname_b = member.name.split()[-1], partner.name.split()[-1]
        name = surname_a if surname_a == surname_b else f"{surname_a} & {surname_b}"
        household = Household(name=f"{name} household")
        db.session.add(household)
    for person in (member, partner):
        if person.household is not None and person.household is not household:
            raise DomainError(
                f"{person.name} is already in another household; unlink them first.", field="partner_email"
            )
        person.household = household
    record("member.household", member, f"linked with {partner.name} in {household.name}", actor=admin)
    return household


def unlink_household(member: Member, admin: Member) -> None:
    household = member.household
    if household is None:
        return
    member.household = None
    record("member.household", member, f"unlinked from {household.name}", actor=admin)
    remaining = [m for m in household.members if m.id != member.id]
    if len(remaining) <= 1:
        for other in remaining:
            other.household = None
        db.session.delete(household)


def erase_member(member: Member, admin: Member) -> None:
    """Wipe personal fields; what they wrote stays, shown as 'Former member'. Commits."""
    if member.id == admin.id:
        raise DomainError("You can't erase your own account.")
    if member.household is not None:
        unlink_household(member, admin)
    member.name = "Former member"
    member.email = None
    member.pending_email = None
    member.phone = None
    member.area = ""
    member.service_name = ""
    member.how_heard = ""
    member.decline_reason = None
    member.password_hash = None
    member.calendar_token = None
    increment(Member.login_version, member.id)
    member.skills = []
    member.role_rows = []
    member.buddy_willing = False
    member.share_email = member.share_phone = member.share_service = member.share_category = False
    member.status = MemberStatus.LEFT
    member.erased_at = utcnow()
    forget_recipient(member.id)
    hooks.erasing_member.send_in_app(member=member)
    record("member.erased", member, "personal data erased", actor=admin)
    db.session.commit()


def renewal_requests() -> list[Member]:
    """Members who asked the committee to renew, oldest request first."""
    return list(
        db.session.scalars(
            select(Member)
            .where(Member.renewal_requested_at.is_not(None), Member.erased_at.is_(None))
            .order_by(Member.renewal_requested_at)
        )
    )


def leave_requests() -> list[Member]:
    return list(
        db.session.scalars(
            select(Member)
            .where(Member.leave_requested_at.is_not(None), Member.erased_at.is_(None))
            .order_by(Member.leave_requested_at)
        )
    )
