"""The outbox: every email is a row first, written in the same transaction as its cause."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.database import StrEnumType, utcnow
from ..extensions import Model


class OutboxStatus(StrEnum):
    """Where an outbox row is (``OutboxMessage.status``).

    - ``queued``: waiting for a worker, from ``next_attempt_at`` (new, or retried after an error).
    - ``claimed``: a worker leased it with its batch (``lease_until``) and has not begun sending it.
    - ``sending``: the SMTP conversation for this one message has begun.
    - ``sent``: the server accepted it.
    - ``failed``: given up on: a permanent refusal, or every retry used.
    - ``withdrawn``: a queued or claimed row of a campaign that was cancelled: never sent, kept so
      the campaign's history can count it (campaigns/sending.py).

    A claimed row past its lease was never started and is queued again safely; a *sending* row past
    its lease may or may not have reached the server (the worker died mid-conversation), so it is
    queued again and counted in ``unconfirmed_sends``.
    """

    QUEUED = "queued"
    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"


OUTBOX_STATUSES = tuple(OutboxStatus)


class OutboxMessage(Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    # Indexed: the outbox page finds the emails sent to an address.
    to_address: Mapped[str] = mapped_column(String(254), index=True)
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
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("mail_campaigns.id", ondelete="SET NULL"), index=True)
    status: Mapped[OutboxStatus] = mapped_column(StrEnumType(OutboxStatus, 10), default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    # Times a worker died after starting this message's SMTP conversation and before recording
    # the answer: each one is a send whose outcome is unknown (see mail/worker.py).
    unconfirmed_sends: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_via: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # Indexed for the per-minute rate: messages sent in the last minute are counted before a claim.
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)

    member = relationship("Member", lazy="raise")


class JobRun(Model):
    """When a daily job last ran, so several workers run it once a day between them."""

    __tablename__ = "job_runs"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_run_on: Mapped[date] = mapped_column(Date)
    last_run_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
