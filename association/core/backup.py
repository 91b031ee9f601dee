"""Backups of the whole database, and restoring one, on SQLite and PostgreSQL.

SQLite is copied with the online backup API, which reads one consistent snapshot while the app
goes on writing, into a single self-contained file. PostgreSQL is dumped with ``pg_dump
--format=custom`` (itself one consistent snapshot) and restored with ``pg_restore``; the client
tools get the connection through libpq's environment variables, so a password never appears on a
command line where ``ps`` would show it.

A restore first proves the file is a whole backup of the right engine and only then touches the
live database, in one transaction, so a refused or failed restore leaves the live data as it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, Engine

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
MAGIC = {"sqlite": SQLITE_MAGIC, "postgresql": PGDUMP_MAGIC}
EXTENSIONS = {"sqlite": "sqlite", "postgresql": "dump"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# libpq reads these from the environment exactly as it reads them from a connection string.
LIBPQ_QUERY_ENVIRONMENT = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "options": "PGOPTIONS",
    "service": "PGSERVICE",
}
SQLITE_WAIT_SECONDS = 30


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message is written for the person running it."""


@dataclass(frozen=True)
class BackupFile:
    path: Path
    size: int
    engine: str


def engine_kind(engine: Engine) -> str:
    """``sqlite`` or ``postgresql``; any other database has no backup support here."""
    name = engine.dialect.name
    if name not in EXTENSIONS:
        raise BackupError(f"Backups are made for SQLite and PostgreSQL only, not {name}.")
    return name


def default_backup_path(instance_path: str | Path, engine: Engine, now: datetime | None = None) -> Path:
    """``<instance>/backups/association-<UTC timestamp>.<sqlite|dump>``, never an existing file."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    folder = Path(instance_path) / "backups"
    extension = EXTENSIONS[engine_kind(engine)]
    path = folder / f"association-{stamp}.{extension}"
    number = 2
    while path.exists():  # two backups in one second must not overwrite each other
        path = folder / f"association-{stamp}-{number}.{extension}"
        number += 1
    return path


def backup_database(engine: Engine, destination: str | Path) -> BackupFile:
    """Write a consistent backup of the database behind ``engine`` to ``destination``.

    The backup is written beside the destination under a temporary name and renamed only once
    complete, so an interrupted backup never leaves a half file under the real name (nor spoils
    an older backup of the same name). The file holds personal data: it is readable by the owner
    only.
    """
    kind = engine_kind(engine)
    destination = Path(destination).expanduser().resolve()
    if destination.is_dir():
        raise BackupError(f"{destination} is a folder; give a file name for the backup.")
    # The folder may be new: keep it private, like the files that will go in it.
    destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if kind == "sqlite" and _is_live_file(engine, destination):
        raise BackupError(f"{destination} is the live database itself; choose another file for the backup.")
    partial = destination.with_name(f".{destination.name}.partial")
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        if kind == "sqlite":
            _backup_sqlite(_sqlite_file(engine), partial)
        else:
            _backup_postgres(engine.url, partial)
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return BackupFile(destination, destination.stat().st_size, kind)


def check_backup(engine: Engine, source: str | Path) -> BackupFile:
    """Make sure ``source`` is a complete, readable backup for this app's database engine.

    Raises ``BackupError`` saying what is wrong; reads the file only.
    """
    kind = engine_kind(engine)
    path = Path(source).expanduser()
    if not path.exists():
        raise BackupError(f"There is no backup file at {path}.")
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    with path.open("rb") as file:
        header = file.read(len(SQLITE_MAGIC))
    found = next((name for name, magic in MAGIC.items() if header.startswith(magic)), None)
    if found is None:
        raise BackupError(f"{path} is not a backup: it is neither a SQLite database nor a PostgreSQL custom dump.")
    if found != kind:
        raise BackupError(
            f"{path} is a {ENGINE_NAMES[found]} backup, but this app uses "
            f"{ENGINE_NAMES[kind]}; restore it on a {ENGINE_NAMES[found]} set-up instead."
        )
    if kind == "sqlite":
        if _is_live_file(engine, path):
            raise BackupError(f"{path} is the live database itself, not a backup of it.")
        _check_sqlite(path)
    else:
        _check_postgres(path)
    return BackupFile(path.resolve(), path.stat().st_size, kind)


def restore_database(engine: Engine, source: str | Path) -> BackupFile:
    """Replace everything in the database behind ``engine`` with the backup at ``source``.

    The file is checked first (see ``check_backup``); a bad file changes nothing.
    """
    backup = check_backup(engine, source)
    if backup.engine == "sqlite":
        _restore_sqlite(backup.path, _sqlite_file(engine, must_exist=False))
    else:
        _restore_postgres(engine.url, backup.path)
    # This process's pooled connections may hold statements prepared against the tables that were
    # just replaced; start them afresh.
    engine.dispose()
    return backup


def describe_database(engine: Engine) -> str:
    """Where the data lives, for a confirmation prompt: a file path or ``database on host``."""
    url = engine.url
    if engine.dialect.name == "sqlite":
        return f"the SQLite database {url.database or '(in memory)'}"
    return f"the PostgreSQL database {url.database} on {url.host or 'localhost'}"


# SQLite ------------------------------------------------------------------------------------------


def _sqlite_file(engine: Engine, must_exist: bool = True) -> Path:
    database = engine.url.database
    if database in (None, "", ":memory:") or database.startswith("file::memory:"):
        raise BackupError("The database is in memory; there is no file to back up or restore into.")
    path = Path(database).resolve()
    if must_exist and not path.is_file():
        raise BackupError(f"The database file {path} does not exist.")
    return path


def _is_live_file(engine: Engine, path: Path) -> bool:
    # The live file's -wal and -shm companions count too: replacing either would corrupt it.
    live = _sqlite_file(engine, must_exist=False)
    path = path.resolve()
    return path.parent == live.parent and path.name in {live.name, f"{live.name}-wal", f"{live.name}-shm"}


def _connect_sqlite(path: Path, mode: str) -> sqlite3.Connection:
    # A URI with an explicit mode: plain connect() would quietly create a missing file.
    return sqlite3.connect(f"{path.as_uri()}?mode={mode}", uri=True, timeout=SQLITE_WAIT_SECONDS)


def _backup_sqlite(live: Path, destination: Path) -> None:
    source = _connect_sqlite(live, "ro")
    target = sqlite3.connect(destination)
    try:
        # pages=-1 copies everything in one step under one read transaction: a snapshot of
        # committed data, while writers carry on (the live database runs in WAL mode).
        source.backup(target, pages=-1)
        # The copy inherits WAL mode from the live file; a backup should be one file on its own.
        target.execute("PRAGMA journal_mode=DELETE")
        _integrity(target, destination)
    except sqlite3.Error as error:
        raise BackupError(f"The SQLite backup failed: {error}") from error
    finally:
        target.close()
        source.close()


def _integrity(connection: sqlite3.Connection, path: Path) -> None:
    rows = [row[0] for row in connection.execute("PRAGMA integrity_check").fetchall()]
    if rows != ["ok"]:
        raise BackupError(f"{path} is damaged ({'; '.join(rows[:3])}).")


def _check_sqlite(path: Path) -> None:
    try:
        connection = _connect_sqlite(path, "ro")
    except sqlite3.Error as error:
        raise BackupError(f"{path} cannot be opened as a SQLite database: {error}") from error
    try:
        _integrity(connection, path)
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is damaged: {error}") from error
    finally:
        connection.close()
    # A sound SQLite file may still be somebody else's database; ours always has the members.
    if "members" not in tables:
        raise BackupError(f"{path} is a SQLite database, but not a backup of this app (it has no members table).")


def _restore_sqlite(backup: Path, live: Path) -> None:
    source = _connect_sqlite(backup, "ro")
    target = _connect_sqlite(live, "rwc")
    try:
        # Written page by page into the live file inside one write transaction: the app's open
        # connections wait, then see the whole new content; copying the file over would leave
        # them reading a mix of old and new pages and a stale WAL.
        source.backup(target, pages=-1)
    except sqlite3.Error as error:
        raise BackupError(f"The SQLite restore failed and nothing was changed: {error}") from error
    finally:
        target.close()
        source.close()


# PostgreSQL --------------------------------------------------------------------------------------


def libpq_environment(url: URL, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for pg_dump/pg_restore: ``base`` (default ``os.environ``) plus PG* settings
    taken from the SQLAlchemy URL, so the tools reach the same database as the app."""
    environment = dict(os.environ if base is None else base)
    for key, value in url.query.items():
        if key in LIBPQ_QUERY_ENVIRONMENT:
            environment[LIBPQ_QUERY_ENVIRONMENT[key]] = value if isinstance(value, str) else value[0]
    given = {
        "PGHOST": url.host,
        "PGPORT": url.port,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    environment.update({name: str(value) for name, value in given.items() if value not in (None, "")})
    return environment


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found on PATH. Install the PostgreSQL client tools of the same "
            f"major version as the server (Debian: apt-get install postgresql-client)."
        )
    return path


def _run(command: list[str], environment: dict[str, str], failure: str) -> None:
    try:
        result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    except OSError as error:
        raise BackupError(f"{failure}: {error}") from error
    if result.returncode != 0:
        detail = result.stderr.strip() or f"{Path(command[0]).name} exited with status {result.returncode}"
        raise BackupError(f"{failure}:\n{detail}")


def _backup_postgres(url: URL, destination: Path) -> None:
    # --no-password: fail at once instead of waiting for a prompt nobody sees (cron, CI).
    _run(
        [_tool("pg_dump"), "--format=custom", "--no-password", f"--file={destination}"],
        libpq_environment(url),
        "pg_dump could not back up the database",
    )


def _check_postgres(path: Path) -> None:
    # Turning the whole archive into SQL (thrown away) reads every data block, so a truncated or
    # damaged dump is caught here, before the live database is touched; --list reads the TOC only.
    _run(
        [_tool("pg_restore"), f"--file={os.devnull}", str(path)],
        dict(os.environ),
        f"{path} is not a readable PostgreSQL dump",
    )


def _conninfo_dbname(name: str | None) -> str:
    # pg_restore treats a --dbname holding "=" as a connection string; quoting the name as one
    # keeps any name literal, and the rest of the connection still comes from the environment.
    quoted = (name or "").replace("\\", "\\\\").replace("'", "\\'")
    return f"dbname='{quoted}'"


def _restore_postgres(url: URL, backup: Path) -> None:
    # One transaction (which also stops at the first error): either the whole backup is in place
    # or the live database is as it was. --no-owner/--no-privileges: the dump may come from a
    # server whose roles differ from this one's.
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--no-password",
            f"--dbname={_conninfo_dbname(url.database)}",
            str(backup),
        ],
        libpq_environment(url),
        "pg_restore failed and nothing was changed",
    )
