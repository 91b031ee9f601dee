"""Database helpers shared by every part."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.engine import Engine


def utcnow() -> datetime:
    """Naive UTC 'now': every stored time is UTC without tzinfo, on SQLite and PostgreSQL alike."""
    return datetime.now(UTC).replace(tzinfo=None)


def tune_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL for readers beside one writer, and a wait instead of 'database is locked'.

    synchronous=NORMAL is SQLite's advice for WAL: a commit no longer waits for the disk (fsync
    about 4 ms here), yet nothing committed is lost if the process dies; only an operating-system
    crash or power cut may lose the last commits. The outbox worker commits twice per message, so
    this is what lets it send hundreds a second. PostgreSQL is the choice where that matters.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
