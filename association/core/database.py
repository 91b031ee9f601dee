"""Database helpers shared by every part, and the rule for who commits.

Rule functions (each part's plain functions: ``posting.py``, ``scheduling.py``, ``themes.py`` …)
change the session and flush; the view, CLI command or job that owns the request commits, once the
person's step is done, and rolls back when a rule refused it. So a rule can be called from another
rule, a seeder or a test without ending its caller's transaction halfway, and a step either happens
whole or not at all. A module named ``queries.py`` only reads: it never commits.

A rule function that must own its transaction says "Commits" in its docstring, and why when it is
not plain: a lock that must be the first statement of a fresh transaction (``events/rsvps.py``
``_lock``), a cache write a read may lose (``events/ical.py`` ``_keep``), a daily job, each step of
the outbox worker (``mail/worker.py``, so a crash loses at most one message's fate). Backups
(``core/backup.py``) work on their own connection, in one transaction of their own. Older rules
that end a whole user action (approve an application, post a reply) commit too and say so; new ones
leave the commit to their caller. ``tests/test_transactions.py`` holds every module to this.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Delete, String, Table, Update, event
from sqlalchemy.engine import CursorResult, Dialect, Engine
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from ..extensions import Model


def utcnow() -> datetime:
    """Naive UTC 'now': every stored time is UTC without tzinfo, on SQLite and PostgreSQL alike."""
    return datetime.now(UTC).replace(tzinfo=None)


def table_of(model: type[Model]) -> Table:
    """The Table ``model`` is mapped to, for Core statements on it.

    SQLAlchemy declares ``__table__`` as any FromClause (a class may be mapped to a join or a
    subquery); every model here is declared with ``__tablename__``, which makes it a Table.
    """
    table = model.__table__
    assert isinstance(table, Table), f"{model.__name__} is mapped to a Table"
    return table


E = TypeVar("E", bound=StrEnum)


class StrEnumType(TypeDecorator[E]):
    """A status column: VARCHAR in the database, a ``StrEnum`` member in Python.

    The schema sees only ``String(length)`` (Alembic compares the impl, so no migration was needed,
    and migrations/env.py writes it as ``sa.String`` in a new one), SQL binds
    the plain string (``Member.status == MemberStatus.ACTIVE``, ``.in_(tuple(MemberStatus))``) and a
    loaded row holds the enum member, which still equals its string in templates and comparisons.
    """

    impl = String
    cache_ok = True  # the enum class and length are the whole state, and both are hashable

    def __init__(self, enum_class: type[E], length: int) -> None:
        super().__init__(length)
        self.enum_class = enum_class

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        # str() of a StrEnum member is its value: drivers get a plain str, never the member.
        return None if value is None else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_class(value)


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


# --- Counters and rows that concurrent requests create -----------------------------------------
#
# "Read a number, add one, write it back" loses updates as soon as two requests overlap: both read
# the same value. Every counter is therefore changed in SQL, and every row two requests may both
# create is inserted so that the second one is a no-op rather than a UNIQUE violation (a 500).


def increment(column, row_id: int, by: int = 1) -> int:
    """Add ``by`` to ``column`` of the row ``row_id`` in one statement; returns the new value.

    ``UPDATE … SET col = col + 1 … RETURNING col`` (SQLite ≥ 3.35 and PostgreSQL): the database
    serialises writers on the row, so no two callers ever get the same value. The row stays locked
    (PostgreSQL) or the database write-locked (SQLite) until commit, which also serialises whatever
    the caller does next with that row. An object of the row already in the session gets the new
    value, without being marked changed.
    """
    from sqlalchemy import update
    from sqlalchemy.orm.attributes import set_committed_value

    from ..extensions import db

    model = column.class_
    key = model.__mapper__.primary_key[0]
    value = db.session.execute(
        update(model)
        .where(key == row_id)
        .values({column.key: column + by})
        .returning(column)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    loaded = db.session.identity_map.get(db.session.identity_key(model, row_id))
    if loaded is not None:
        set_committed_value(loaded, column.key, value)
    return value


def lock_row(model, row_id: int) -> None:
    """Hold the row until commit, so a count read after this sees every earlier writer's commit.

    PostgreSQL: ``SELECT … FOR NO KEY UPDATE`` on the row (the lock an UPDATE takes).
    SQLite has no row locks and ignores FOR UPDATE: there a write is what serialises. pysqlite begins
    the transaction at its first write, so a write that changes nothing (a column set to itself)
    takes the database's write lock, and every read after it sees the latest commits.
    """
    from sqlalchemy import select, update

    from ..extensions import db

    table = model.__table__
    key = list(table.primary_key.columns)[0]
    if db.session.get_bind().dialect.name == "postgresql":
        # NO KEY UPDATE: rows that merely refer to this one (a new post of a thread, a new thread of
        # a category) hold KEY SHARE on it, which FOR UPDATE would wait for: two such writers would
        # each wait for the other's commit.
        db.session.execute(select(key).where(key == row_id).with_for_update(key_share=True))
        return
    # Columns with an ``onupdate`` are set to themselves too, or the no-op write would change them.
    unchanged = [c for c in table.columns if not c.primary_key and c.onupdate is not None]
    unchanged = unchanged or [next(c for c in table.columns if not c.primary_key)]
    db.session.execute(update(table).where(key == row_id).values({c.name: c for c in unchanged}))


def rows_matched(statement: Update | Delete) -> int:
    """Run an UPDATE or DELETE (without RETURNING) in the session; how many rows its WHERE matched.

    The count is what makes a conditional UPDATE a compare-and-swap: 0 means another request got
    there first. Session.execute is declared to return a plain Result for every statement; for an
    UPDATE or DELETE without RETURNING it is the DBAPI cursor's CursorResult, which has the count.
    """
    from ..extensions import db

    result = db.session.execute(statement)
    assert isinstance(result, CursorResult), "an UPDATE or DELETE without RETURNING gives a CursorResult"
    return result.rowcount


def contains_pattern(text: str) -> str:
    """A LIKE pattern (use with ``escape="\\"``) matching text that holds ``text``, lower-cased, its
    own % and _ taken literally: a search for "50%" finds "50%", not everything."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def insert_or_ignore(model, **values) -> bool:
    """Insert a row unless one with the same unique key exists; True when this call inserted it.

    ``INSERT … ON CONFLICT DO NOTHING`` on both engines: of two requests creating the same row (a
    double click, two tabs) one inserts and the other quietly finds it there, instead of a
    UNIQUE violation that would end its transaction and answer 500.
    """
    from sqlalchemy.dialects import postgresql, sqlite

    from ..extensions import db

    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    key = list(model.__table__.primary_key.columns)
    # RETURNING says whether the row went in (rowcount is not reliable for this on every driver).
    inserted = db.session.execute(dialect.insert(model).values(**values).on_conflict_do_nothing().returning(*key))
    return inserted.first() is not None
