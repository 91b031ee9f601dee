"""A campaign: an email written once by the committee and sent to an audience of members."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.database import StrEnumType, utcnow
from ..extensions import Model


class CampaignStatus(StrEnum):
    """Where a campaign is (``Campaign.status``).

    - ``draft``: being written; nothing queued.
    - ``scheduled``: to be queued at ``scheduled_for`` by the worker's scheduled job.
    - ``queued``: handed to the outbox, for good: its messages' statuses say how sending goes
      (the pages call it "Sending" or "Sent": campaigns/sending.py ``delivery_state``).
    - ``cancelled``: stopped after queueing; its unsent messages were withdrawn.
    """

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    CANCELLED = "cancelled"


CAMPAIGN_STATUSES = tuple(CampaignStatus)


class Campaign(Model):
    """An email written once and sent to an audience of members, each message through the outbox."""

    __tablename__ = "mail_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Bumped by each save through its edit form: see core/versions.py.
    edit_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    subject: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text)
    # Start each copy with "Hello {first name}," (a box the sender sees in the editor; never added
    # when the message already opens with a greeting of its own: see queueing.opens_with_greeting).
    greeting: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Which preference a member uses to say no to this kind of mail (see campaigns/audiences.py).
    topic: Mapped[str] = mapped_column(String(20), default="news")
    audience: Mapped[str] = mapped_column(String(20), default="active")
    # The role, approval category or event id the audience is narrowed by, when it is.
    audience_value: Mapped[str] = mapped_column(String(60), default="")
    chosen_member_ids: Mapped[list | None] = mapped_column(JSON)
    status: Mapped[CampaignStatus] = mapped_column(
        StrEnumType(CampaignStatus, 10), default=CampaignStatus.DRAFT, index=True
    )
    scheduled_for: Mapped[datetime | None] = mapped_column(DateTime)
    queued_at: Mapped[datetime | None] = mapped_column(DateTime)
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    left_out_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    created_by = relationship("Member", lazy="raise")
