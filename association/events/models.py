"""Events, the occurrences of a series, and who is coming."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.database import StrEnumType, utcnow
from ..extensions import Model

KINDS = {
    "peer_support": "Peer support",
    "social": "Social",
    "training": "Training",
    "guest_speaker": "Guest speaker",
    "committee": "Committee meeting",
    "strategy": "Strategy meeting",
    "other": "Other",
}
VISIBILITIES = {
    "public": "Public: anyone can see it (venue and joining link only for members)",
    "members": "Members only",
    "strategy": "Strategy group only",
}
AGE_BANDS = {"0-4": "Under 5s", "5-10": "5 to 10", "11-15": "11 to 15", "16+": "16 and over"}


class RsvpResponse(StrEnum):
    """A member's answer for an event (``RSVP.response``).

    - ``going``: has a place, for ``adults`` and ``children`` (and, partly booked, still waits for
      ``adults_waiting``/``children_waiting``).
    - ``waitlisted``: the event was full: in line for a place from ``waitlisted_at``.
    - ``not_going``: said they cannot come (or gave their place up); holds no place.
    """

    GOING = "going"
    WAITLISTED = "waitlisted"
    NOT_GOING = "not_going"


RSVP_RESPONSES = tuple(RsvpResponse)


class EventStatus(StrEnum):
    """Whether an event (or one occurrence of a series) still happens (``Event.status``).

    - ``scheduled``: it happens as shown.
    - ``cancelled``: called off; kept (feeds carry it as CANCELLED, RSVPs stay for the record).
    """

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class EventFacts(Protocol):
    """What the rules below read. events/queries.EventCard (an event read as plain columns) has it too
    and borrows the rules, so a card and an Event answer alike."""

    @property
    def kind(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def rrule(self) -> str | None: ...
    @property
    def series_id(self) -> int | None: ...


def new_uid() -> str:
    return f"{uuid.uuid4()}@association"


class Event(Model):
    """One event, or one occurrence of a series.

    A series is its first occurrence (``rrule`` set) plus one row per later occurrence
    (``series_id`` pointing at the first, ``recurrence_id`` its original start). Each occurrence
    has its own RSVPs and capacity; one edited on its own is ``detached`` and keeps its changes
    when the series is edited.
    """

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        UniqueConstraint("series_id", "recurrence_id", name="uq_events_occurrence"),
        Index("ix_events_visible_start", "visibility", "starts_at"),
        # The upcoming list: visible events not yet over, soonest first (and its count).
        Index("ix_events_visible_end", "visibility", "ends_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Bumped by each save through its edit form: see core/versions.py.
    edit_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    uid: Mapped[str] = mapped_column(String(80), unique=True, default=new_uid)
    kind: Mapped[str] = mapped_column(String(20), default="peer_support")
    title: Mapped[str] = mapped_column(String(140))
    description_md: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    venue_name: Mapped[str] = mapped_column(String(140), default="")
    venue_address: Mapped[str] = mapped_column(String(300), default="")
    map_url: Mapped[str] = mapped_column(String(500), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    visibility: Mapped[str] = mapped_column(String(10), default="members")
    children_welcome: Mapped[bool] = mapped_column(Boolean, default=False)
    age_bands: Mapped[str] = mapped_column(String(60), default="")
    bring_a_dish: Mapped[bool] = mapped_column(Boolean, default=False)
    accessibility_notes: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int | None] = mapped_column(Integer)
    rsvp_deadline: Mapped[datetime | None] = mapped_column(DateTime)
    takes_register: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[EventStatus] = mapped_column(StrEnumType(EventStatus, 10), default=EventStatus.SCHEDULED)

    rrule: Mapped[str | None] = mapped_column(String(200))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    recurrence_id: Mapped[datetime | None] = mapped_column(DateTime)
    detached: Mapped[bool] = mapped_column(Boolean, default=False)
    series_ended_at: Mapped[datetime | None] = mapped_column(DateTime)

    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped first thing in every RSVP transaction: the row lock that keeps capacity honest.
    rsvp_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    reminders_sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Serialised VEVENT text, kept so feeds only rebuild what changed; cleared by every change.
    # Stored behind a stamp of the text format and settings it was built with (ical.cache_stamp).
    ics_public: Mapped[str | None] = mapped_column(Text, deferred=True)
    ics_member: Mapped[str | None] = mapped_column(Text, deferred=True)

    organiser = relationship("Member", lazy="raise")
    series = relationship("Event", remote_side=[id], lazy="raise")

    @property
    def is_series(self: EventFacts) -> bool:
        return bool(self.rrule) or self.series_id is not None

    @property
    def series_root_id(self) -> int:
        return self.series_id or self.id

    @property
    def is_cancelled(self: EventFacts) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def kind_label(self: EventFacts) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def age_band_labels(self) -> list[str]:
        return [AGE_BANDS[b] for b in self.age_bands.split(",") if b in AGE_BANDS]


class RSVP(Model):
    """A member's answer for one event or occurrence: numbers only, never children's names."""

    __tablename__ = "rsvps"
    __table_args__ = (
        UniqueConstraint("event_id", "member_id", name="uq_rsvps_event_member"),
        CheckConstraint("adults >= 0 AND children >= 0", name="counts_not_negative"),
        Index("ix_rsvps_event_response", "event_id", "response", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    response: Mapped[RsvpResponse] = mapped_column(StrEnumType(RsvpResponse, 12))
    adults: Mapped[int] = mapped_column(Integer, default=1)
    children: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(String(200), default="")
    # A party only partly booked ("book the places left, waitlist the rest"): going with
    # ``adults``/``children`` and these still waiting, in line from ``waitlisted_at``.
    adults_waiting: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    children_waiting: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Where a member stands on the waitlist: when they joined it.
    waitlisted_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    event = relationship(Event, lazy="raise")
    member = relationship("Member", lazy="raise")

    @property
    def seats(self) -> int:
        return self.adults + self.children

    @property
    def seats_waiting(self) -> int:
        return self.adults_waiting + self.children_waiting
