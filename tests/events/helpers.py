"""Making events in tests."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from association.core.timefmt import local_today, local_zone
from association.extensions import db
from association.events.scheduling import EventDetails, create_event
from association.members.models import Member


def local_dt(day, hour: int, minute: int = 0, zone: str = "Europe/London") -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(hour, minute), ZoneInfo(zone)).astimezone(UTC).replace(tzinfo=None)


def add_event(app, organiser_id: int, *, days_ahead: int = 7, rule: str | None = None, hour: int = 19,
              **fields) -> int:
    with app.app_context():
        day = local_today() + timedelta(days=days_ahead)
        start = datetime.combine(day, time(hour), local_zone()).astimezone(UTC).replace(tzinfo=None)
        details = EventDetails(kind=fields.pop("kind", "peer_support"), title=fields.pop("title", "Peer support"),
                               starts_at=fields.pop("starts_at", start), ends_at=fields.pop("ends_at", start + timedelta(hours=2)),
                               **fields)
        event = create_event(details, db.session.get(Member, organiser_id), rule)
        return event.id
