"""Which events a visitor may see, and the listings built from them in a fixed number of queries."""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, func, or_, select

from ..core.database import utcnow
from ..core.paging import Paging, paginate
from ..core.timefmt import local_zone
from ..extensions import db
from .models import RSVP, Event

PAGE_SIZE = 30


def visible_visibilities(viewer) -> tuple[str, ...]:
    """public for everyone; members for active members; strategy for the strategy group and admins."""
    if viewer is None or not getattr(viewer, "is_authenticated", False) or not viewer.is_active_member:
        return ("public",)
    if viewer.has_any_role("strategy"):
        return ("public", "members", "strategy")
    return ("public", "members")


def can_see(viewer, event: Event) -> bool:
    return event.visibility in visible_visibilities(viewer)


def can_manage(viewer, event: Event | None = None) -> bool:
    """Admins and the committee manage every event; an organiser manages their own."""
    if viewer is None or not getattr(viewer, "is_authenticated", False) or not viewer.is_active_member:
        return False
    if viewer.has_any_role("committee"):
        return True
    return event is not None and event.organiser_id == viewer.id


def seats_subquery():
    return (select(RSVP.event_id, func.sum(RSVP.adults + RSVP.children).label("seats"))
            .where(RSVP.response == "going").group_by(RSVP.event_id).subquery())


@dataclass
class Listed:
    event: Event
    seats_taken: int
    my_response: str | None

    @property
    def places_left(self) -> int | None:
        if self.event.capacity is None:
            return None
        return max(self.event.capacity - self.seats_taken, 0)


def _listing(query, viewer) -> list[Listed]:
    seats = seats_subquery()
    rows = db.session.execute(
        query.add_columns(func.coalesce(seats.c.seats, 0)).outerjoin(seats, seats.c.event_id == Event.id)
    ).all()
    mine: dict[int, str] = {}
    if rows and viewer is not None and getattr(viewer, "is_authenticated", False):
        mine = dict(db.session.execute(select(RSVP.event_id, RSVP.response).where(
            RSVP.member_id == viewer.id, RSVP.event_id.in_([row[0].id for row in rows]))).all())
    return [Listed(event, int(taken), mine.get(event.id)) for event, taken in rows]


def _filtered(viewer, kind: str = "", children_only: bool = False):
    query = select(Event).where(Event.visibility.in_(visible_visibilities(viewer)))
    if kind:
        query = query.where(Event.kind == kind)
    if children_only:
        query = query.where(Event.children_welcome.is_(True))
    return query


def upcoming(viewer, kind: str = "", children_only: bool = False, page: int = 1) -> tuple[list[Listed], Paging]:
    """Events not yet over, soonest first, with places taken and the viewer's own answer."""
    query = _filtered(viewer, kind, children_only).where(Event.ends_at >= utcnow())
    paging = paginate(query, page, PAGE_SIZE)
    listed = _listing(query.order_by(Event.starts_at, Event.id).offset(paging.offset).limit(PAGE_SIZE), viewer)
    return listed, paging


@dataclass
class MonthView:
    year: int
    month: int
    weeks: list[list[tuple[date, list[Listed]]]]

    @property
    def title(self) -> str:
        return f"{calendar.month_name[self.month]} {self.year}"

    @property
    def previous(self) -> str:
        return f"{self.year - 1}-12" if self.month == 1 else f"{self.year}-{self.month - 1:02d}"

    @property
    def next(self) -> str:
        return f"{self.year + 1}-01" if self.month == 12 else f"{self.year}-{self.month + 1:02d}"


def month_view(viewer, year: int, month: int, kind: str = "", children_only: bool = False) -> MonthView:
    """A calendar grid of one month (weeks from Monday) with that month's events."""
    zone = local_zone()
    first = date(year, month, 1)
    last = date(year + (month == 12), month % 12 + 1, 1)
    start_utc = datetime.combine(first, datetime.min.time(), zone).astimezone(UTC).replace(tzinfo=None)
    end_utc = datetime.combine(last, datetime.min.time(), zone).astimezone(UTC).replace(tzinfo=None)
    query = _filtered(viewer, kind, children_only).where(Event.starts_at < end_utc, Event.ends_at > start_utc)
    by_day: dict[date, list[Listed]] = {}
    for item in _listing(query.order_by(Event.starts_at, Event.id), viewer):
        day = item.event.starts_at.replace(tzinfo=UTC).astimezone(zone).date()
        by_day.setdefault(max(day, first), []).append(item)
    weeks = [[(day, by_day.get(day, []) if day.month == month else []) for day in week]
             for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)]
    return MonthView(year, month, weeks)


FEED_DAYS_BEHIND = 90


def feed_window_start(since_days: int = FEED_DAYS_BEHIND) -> datetime:
    """Feeds keep events that ended after this: midnight (UTC) ``since_days`` ago, so what falls
    out of a feed changes once a day, with the day in the feed's ETag."""
    return datetime.combine(utcnow().date() - timedelta(days=since_days), datetime.min.time())


def feed_events(visibilities: tuple[str, ...], since: datetime | None = None):
    """A Core select of the events table's rows for a feed, in feed order: the ones a calendar
    needs (recent and coming), series as their first row and the occurrences that differ from the
    rule. Rows of a series that only follow the rule are left to the RRULE. Core, not ORM: a feed
    reads a couple of columns of thousands of rows, and ORM rows cost several times as much."""
    since = since or feed_window_start()
    events = Event.__table__.c
    return (select(Event.__table__)
            .where(events.visibility.in_(visibilities),
                   or_(events.ends_at >= since, and_(events.rrule.is_not(None), events.series_ended_at.is_(None)),
                       events.series_ended_at >= since),
                   or_(events.series_id.is_(None), events.detached.is_(True), events.status == "cancelled"))
            .order_by(events.starts_at, events.id))
