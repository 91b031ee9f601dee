"""Registers of who came, training details of events, and each carer's own training entries.

Attendance is sensitive (who goes to a peer-support group says something about them): a register's
entries are read by the member themselves, the event's organiser and the committee who take it;
reports read totals only.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.database import utcnow
from ..extensions import Model

# How long after the meeting ends its register can still be changed.
REGISTER_OPEN_DAYS = 14
# The longest single training entry (a week's residential course is about 40 hours).
MAX_MINUTES = 100 * 60


def hours_words(minutes: int) -> str:
    """'1 hour', '2.5 hours', '45 minutes'."""
    if minutes < 60:
        return f"{minutes} minutes"
    hours = minutes / 60
    text = f"{hours:.2f}".rstrip("0").rstrip(".")
    return f"{text} hour" if text == "1" else f"{text} hours"


class TrainingTopic(Model):
    """A topic the committee keeps (safeguarding, first aid …); some need renewing after a while."""

    __tablename__ = "training_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    # How long training in this topic counts before it should be renewed (first aid: 36); None: for good.
    validity_months: Mapped[int | None] = mapped_column(Integer)
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# One topic per name whatever its case: two committee members adding "First aid" and "first aid" at
# the same moment get one topic, and the second is told it is there.
Index("uq_training_topics_lower_name", func.lower(TrainingTopic.name), unique=True)

course_topics = Table(
    "training_course_topics",
    Model.metadata,
    Column("event_id", ForeignKey("training_courses.event_id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("training_topics.id", ondelete="CASCADE"), primary_key=True, index=True),
)

entry_topics = Table(
    "training_entry_topics",
    Model.metadata,
    Column("entry_id", ForeignKey("training_entries.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("training_topics.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class TrainingCourse(Model):
    """What a training event teaches: its hours, topics and learning outcomes."""

    __tablename__ = "training_courses"
    __table_args__ = (CheckConstraint(f"minutes > 0 AND minutes <= {MAX_MINUTES}", name="course_minutes_range"),)

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    minutes: Mapped[int] = mapped_column(Integer)
    outcomes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    topics: Mapped[list[TrainingTopic]] = relationship(secondary=course_topics, order_by=TrainingTopic.name)

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def hours_words(self) -> str:
        return hours_words(self.minutes)


class Register(Model):
    """The register of one meeting that happened, kept as it was held.

    The title, kind and times are copied when the register is first saved, so moving or cancelling
    the event afterwards leaves the register with the meeting that took place, and the reports
    count it where it happened.
    """

    __tablename__ = "registers"
    __table_args__ = (Index("ix_registers_held", "held_from", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), unique=True)
    title: Mapped[str] = mapped_column(String(140))
    kind: Mapped[str] = mapped_column(String(20))
    held_from: Mapped[datetime] = mapped_column(DateTime)
    held_until: Mapped[datetime] = mapped_column(DateTime)
    # Training hours as held (copied from the event's training details on each save).
    minutes: Mapped[int | None] = mapped_column(Integer)
    closes_at: Mapped[datetime] = mapped_column(DateTime)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    entries: Mapped[list[RegisterEntry]] = relationship(
        back_populates="register", cascade="all, delete-orphan", lazy="raise"
    )


class RegisterEntry(Model):
    """One person on a register: a member (from those going, or a walk-in) or a named guest.

    A member erased later keeps their line as "Former member", so totals stay right. Members who
    came to a training event hold a certificate code: long and random, looked up by ``/verify``.
    """

    __tablename__ = "register_entries"
    __table_args__ = (
        UniqueConstraint("register_id", "member_id", name="uq_register_entries_member"),
        CheckConstraint("adults >= 0 AND children >= 0", name="entry_counts_not_negative"),
        CheckConstraint("member_id IS NOT NULL OR guest_name <> ''", name="entry_member_or_guest"),
        Index("ix_register_entries_member", "member_id", "attended"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    register_id: Mapped[int] = mapped_column(ForeignKey("registers.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    guest_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    guest_organisation: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # None until the organiser marks them: came (True) or absent (False).
    attended: Mapped[bool | None] = mapped_column(Boolean)
    # Came without saying they were going (a walk-in member, or a guest): not a no-show when absent.
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    adults: Mapped[int] = mapped_column(Integer, default=1)
    children: Mapped[int] = mapped_column(Integer, default=0)
    certificate_code: Mapped[str | None] = mapped_column(String(64), unique=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    register: Mapped[Register] = relationship(back_populates="entries", lazy="raise")
    member = relationship("Member", lazy="raise")

    @property
    def is_guest(self) -> bool:
        return self.member_id is None and bool(self.guest_name)


class TrainingEntry(Model):
    """Training a member did elsewhere and added to their own record (with a certificate, perhaps)."""

    __tablename__ = "training_entries"
    __table_args__ = (
        CheckConstraint(f"minutes > 0 AND minutes <= {MAX_MINUTES}", name="entry_minutes_range"),
        Index("ix_training_entries_member_day", "member_id", "completed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200), default="")
    completed_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    # The certificate file, stored under the instance folder by a random name; never in static/.
    certificate_file: Mapped[str | None] = mapped_column(String(80))
    certificate_type: Mapped[str | None] = mapped_column(String(40))
    certificate_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    topics: Mapped[list[TrainingTopic]] = relationship(secondary=entry_topics, order_by=TrainingTopic.name)


class TrainingReminder(Model):
    """When a member was last reminded about training running out: at most once a week."""

    __tablename__ = "training_reminders"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime)
