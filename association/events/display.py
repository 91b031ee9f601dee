"""Events in words, for pages and emails."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ..core.timefmt import format_date, local_zone
from .models import Event


def _clock_words(local: datetime) -> str:
    """A local time as core.timefmt.format_datetime words it: 'Tue 3 Mar 2026, 18:00'. Here
    from a time already in the zone, because a list words thirty events and looking the zone up
    for each time costs more than the words."""
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def event_when(event: Event) -> str:
    """'Tue 3 Mar 2026, 18:00 to 20:00', '3 March 2026, all day', '3 March 2026 to 5 March 2026, all day'."""
    zone = local_zone()
    start = event.starts_at.replace(tzinfo=UTC).astimezone(zone)
    end = event.ends_at.replace(tzinfo=UTC).astimezone(zone)
    if event.all_day:
        last_day = (end - timedelta(seconds=1)).date()  # an all-day event ends at midnight after its last day
        if last_day <= start.date():
            return f"{format_date(start.date())}, all day"
        return f"{format_date(start.date())} to {format_date(last_day)}, all day"
    if start.date() == end.date():
        return f"{_clock_words(start)} to {end:%H:%M}"
    return f"{_clock_words(start)} to {_clock_words(end)}"
