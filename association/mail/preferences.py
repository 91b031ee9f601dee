"""What each member chooses to receive. Service messages (account, password, approval) always go."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, select, true
from sqlalchemy.orm import Mapped, mapped_column

from ..core.database import utcnow
from ..extensions import Model, db

FORUM_CHOICES = {"each": "An email for each new reply", "digest": "One daily digest", "none": "No forum emails"}


class MailPreferences(Model):
    __tablename__ = "mail_preferences"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    association_news: Mapped[bool] = mapped_column(Boolean, default=True)
    event_reminders: Mapped[bool] = mapped_column(Boolean, default=True)
    forum_notifications: Mapped[str] = mapped_column(String(10), default="each")
    strategy_updates: Mapped[bool] = mapped_column(Boolean, default=True)
    weekly_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    # Training in a topic that needs renewing (first aid) runs out soon: at most once a week.
    training_reminders: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


DEFAULTS = {
    "association_news": True,
    "event_reminders": True,
    "forum_notifications": "each",
    "strategy_updates": True,
    "weekly_digest": False,
    "training_reminders": True,
}


def preferences_for(member_id: int) -> MailPreferences:
    """The member's preferences, or unsaved defaults when they never chose."""
    found = db.session.get(MailPreferences, member_id)
    return found if found is not None else MailPreferences(member_id=member_id, **DEFAULTS)


def members_opted_out(member_ids: list[int], choice: str) -> set[int]:
    """Of ``member_ids``, those who turned ``choice`` off (one query, whatever the number)."""
    if not member_ids:
        return set()
    column = getattr(MailPreferences, choice)
    return set(
        db.session.scalars(
            select(MailPreferences.member_id).where(MailPreferences.member_id.in_(member_ids), column.is_(False))
        )
    )
