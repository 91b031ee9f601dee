"""Database helpers shared by every part."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.engine import Engine


def utcnow() -> datetime:
    """Naive UTC 'now': every stored time is UTC without tzinfo, on SQLite and PostgreSQL alike."""
    return datetime.now(UTC).replace(tzinfo=None)


def tune_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL for readers beside one writer, and a wait instead of 'database is locked'."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
