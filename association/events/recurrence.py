"""Recurrence rules for a series: built from plain choices, checked, and expanded in local time.

Expansion happens in the association's wall-clock time and only then turns into UTC, so a
7 pm meeting stays at 7 pm across the October and March clock changes, as calendar apps do with
the same RRULE and a TZID.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from ..core.errors import DomainError

# How far ahead occurrences exist as rows (members RSVP to rows); a daily job extends it.
HORIZON = timedelta(days=400)
MAX_OCCURRENCES = 120
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
REPEAT_CHOICES = {
    "": "Does not repeat",
    "weekly": "Every week",
    "fortnightly": "Every two weeks",
    "every_n_weeks": "Every few weeks (say how many below)",
    "monthly_weekday": "Once a month on a weekday, like the first Tuesday",
    "monthly_date": "Monthly on the same date",
    "custom": "Custom rule (RRULE)",  # admins only: forms.EventForm.for_editor
}
# Which of its weekday in the month, for "the first Tuesday"; the form offers these by name.
NTH_CHOICES = {"1": "first", "2": "second", "3": "third", "4": "fourth", "-1": "last"}


class RecurrenceError(DomainError):
    """A rule we cannot use; ``str(error)`` says why in plain words, and ``field`` names the form
    field it is about ("repeat" when it is about the choice as a whole)."""

    def __init__(self, message: str, field: str = "repeat"):
        super().__init__(message, field)


def nth_weekday(local_start: datetime) -> int:
    """Which of its weekday in the month: 1..4, or -1 for the last (so the 5th Tuesday is 'last')."""
    nth = (local_start.day - 1) // 7 + 1
    if (local_start + timedelta(days=7)).month != local_start.month:
        return -1 if nth >= 4 else nth
    return nth


def build_rule(
    choice: str, local_start: datetime, custom: str = "", weekday: str = "", nth: str = "", weeks: int | None = None
) -> str | None:
    """The RRULE value for a repeat choice, e.g. 'FREQ=MONTHLY;BYDAY=1TU'. ``weekday`` ("TU"),
    ``nth`` ("1".."4", "-1") and ``weeks`` (every so many weeks) are the plain choices; the
    weekday and the nth must be those of the first meeting, ``local_start``, which the series
    starts on: a series whose first date doesn't follow its own rule would confuse everyone."""
    day = WEEKDAYS[local_start.weekday()]
    if not choice:
        return None
    first = f"{local_start:%a} {local_start.day} {local_start:%b %Y}"
    if weekday and weekday != day and choice in ("weekly", "fortnightly", "every_n_weeks", "monthly_weekday"):
        raise RecurrenceError(
            f"The first meeting, {first}, is a {DAY_NAMES[local_start.weekday()]}. Choose "
            f"{DAY_NAMES[local_start.weekday()]}, or change the date to the first meeting.",
            "repeat_weekday",
        )
    if choice == "weekly":
        return f"FREQ=WEEKLY;BYDAY={day}"
    if choice == "fortnightly":
        return f"FREQ=WEEKLY;INTERVAL=2;BYDAY={day}"
    if choice == "every_n_weeks":
        if weeks is None:
            raise RecurrenceError("Say how many weeks apart the meetings are, from 2 to 12.", "repeat_weeks")
        return f"FREQ=WEEKLY;INTERVAL={weeks};BYDAY={day}" if weeks > 1 else f"FREQ=WEEKLY;BYDAY={day}"
    if choice == "monthly_weekday":
        actual = nth_weekday(local_start)
        fourth_and_last = actual == -1 and (local_start.day - 1) // 7 + 1 == 4
        if nth and int(nth) != actual and not (nth == "4" and fourth_and_last):
            raise RecurrenceError(
                f"The first meeting, {first}, is the {NTH_CHOICES[str(actual)]} "
                f"{DAY_NAMES[local_start.weekday()]} of its month. Choose "
                f"“{NTH_CHOICES[str(actual)]}”, or change the date to the first meeting.",
                "repeat_nth",
            )
        return f"FREQ=MONTHLY;BYDAY={nth or actual}{day}"
    if choice == "monthly_date":
        return f"FREQ=MONTHLY;BYMONTHDAY={local_start.day}"
    if choice == "custom":
        return validate_rule(custom)
    raise RecurrenceError("Choose how the event repeats.")


CUSTOM = "custom_rule"  # the field where a rule is typed: every refusal of validate_rule is about it
ALLOWED_PARTS = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "COUNT", "UNTIL", "WKST"}


def validate_rule(rule: str) -> str:
    """Check an RRULE value (without the 'RRULE:' prefix); returns it normalised."""
    rule = (rule or "").strip().upper().removeprefix("RRULE:")
    if not rule:
        raise RecurrenceError("Enter a recurrence rule, for example FREQ=MONTHLY;BYDAY=1TU.", CUSTOM)
    if len(rule) > 200:
        raise RecurrenceError("That recurrence rule is too long.", CUSTOM)
    parts = dict(p.partition("=")[::2] for p in rule.split(";") if p)
    unknown = set(parts) - ALLOWED_PARTS
    if unknown:
        raise RecurrenceError(f"This rule uses parts we don't support: {', '.join(sorted(unknown))}.", CUSTOM)
    if parts.get("FREQ") not in {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}:
        raise RecurrenceError("The rule needs FREQ=DAILY, WEEKLY, MONTHLY or YEARLY.", CUSTOM)
    try:
        expanded = rrulestr(f"RRULE:{rule}", dtstart=datetime(2026, 1, 6, 19, 0, tzinfo=UTC))
        first = expanded.after(datetime(2026, 1, 1, tzinfo=UTC), inc=True)
    except (ValueError, TypeError) as error:
        raise RecurrenceError(f"That recurrence rule isn't valid: {error}.", CUSTOM) from error
    if first is None:
        raise RecurrenceError("That rule never produces a date.", CUSTOM)
    if (
        parts["FREQ"] == "DAILY"
        and int(parts.get("INTERVAL", "1") or 1) < 2
        and "COUNT" not in parts
        and "UNTIL" not in parts
    ):
        raise RecurrenceError("A daily series needs an end (COUNT or UNTIL) so it doesn't fill the calendar.", CUSTOM)
    return rule


def expand(
    rule: str,
    local_start: datetime,
    zone: ZoneInfo,
    until_utc: datetime | None = None,
    horizon_from: datetime | None = None,
    after: datetime | None = None,
) -> list[datetime]:
    """Start times (naive UTC) of the occurrences of ``rule`` from ``local_start`` (naive local),
    later than ``after`` if given, up to ``until_utc`` or the horizon, at most MAX_OCCURRENCES.

    The cap counts only occurrences after ``after``: counted from the series' first date, a weekly
    group running for years would reach it and never be extended again.
    """
    start = local_start.replace(tzinfo=zone)
    limit = (horizon_from or datetime.now(UTC).replace(tzinfo=None)) + HORIZON
    if until_utc is not None:
        limit = min(limit, until_utc)
    results: list[datetime] = []
    for occurrence in rrulestr(f"RRULE:{rule}", dtstart=start):
        # Wall-clock time kept; the offset follows the date (GMT in winter, BST in summer).
        utc = occurrence.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
        if utc > limit or len(results) >= MAX_OCCURRENCES:
            break
        if after is None or utc > after:
            results.append(utc)
    return results


def describe(rule: str | None) -> str:
    """Plain words for the common rules; the rule itself otherwise."""
    if not rule:
        return ""
    parts = dict(p.partition("=")[::2] for p in rule.split(";") if p)
    names = dict(zip(WEEKDAYS, DAY_NAMES, strict=True))
    day = parts.get("BYDAY", "")
    interval = parts.get("INTERVAL", "1")
    if parts.get("FREQ") == "WEEKLY" and day in names and interval.isdigit():
        every = {"1": "week", "2": "two weeks"}.get(interval, f"{interval} weeks")
        return f"Every {every} on {names[day]}"
    if parts.get("FREQ") == "MONTHLY" and day[-2:] in names and day[:-2].lstrip("-").isdigit() and interval == "1":
        return f"Every {ORDINALS.get(int(day[:-2]), day[:-2])} {names[day[-2:]]} of the month"
    if parts.get("FREQ") == "MONTHLY" and parts.get("BYMONTHDAY", "").isdigit() and len(parts) == 2:
        return f"Monthly on day {parts['BYMONTHDAY']}"
    return f"Repeats: {rule}"
