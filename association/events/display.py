"""Events in words, for pages and emails."""
from __future__ import annotations

from datetime import timedelta

from ..core.timefmt import format_date, format_datetime, to_local
from .models import Event


def event_when(event: Event) -> str:
    """'Tue 3 Mar 2026, 18:00 to 20:00', '3 March 2026, all day', '3 March 2026 to 5 March 2026, all day'."""
    start, end = to_local(event.starts_at), to_local(event.ends_at)
    if event.all_day:
        last_day = (end - timedelta(seconds=1)).date()  # an all-day event ends at midnight after its last day
        if last_day <= start.date():
            return f"{format_date(start.date())}, all day"
        return f"{format_date(start.date())} to {format_date(last_day)}, all day"
    if start.date() == end.date():
        return f"{format_datetime(event.starts_at)} to {end:%H:%M}"
    return f"{format_datetime(event.starts_at)} to {format_datetime(event.ends_at)}"
