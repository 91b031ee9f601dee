"""What the admin dashboard counts: it gathers from the members' registry and the outbox."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db
from ..mail.models import OutboxMessage, OutboxStatus
from ..members.applications import waiting_count
from ..members.models import Member, MemberStatus
from ..members.registry import renewal_horizon


@dataclass(frozen=True)
class DashboardCounts:
    waiting: int  # applications waiting for a decision
    renewals_due: int  # active members whose renewal falls due soon
    failed_mail: int  # emails the outbox gave up on


def _count(query) -> int:
    return db.session.scalar(query) or 0


def dashboard_counts() -> DashboardCounts:
    """The numbers on the dashboard's "Needs attention" cards."""
    members = select(func.count()).select_from(Member)
    return DashboardCounts(
        waiting=_count(select(waiting_count())),
        renewals_due=_count(
            members.where(Member.status == MemberStatus.ACTIVE, Member.renewal_date <= renewal_horizon())
        ),
        failed_mail=_count(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
        ),
    )
