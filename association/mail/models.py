"""The outbox: every email is a row first, written in the same transaction as its cause."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.database import utcnow
from ..extensions import db

# queued -> sending (claimed by a worker) -> sent | failed; sending past its lease is queued again.
OUTBOX_STATUSES = ("queued", "sending", "sent", "failed")


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(120), default="")
    # 'service' mail (account, password, approval) always goes; other kinds follow preferences.
    kind: Mapped[str] = mapped_column(String(20), default="service")
    template: Mapped[str] = mapped_column(String(80), default="")
    subject: Mapped[str] = mapped_column(String(200))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    # 'kind:id' of an attachment made when sending (see mail/attachments.py), so rows stay small.
    attachment_key: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_via: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)

    member = relationship("Member", lazy="raise")


class JobRun(db.Model):
    """When a daily job last ran, so several workers run it once a day between them."""

    __tablename__ = "job_runs"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_run_on: Mapped[date] = mapped_column(Date)
    last_run_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
