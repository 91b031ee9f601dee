"""Which events a visitor may see, and the listings built from them in a fixed number of queries."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, Integer, String, and_, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from ..core.database import utcnow
from ..core.paging import Paging, paginate
from ..core.timefmt import local_zone
from ..extensions import db
from .capacity import seats_taken_column
from .models import RSVP, Event, EventStatus, RsvpResponse
from .recurrence import describe

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


# Made once: a new alias on every call would make every statement new to SQLAlchemy's compiled cache.
_SERIES_FIRST = aliased(Event, name="series_first")


def event_for_page(event_id: int) -> tuple[Event, int, str | None] | None:
    """One event with the places taken and its series' rule (its own, or its first
    occurrence's), in one statement; None when there is no such event."""
    first = _SERIES_FIRST
    rule = func.coalesce(Event.rrule, select(first.rrule).where(first.id == Event.series_id).scalar_subquery())
    row = db.session.execute(select(Event, seats_taken_column(), rule).where(Event.id == event_id)).first()
    return None if row is None else (row[0], int(row[1] or 0), row[2])


@dataclass(slots=True)
class EventCard:
    """What an event's card shows (templates/events/_macros.html card, month.html), read as plain
    columns: a list reads thirty events, and ORM objects cost several times as much as rows."""

    id: int
    title: str
    kind: str
    status: str
    starts_at: datetime
    ends_at: datetime
    all_day: bool
    venue_name: str
    children_welcome: bool
    bring_a_dish: bool
    capacity: int | None
    rrule: str | None
    series_id: int | None
    detached: bool

    # The same rules as the model's, not copies of them.
    is_series = Event.is_series
    is_cancelled = Event.is_cancelled
    kind_label = Event.kind_label


CARD_COLUMNS = tuple(getattr(Event, f.name) for f in fields(EventCard))


@dataclass(slots=True)
class LaterDate:
    """Another coming date of a series, listed under its card."""

    id: int
    starts_at: datetime
    ends_at: datetime
    all_day: bool
    status: str

    is_cancelled = Event.is_cancelled


@dataclass
class Listed:
    event: EventCard
    seats_taken: int
    my_response: str | None
    series_rule: str | None = None
    # Under a series' card in the list: its other coming dates (at most LATER_DATES) and how many.
    later: list[LaterDate] | None = None
    later_count: int = 0

    @property
    def rule_words(self) -> str:
        """How the series repeats, in words ("Every first Tuesday of the month"); empty for a one-off."""
        return describe(self.series_rule) if self.event.is_series and not self.event.detached else ""

    @property
    def places_left(self) -> int | None:
        if self.event.capacity is None:
            return None
        return max(self.event.capacity - self.seats_taken, 0)

    @property
    def seats_shown(self) -> int:
        """Places taken as the meter shows them: never past the capacity."""
        return min(self.seats_taken, self.event.capacity) if self.event.capacity else self.seats_taken

    @property
    def labels(self) -> list[tuple[str, str]]:
        """The badges on the event's card: (extra CSS class, words)."""
        event, labels = self.event, []
        if event.is_cancelled:
            labels.append(("badge-cancelled", "Cancelled"))
        if self.my_response == RsvpResponse.GOING and not event.is_cancelled:
            labels.append(("badge-going", "You're going"))
        if self.my_response == RsvpResponse.WAITLISTED and not event.is_cancelled:
            labels.append(("badge-waiting", "On the waiting list"))
        if event.children_welcome:
            labels.append(("", "Children welcome"))
        if event.bring_a_dish:
            labels.append(("", "Bring a dish"))
        if event.is_series:
            labels.append(("", "Repeats"))
        return labels


def _listing(query, viewer, count=None) -> tuple[list[Listed], int | None]:
    """The events of ``query`` (ordered, maybe one page of it) with places taken and the viewer's
    own answer, in one statement; with ``count`` (a query), also how many rows it has.

    The page's ids are chosen first, so the per-event sums run for the events shown only, not
    for every event the ordering had to look at. The count is an uncorrelated subquery, which
    the database works out once; it comes back on every row, so an empty page brings none."""
    chosen = query.with_only_columns(Event.id).subquery()
    mine: ColumnElement[str] = literal(None, String)
    if viewer is not None and getattr(viewer, "is_authenticated", False):
        mine = select(RSVP.response).where(RSVP.event_id == Event.id, RSVP.member_id == viewer.id).scalar_subquery()
    total: ColumnElement[int] = literal(None, Integer)
    if count is not None:
        total = (
            select(func.count())
            .select_from(count.with_only_columns(Event.id).order_by(None).subquery())
            .scalar_subquery()
        )
    rows = db.session.execute(
        select(*CARD_COLUMNS, seats_taken_column(), mine, _series_rule_column(), total)
        .join(chosen, chosen.c.id == Event.id)
        .order_by(Event.starts_at, Event.id)
    ).all()
    width = len(CARD_COLUMNS)
    listed = [Listed(EventCard(*row[:width]), int(row[width] or 0), row[width + 1], row[width + 2]) for row in rows]
    return listed, (rows[0][-1] if rows else None)


def _filtered(viewer, kind: str = "", children_only: bool = False):
    query = select(Event).where(Event.visibility.in_(visible_visibilities(viewer)))
    if kind:
        query = query.where(Event.kind == kind)
    if children_only:
        query = query.where(Event.children_welcome.is_(True))
    return query


def _series_rule_column():
    """The rule of the row's series (its own, or its first occurrence's), as a scalar subquery."""
    first = _SERIES_FIRST
    return func.coalesce(Event.rrule, select(first.rrule).where(first.id == Event.series_id).scalar_subquery())


LATER_DATES = 12


def _in_series():
    """Rows that follow their series (not changed on their own): the list shows them as one card."""
    return and_(or_(Event.rrule.is_not(None), Event.series_id.is_not(None)), Event.detached.is_(False))


def upcoming(viewer, kind: str = "", children_only: bool = False, page: int = 1) -> tuple[list[Listed], Paging]:
    """Events not yet over, soonest first, with places taken and the viewer's own answer. A series
    is one card, at its next meeting, with its later dates beside it (``Listed.later``).

    One statement for the page and the number of pages, and one more for the later dates when the
    page has a series; a page past the end (only from an edited link) costs two more, to count and
    to show the last page instead."""
    now = utcnow()
    query = _filtered(viewer, kind, children_only).where(Event.ends_at >= now, _next_of_its_series(viewer, now))
    ordered = query.order_by(Event.starts_at, Event.id).limit(PAGE_SIZE)
    page = max(page, 1)
    listed, total = _listing(ordered.offset((page - 1) * PAGE_SIZE), viewer, count=query)
    if total is None and page > 1:
        paging = paginate(query, page, PAGE_SIZE)
        listed, _ = _listing(ordered.offset(paging.offset), viewer)
        _add_later_dates(listed, viewer, now)
        return listed, paging
    total = total or 0
    _add_later_dates(listed, viewer, now)
    return listed, Paging(page, max(1, -(-total // PAGE_SIZE)), total, PAGE_SIZE)


_SIBLING = aliased(Event, name="sibling")


def _coming_in_series(row, viewer, now: datetime):
    """Conditions on ``row``: a coming, scheduled meeting of a series that follows it."""
    return and_(
        row.detached.is_(False),
        row.status == EventStatus.SCHEDULED,
        row.ends_at >= now,
        row.visibility.in_(visible_visibilities(viewer)),
    )


def _next_of_its_series(viewer, now: datetime):
    """True for a one-off event, an occurrence changed on its own, and the next scheduled meeting
    of a series; false for the series' other meetings (and its cancelled ones), listed under it."""
    root = func.coalesce(Event.series_id, Event.id)
    sibling = _SIBLING
    earlier = exists().where(
        or_(sibling.id == root, sibling.series_id == root),
        _coming_in_series(sibling, viewer, now),
        or_(sibling.starts_at < Event.starts_at, and_(sibling.starts_at == Event.starts_at, sibling.id < Event.id)),
    )
    return or_(~_in_series(), and_(Event.status == EventStatus.SCHEDULED, ~earlier))


def _add_later_dates(listed: list[Listed], viewer, now: datetime) -> None:
    """The other coming dates of each series on the page (cancelled ones too, marked), the first
    LATER_DATES of each, in one statement."""
    roots = {
        item.event.series_id or item.event.id: item
        for item in listed
        if item.event.is_series and not item.event.detached and item.series_rule
    }
    if not roots:
        return
    root = func.coalesce(Event.series_id, Event.id)
    shown = [item.event.id for item in roots.values()]
    ranked = (
        select(
            Event.id,
            Event.starts_at,
            Event.ends_at,
            Event.all_day,
            Event.status,
            root.label("root"),
            func.row_number().over(partition_by=root, order_by=(Event.starts_at, Event.id)).label("n"),
            func.count().over(partition_by=root).label("total"),
        )
        .where(
            or_(Event.id.in_(list(roots)), Event.series_id.in_(list(roots))),
            _in_series(),
            Event.ends_at >= now,
            Event.visibility.in_(visible_visibilities(viewer)),
            Event.id.not_in(shown),
        )
        .subquery()
    )
    later: dict[int, list[LaterDate]] = {key: [] for key in roots}
    for row in db.session.execute(
        select(ranked).where(ranked.c.n <= LATER_DATES).order_by(ranked.c.root, ranked.c.starts_at, ranked.c.id)
    ):
        later[row.root].append(LaterDate(row.id, row.starts_at, row.ends_at, row.all_day, row.status))
        roots[row.root].later_count = row.total
    for key, item in roots.items():
        item.later = later[key]


@dataclass
class MonthView:
    year: int
    month: int
    weeks: list[list[tuple[date, list[Listed]]]]

    @property
    def title(self) -> str:
        return f"{calendar.month_name[self.month]} {self.year}"

    def items(self, in_month: bool) -> list[Listed]:
        """The events of the month's own days (``in_month``), or of the greyed days either side."""
        return [
            item
            for week in self.weeks
            for day, items in week
            if (day.month == self.month) == in_month
            for item in items
        ]

    @property
    def previous(self) -> str:
        return f"{self.year - 1}-12" if self.month == 1 else f"{self.year}-{self.month - 1:02d}"

    @property
    def next(self) -> str:
        return f"{self.year + 1}-01" if self.month == 12 else f"{self.year}-{self.month + 1:02d}"


def month_view(viewer, year: int, month: int, kind: str = "", children_only: bool = False) -> MonthView:
    """A calendar grid of one month (weeks from Monday) with the events of every day it shows,
    the greyed days of the months either side included."""
    zone = local_zone()
    grid = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first, last = grid[0][0], grid[-1][-1] + timedelta(days=1)
    start_utc = datetime.combine(first, datetime.min.time(), zone).astimezone(UTC).replace(tzinfo=None)
    end_utc = datetime.combine(last, datetime.min.time(), zone).astimezone(UTC).replace(tzinfo=None)
    query = _filtered(viewer, kind, children_only).where(Event.starts_at < end_utc, Event.ends_at > start_utc)
    by_day: dict[date, list[Listed]] = {}
    for item in _listing(query.order_by(Event.starts_at, Event.id), viewer)[0]:
        day = item.event.starts_at.replace(tzinfo=UTC).astimezone(zone).date()
        by_day.setdefault(max(day, first), []).append(item)
    weeks = [[(day, by_day.get(day, [])) for day in week] for week in grid]
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
    return (
        select(Event.__table__)
        .where(
            events.visibility.in_(visibilities),
            or_(
                events.ends_at >= since,
                and_(events.rrule.is_not(None), events.series_ended_at.is_(None)),
                events.series_ended_at >= since,
            ),
            or_(events.series_id.is_(None), events.detached.is_(True), events.status == EventStatus.CANCELLED),
        )
        .order_by(events.starts_at, events.id)
    )
