"""The committee's attendance and training report: numbers only, never who.

Read from the registers, each kept as its meeting was held (kind, time, training minutes), so a
meeting moved or cancelled after its register still counts where and when it happened, and a member
erased since still counts on the line they left. For a period of whole months: meetings held, the
adults and children who came (a guest is one adult), the hours of training held and the learner
hours (the hours of each training times the adults who came to it), per kind of event and per month,
and each kind's no-show rate.

One statement whatever the number of registers: each register's lines are summed in SQL (GROUP BY),
and the registers are put into months in Python, in the association's time zone, where a month
begins and ends.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, case, func, select

from ..core.errors import DomainError
from ..core.timefmt import local_today, local_zone, to_local
from ..events.models import KINDS
from ..extensions import db
from .models import Register, RegisterEntry

# The longest period one report covers: five years of months.
MAX_MONTHS = 60
# The months a period may start or end in: the association keeps no registers from before this, and
# a year far ahead is a slip of the keyboard (and would overflow the calendar on the way to UTC).
FIRST_YEAR = 2000
YEARS_AHEAD = 1


class ReportError(DomainError):
    """A period the report cannot cover; ``str(error)`` says why."""


@dataclass(frozen=True)
class Period:
    """Whole months, from the first day of ``first`` to the last day of ``last`` (local time)."""

    first: date  # the first day of the first month
    last: date  # the first day of the last month

    @property
    def months(self) -> list[date]:
        found, month = [], self.first
        while month <= self.last:
            found.append(month)
            month += relativedelta(months=1)
        return found

    @property
    def starts_at(self) -> datetime:
        """When the period begins, as stored (naive UTC)."""
        return _stored(self.first)

    @property
    def ends_before(self) -> datetime:
        """The first moment after the period, as stored (naive UTC)."""
        return _stored(self.last + relativedelta(months=1))

    @property
    def words(self) -> str:
        if self.first == self.last:
            return month_words(self.first)
        return f"{month_words(self.first)} to {month_words(self.last)}"

    @property
    def slug(self) -> str:
        return f"{self.first:%Y-%m}-to-{self.last:%Y-%m}"


def _stored(day: date) -> datetime:
    return datetime.combine(day, time(0), local_zone()).astimezone(UTC).replace(tzinfo=None)


def month_words(month: date) -> str:
    return f"{month:%B %Y}"


def last_twelve_months(today: date | None = None) -> Period:
    """The default period: this month and the eleven before it."""
    this_month = (today or local_today()).replace(day=1)
    return Period(this_month - relativedelta(months=11), this_month)


def period_between(start: date, end: date, today: date | None = None) -> Period:
    """The months from ``start``'s to ``end``'s; refused when the end comes first or it is too long."""
    first, last = start.replace(day=1), end.replace(day=1)
    latest_year = (today or local_today()).year + YEARS_AHEAD
    for month, which in ((first, "start"), (last, "end")):
        if not FIRST_YEAR <= month.year <= latest_year:
            raise ReportError(
                f"Please choose a month between January {FIRST_YEAR} and December {latest_year}.", field=which
            )
    if last < first:
        raise ReportError("The last month is before the first. Please check the months.", field="end")
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if months > MAX_MONTHS:
        raise ReportError(
            f"That is {months} months. A report covers at most {MAX_MONTHS // 12} years ({MAX_MONTHS} months): "
            "please choose a shorter period.",
            field="end",
        )
    return Period(first, last)


@dataclass
class Figures:
    """What happened in a month, a kind of event, or a whole period: counts only."""

    meetings: int = 0
    adults: int = 0
    children: int = 0
    training_meetings: int = 0
    training_minutes: int = 0  # the length of each training held, added up
    learner_minutes: int = 0  # each training's length times the adults who came to it
    untimed_training: int = 0  # training meetings held without their hours recorded
    expected: int = 0  # members who said they were going, and were marked came or absent
    absent: int = 0  # of those, marked absent
    unmarked: int = 0  # members who said they were going and were never marked

    @property
    def people(self) -> int:
        return self.adults + self.children

    @property
    def no_show_rate(self) -> float | None:
        """The share of members who said they were going and were marked absent (None: nobody to count)."""
        return self.absent / self.expected if self.expected else None

    def add(self, other: Figures) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class KindFigures:
    """One kind of event: its totals and its months (those with a meeting of the kind)."""

    kind: str
    label: str
    total: Figures = field(default_factory=Figures)
    months: dict[date, Figures] = field(default_factory=dict)


@dataclass
class AttendanceReport:
    period: Period
    total: Figures
    months: dict[date, Figures]  # every month of the period, in order
    kinds: list[KindFigures]  # the kinds with a meeting in the period, in the calendar's order

    @property
    def is_empty(self) -> bool:
        return self.total.meetings == 0

    @property
    def has_training(self) -> bool:
        return self.total.training_meetings > 0


def _register_sums(period: Period):
    """One row per register held in the period: when, what kind, its training minutes, its lines summed."""
    came = RegisterEntry.attended.is_(True)
    guest = and_(RegisterEntry.member_id.is_(None), RegisterEntry.guest_name != "")
    # Members who said they were going (not walk-ins, not guests); erased members' lines included.
    going = and_(RegisterEntry.walk_in.is_(False), RegisterEntry.guest_name == "")

    def total(condition, value=1):
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    return db.session.execute(
        select(
            Register.kind,
            Register.held_from,
            Register.minutes,
            # A guest counts as one adult, whatever the line says.
            total(came, case((guest, 1), else_=RegisterEntry.adults)).label("adults"),
            total(and_(came, ~guest), RegisterEntry.children).label("children"),
            total(and_(going, RegisterEntry.attended.is_not(None))).label("expected"),
            total(and_(going, RegisterEntry.attended.is_(False))).label("absent"),
            total(and_(going, RegisterEntry.attended.is_(None))).label("unmarked"),
        )
        .select_from(Register)
        .outerjoin(RegisterEntry, RegisterEntry.register_id == Register.id)
        .where(Register.held_from >= period.starts_at, Register.held_from < period.ends_before)
        .group_by(Register.id, Register.kind, Register.held_from, Register.minutes)
    )


def _figures_of(row) -> Figures:
    figures = Figures(
        meetings=1,
        adults=int(row.adults),
        children=int(row.children),
        expected=int(row.expected),
        absent=int(row.absent),
        unmarked=int(row.unmarked),
    )
    if row.kind == "training":
        figures.training_meetings = 1
        if row.minutes:
            figures.training_minutes = row.minutes
            figures.learner_minutes = row.minutes * figures.adults
        else:
            figures.untimed_training = 1
    return figures


def kind_label(kind: str) -> str:
    return KINDS.get(kind, KINDS["other"])


def attendance_report(period: Period) -> AttendanceReport:
    """The report for ``period`` (one statement)."""
    total = Figures()
    months = {month: Figures() for month in period.months}
    kinds: dict[str, KindFigures] = {}
    by_kind_month: dict[str, dict[date, Figures]] = defaultdict(dict)
    for row in _register_sums(period):
        figures = _figures_of(row)
        month = to_local(row.held_from).date().replace(day=1)
        kind = row.kind if row.kind in KINDS else "other"
        total.add(figures)
        months.setdefault(month, Figures()).add(figures)
        kinds.setdefault(kind, KindFigures(kind, kind_label(kind))).total.add(figures)
        by_kind_month[kind].setdefault(month, Figures()).add(figures)
    order = list(KINDS)
    found = sorted(kinds.values(), key=lambda k: order.index(k.kind))
    for kind_figures in found:
        kind_figures.months = dict(sorted(by_kind_month[kind_figures.kind].items()))
    return AttendanceReport(period, total, months, found)


def hours_number(minutes: int) -> str:
    """Minutes as hours for a table: '1.5', '12', '0.25'."""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


def no_show_words(figures: Figures) -> str:
    """'2 of 25 (8%)', or a dash when nobody who said they were going was marked."""
    rate = figures.no_show_rate
    if rate is None:
        return "–"
    return f"{figures.absent} of {figures.expected} ({rate:.0%})"
