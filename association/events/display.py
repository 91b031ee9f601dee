"""Events in words, for pages and emails."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ..core.timefmt import local_zone
from .models import Event


def _clock_words(local: datetime) -> str:
    """A local time as core.timefmt.format_datetime words it: 'Tue 3 Mar 2026, 18:00'. Here
    from a time already in the zone, because a list words thirty events and looking the zone up
    for each time costs more than the words."""
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def day_words(day: date) -> str:
    """'Tue 3 Mar 2026': the one way events write a day, with or without a time after it."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def event_when(event: Event) -> str:
    """'Tue 3 Mar 2026, 18:00 to 20:00', 'Tue 3 Mar 2026, all day', 'Tue 3 Mar 2026 to Thu 5 Mar 2026, all day'."""
    zone = local_zone()
    start = event.starts_at.replace(tzinfo=UTC).astimezone(zone)
    end = event.ends_at.replace(tzinfo=UTC).astimezone(zone)
    if event.all_day:
        last_day = (end - timedelta(seconds=1)).date()  # an all-day event ends at midnight after its last day
        if last_day <= start.date():
            return f"{day_words(start.date())}, all day"
        return f"{day_words(start.date())} to {day_words(last_day)}, all day"
    if start.date() == end.date():
        return f"{_clock_words(start)} to {end:%H:%M}"
    return f"{_clock_words(start)} to {_clock_words(end)}"
