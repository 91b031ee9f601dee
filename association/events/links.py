"""Add-to-calendar links."""

from __future__ import annotations

from datetime import UTC, timedelta
from urllib.parse import urlencode

from ..core.timefmt import to_local
from ..mail.outbox import external_url
from .models import Event


def google_calendar_link(event: Event, show_place: bool) -> str:
    """A link that opens Google Calendar's 'new event' page filled in with this event."""
    if event.all_day:
        start = to_local(event.starts_at).date()
        end = max(to_local(event.ends_at - timedelta(seconds=1)).date() + timedelta(days=1), start + timedelta(days=1))
        dates = f"{start:%Y%m%d}/{end:%Y%m%d}"
    else:
        utc = [value.replace(tzinfo=UTC) for value in (event.starts_at, event.ends_at)]
        dates = "/".join(f"{value:%Y%m%dT%H%M%SZ}" for value in utc)
    params = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": dates,
        "details": f"{external_url('events.detail', event_id=event.id)}",
    }
    if show_place and (event.venue_name or event.venue_address):
        params["location"] = ", ".join(p for p in (event.venue_name, event.venue_address) if p)
    return "https://calendar.google.com/calendar/render?" + urlencode(params)
