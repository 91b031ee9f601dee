"""The audit log: who did what to whom, and why, written in the caller's transaction.

A shared service at the bottom: members, events, strategy and campaigns record here, and the admin
pages read it, so it sits in core where every part may reach it.
"""

from __future__ import annotations

from datetime import datetime

from flask_login import current_user
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, db
from .database import utcnow


class AuditEntry(Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject_type: Mapped[str] = mapped_column(String(40), default="member")
    subject_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[str] = mapped_column(Text, default="")

    # By name: Member lives in members, above core; the mapper resolves it once every part is loaded.
    actor = relationship("Member", foreign_keys=[actor_id], lazy="raise")


def record(action: str, subject=None, detail: str = "", actor=None) -> AuditEntry:
    """Add an audit entry; the caller's commit writes it with the change it describes."""
    if actor is None and current_user and getattr(current_user, "is_authenticated", False):
        actor = current_user
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=type(subject).__name__.lower() if subject is not None else "",
        subject_id=getattr(subject, "id", None),
        detail=detail[:4000],
    )
    db.session.add(entry)
    return entry
