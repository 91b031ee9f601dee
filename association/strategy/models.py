"""The Foster Strategy Group: what carers raise, the service meetings, the packs and the outcomes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.database import utcnow
from ..extensions import Model

KINDS = {"issue": "Issue", "good_practice": "Good practice", "suggestion": "Suggestion"}
ITEM_STATUSES = {
    "new": "New",
    "under_review": "Under review",
    "in_pack": "In the pack",
    "raised": "Raised with the service",
    "responded": "Service responded",
    "resolved": "Resolved",
    "carried_forward": "Carried forward",
    "merged": "Merged with a similar item",
    "declined": "Not taken forward",
}
OUTCOME_STATUSES = {"open": "Open", "in_progress": "In progress", "done": "Done", "not_agreed": "Not agreed"}
OWNERS = {"service": "The service", "association": "The association"}


class Theme(Model):
    __tablename__ = "strategy_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ServiceMeeting(Model):
    """A meeting with the team manager or head of service, every six to eight weeks."""

    __tablename__ = "strategy_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    cutoff_at: Mapped[datetime] = mapped_column(DateTime)
    # Why the date falls outside the 6-8 week rhythm, shown on the record.
    date_reason: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    cutoff_reminded_at: Mapped[datetime | None] = mapped_column(DateTime)
    members_reminded_at: Mapped[datetime | None] = mapped_column(DateTime)

    attendees: Mapped[list[ServiceAttendee]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ServiceAttendee.id"
    )


class ServiceAttendee(Model):
    """Someone from the fostering service: a contact, never a member."""

    __tablename__ = "strategy_attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("strategy_meetings.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(254))


class FeedbackItem(Model):
    __tablename__ = "strategy_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Bumped by each save through its edit form: see core/versions.py.
    edit_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    kind: Mapped[str] = mapped_column(String(20), default="issue")
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("strategy_themes.id", ondelete="SET NULL"), index=True)
    what_happened: Mapped[str] = mapped_column(Text)
    what_would_help: Mapped[str] = mapped_column(Text, default="")
    # Kept so the author can follow their own item; never shown to anyone when anonymous.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("strategy_items.id", ondelete="SET NULL"), index=True)
    pack_wording: Mapped[str] = mapped_column(Text, default="")
    wording_reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    wording_reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Why the reviewer judged a flagged wording safe; cleared, with the review, when it is reworded.
    wording_review_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("strategy_meetings.id", ondelete="SET NULL"), index=True)
    # The forum post it was raised from: kept only when the author is named to the group (a post
    # carries its author's name, so linking it would undo an anonymous author's choice).
    source_post_id: Mapped[int | None] = mapped_column(ForeignKey("forum_posts.id", ondelete="SET NULL"))
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    theme: Mapped[Theme | None] = relationship(lazy="raise")
    meeting: Mapped[ServiceMeeting | None] = relationship(lazy="raise")

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return ITEM_STATUSES.get(self.status, self.status)


class ItemSupport(Model):
    """'This affects me too': once per member per item."""

    __tablename__ = "strategy_supports"
    __table_args__ = (UniqueConstraint("item_id", "member_id", name="uq_strategy_supports_item_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("strategy_items.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ItemOutcome(Model):
    """What the service said about an item at a meeting, and the action agreed."""

    __tablename__ = "strategy_outcomes"
    __table_args__ = (UniqueConstraint("item_id", "meeting_id", name="uq_strategy_outcomes_item_meeting"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("strategy_items.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("strategy_meetings.id", ondelete="CASCADE"), index=True)
    response: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(20), default="service")
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PackVersion(Model):
    """An issued pack, frozen: what was sent can always be shown again, byte for byte."""

    __tablename__ = "strategy_pack_versions"
    __table_args__ = (UniqueConstraint("meeting_id", "version", name="uq_strategy_pack_versions_meeting_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("strategy_meetings.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    html: Mapped[str] = mapped_column(Text)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    csv: Mapped[str] = mapped_column(Text, deferred=True)
    # The read-only web copy for the service: no login, revocable.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
