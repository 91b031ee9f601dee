"""Making events in tests, and seeing what SQL a page runs."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import event

from association.core.timefmt import local_today, local_zone
from association.events.scheduling import EventDetails, create_event
from association.extensions import db
from association.members.models import Member


def local_dt(day, hour: int, minute: int = 0, zone: str = "Europe/London") -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(hour, minute), ZoneInfo(zone)).astimezone(UTC).replace(tzinfo=None)


def add_event(app, organiser_id: int, *, days_ahead: int = 7, rule: str | None = None, hour: int = 19, **fields) -> int:
    with app.app_context():
        day = local_today() + timedelta(days=days_ahead)
        start = datetime.combine(day, time(hour), local_zone()).astimezone(UTC).replace(tzinfo=None)
        details = EventDetails(
            kind=fields.pop("kind", "peer_support"),
            title=fields.pop("title", "Peer support"),
            starts_at=fields.pop("starts_at", start),
            ends_at=fields.pop("ends_at", start + timedelta(hours=2)),
            **fields,
        )
        event = create_event(details, db.session.get(Member, organiser_id), rule)
        return event.id


@contextmanager
def statements_run(app):
    """The SQL statements run inside the block, with their parameters: ``with statements_run(app)
    as run: …; len(run)``; ``rows_returned(app, run)`` then says how many rows they read."""
    run: list[tuple[str, object]] = []
    with app.app_context():
        engine = db.engine

    def _capture(_conn, _cursor, statement, parameters, _context, _many):
        run.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", _capture)
    try:
        yield run
    finally:
        event.remove(engine, "before_cursor_execute", _capture)


def rows_returned(app, run) -> list[int]:
    """How many rows each SELECT in ``run`` returns, run again as it was sent: what the page read
    from the database, which must not grow with the data."""
    with app.app_context():
        conn = db.session.connection()
        return [
            len(conn.exec_driver_sql(statement, parameters).fetchall())
            for statement, parameters in run
            if statement.lstrip().upper().startswith(("SELECT", "WITH"))
        ]
