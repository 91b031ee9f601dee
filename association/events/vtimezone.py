"""The VTIMEZONE of the association's time zone, written as yearly rules (RRULE).

Outlook and tzurl.org publish zones this way and every calendar reads it. The other form, one
RDATE per change, is misread by ical.js (Thunderbird, Nextcloud, most web calendars), which takes
only the first value of each RDATE and so puts every event after the following clock change an
hour out. The rules are found in the zone's own transitions (zoneinfo), so any zone with regular
yearly changes gets them; a zone whose changes follow no yearly rule falls back to RDATEs.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

FIRST_YEAR = 2020  # events older than this are not in any feed
LAST_YEAR = 2040  # transitions are read up to here to find the rules; the last rules run on for ever
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MOST_ONE_OFF_CHANGES = 2  # more changes that follow no yearly rule than this: the zone is not regular


@dataclass(frozen=True)
class Change:
    """One clock change: when (UTC), the local time before it, and what the clocks show after it."""

    at: datetime  # naive UTC
    offset_from: timedelta
    offset_to: timedelta
    name: str
    daylight: bool

    @property
    def local(self) -> datetime:
        """The local time at the change as the clocks showed it before (RFC 5545's DTSTART)."""
        return self.at + self.offset_from

    @property
    def kind(self) -> tuple:
        return self.offset_from, self.offset_to, self.name, self.daylight


@dataclass
class Observance:
    """Changes of one kind that follow one yearly rule (or a single change, with no rule)."""

    changes: list[Change]
    rules: list[str] = field(default_factory=list)  # the BYDAY/BYMONTHDAY parts all of them fit, best first


@lru_cache(maxsize=4)
def vtimezone(tzid: str) -> bytes:
    """The VTIMEZONE text of ``tzid``: built once per process (it depends on the zone only)."""
    zone = ZoneInfo(tzid)
    changes = _changes(zone, FIRST_YEAR, LAST_YEAR)
    observances = _observances(changes)
    if sum(len(o.changes) == 1 for o in observances) > MOST_ONE_OFF_CHANGES:
        return Timezone.from_tzinfo(
            zone, tzid=tzid, first_date=date(FIRST_YEAR, 1, 1), last_date=date(LAST_YEAR, 1, 1)
        ).to_ical()
    component = Timezone()
    component.add("TZID", tzid)
    start = datetime(FIRST_YEAR, 1, 1)
    if not changes or changes[0].at > start:  # what the clocks showed before the first change
        first = start.replace(tzinfo=zone)
        offset, name = first.utcoffset(), first.tzname()
        assert offset is not None and name is not None, "a ZoneInfo gives every moment an offset and a name"
        component.add_component(
            _observance_component(Change(start - offset, offset, offset, name, bool(first.dst())), None)
        )
    for observance in observances:
        ends = observance.changes[-1]
        rule = None
        if len(observance.changes) > 1:
            rule = f"FREQ=YEARLY;BYMONTH={observance.changes[0].local.month};{observance.rules[0]}"
            if ends.at.year < LAST_YEAR - 1:  # a rule the zone stopped following
                rule += f";UNTIL={ends.at:%Y%m%dT%H%M%SZ}"
        component.add_component(_observance_component(observance.changes[0], rule))
    return component.to_ical()


def _observance_component(change: Change, rule: str | None):
    component = TimezoneDaylight() if change.daylight else TimezoneStandard()
    component.add("DTSTART", change.local)
    if rule:
        component.add("RRULE", vRecur.from_ical(rule))
    component.add("TZNAME", change.name)
    component.add("TZOFFSETFROM", change.offset_from)
    component.add("TZOFFSETTO", change.offset_to)
    return component


def _changes(zone: ZoneInfo, first_year: int, last_year: int) -> list[Change]:
    """Every change of the zone's offset, name or daylight flag from ``first_year`` until
    ``last_year``: a day-by-day walk, each change then found to the second."""

    def state(moment: datetime) -> tuple:
        local = moment.replace(tzinfo=UTC).astimezone(zone)
        return local.utcoffset(), local.tzname(), bool(local.dst())

    changes = []
    moment, end = datetime(first_year, 1, 1), datetime(last_year, 1, 1)
    before = state(moment)
    while moment < end:
        following = moment + timedelta(days=1)
        after = state(following)
        if after != before:
            low, high = moment, following  # state(low) == before, state(high) != before
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if state(middle) == before:
                    low = middle
                else:
                    high = middle
            offset, name, daylight = state(high)
            changes.append(Change(high, before[0], offset, name, daylight))
            before = state(high)
            following = high
        else:
            before = after
        moment = following
    return changes


def _observances(changes: list[Change]) -> list[Observance]:
    """The changes grouped into runs of one kind, one a year, on one yearly rule."""
    observances: list[Observance] = []
    open_runs: dict[tuple, Observance] = {}
    for change in changes:
        run = open_runs.get(change.kind)
        fits = []
        if run is not None:
            last = run.changes[-1]
            if (
                change.at.year == last.at.year + 1
                and change.local.month == last.local.month
                and change.local.time() == last.local.time()
            ):
                fits = [r for r in run.rules if r in _rules_of(change.local.date())]
        if run is not None and fits:
            run.changes.append(change)
            run.rules = fits
        else:
            run = Observance([change], _rules_of(change.local.date()))
            open_runs[change.kind] = run
            observances.append(run)
    return observances


def _rules_of(day: date) -> list[str]:
    """The yearly rules ``day`` is an instance of, simplest first: the last Sunday of the month,
    the second Sunday, the first Sunday on or after the 2nd (Chile), the fixed date."""
    weekday = WEEKDAYS[day.weekday()]
    month_days = calendar.monthrange(day.year, day.month)[1]
    rules = []
    if day.day + 7 > month_days:
        rules.append(f"BYDAY=-1{weekday}")
    rules.append(f"BYDAY={(day.day - 1) // 7 + 1}{weekday}")
    for first in range(max(1, day.day - 6), min(day.day, month_days - 6) + 1):
        rules.append(f"BYDAY={weekday};BYMONTHDAY={','.join(str(d) for d in range(first, first + 7))}")
    rules.append(f"BYMONTHDAY={day.day}")
    return rules
