"""``flask backup`` / ``flask restore`` on SQLite (a real file) and PostgreSQL (when conftest runs it).

Each test works on databases of its own: files under tmp_path, or PostgreSQL databases created
here and dropped afterwards, so a restore never lands on a database another test is using.
"""

from __future__ import annotations

import random
import re
import sqlite3
import stat
import subprocess
import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from association import create_app
from association.core.backup import backup_database, libpq_environment
from association.extensions import db
from association.members.models import Member, MemberRole
from tests.support import BACKENDS, POSTGRES_URL, add_member, dispose_app, make_app

EXTENSION = {"sqlite": "sqlite", "postgresql": "dump"}


@pytest.fixture(params=BACKENDS)
def engine_name(request):
    return request.param


@pytest.fixture
def open_app(engine_name, tmp_path):
    """Apps on fresh databases of this test's engine: ``open_app("live")`` with the app's tables,
    ``open_app("restored", empty=True)`` with nothing in it (a new server); all removed afterwards."""
    apps, databases = [], []
    admin = None
    if engine_name == "postgresql":
        admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")

    def make(label: str, empty: bool = False):
        if engine_name == "sqlite":
            url = f"sqlite:///{tmp_path / f'{label}.sqlite'}"
        else:
            name = f"association_backup_{label}_{uuid.uuid4().hex[:8]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            databases.append(name)
            url = admin.url.set(database=name).render_as_string(hide_password=False)
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url}) if empty else make_app(url)
        apps.append(app)
        return app

    yield make
    for app in apps:
        dispose_app(app)
    if admin is not None:
        with admin.connect() as conn:
            for name in databases:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.005)


def _members(app) -> dict[int, tuple]:
    with app.app_context():
        roles = {}
        for member_id, role in db.session.execute(select(MemberRole.member_id, MemberRole.role)):
            roles.setdefault(member_id, set()).add(role)
        rows = db.session.execute(select(Member.id, Member.name, Member.email, Member.area))
        return {row.id: (row.name, row.email, row.area, roles.get(row.id, set())) for row in rows}


def _backup(app, path):
    result = app.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    return result


def _restore(app, path, *args, **kwargs):
    return app.test_cli_runner().invoke(args=["restore", str(path), *args], **kwargs)


def test_a_backup_taken_during_writes_restores_every_committed_row(open_app, engine_name, tmp_path):
    live = open_app("live")
    committed: list[int] = []  # in commit order: appended only once the commit has returned
    stop, failures = threading.Event(), []

    def write():
        n = 0
        try:
            while not stop.is_set():
                n += 1
                # A member and its role row in one transaction: a restored member without its
                # role would be a torn snapshot.
                ref = add_member(live, f"Writer {n}", f"writer{n}@example.org", roles=["moderator"], area=f"Area {n}")
                committed.append(ref.id)
        except Exception as error:  # surfaced by the assertion below
            failures.append(error)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        _wait_for(lambda: len(committed) >= 20 or failures)
        before_backup = list(committed)
        path = tmp_path / f"during.{EXTENSION[engine_name]}"
        _backup(live, path)
        after_backup = len(committed)
        _wait_for(lambda: len(committed) >= after_backup + 3 or failures)  # still writing afterwards
    finally:
        stop.set()
        writer.join(10)
    assert not failures, failures

    restored_app = open_app("restored", empty=True)
    result = _restore(restored_app, path, "--yes")
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output

    restored = _members(restored_app)
    assert set(before_backup) <= set(restored), "a row committed before the backup is missing"
    # One snapshot: exactly the first k commits, with no gaps from rows committed later.
    assert sorted(restored) == sorted(committed[: len(restored)])
    for name, email, area, roles in restored.values():
        n = int(name.removeprefix("Writer "))
        assert (email, area, roles) == (f"writer{n}@example.org", f"Area {n}", {"moderator"})


def test_backup_default_path_is_private_and_timestamped(open_app, engine_name, tmp_path):
    live = open_app("live")
    live.instance_path = str(tmp_path / "instance")
    result = live.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    match = re.search(r"Backed up to (\S+) \(\d", result.output)
    path = tmp_path / "instance" / "backups" / match.group(1).rsplit("/", 1)[-1]
    assert re.fullmatch(rf"association-\d{{8}}T\d{{6}}Z\.{EXTENSION[engine_name]}", path.name)
    assert path.is_file() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no partial file left behind
    second = live.test_cli_runner().invoke(args=["backup"])
    assert second.exit_code == 0 and len(list(path.parent.iterdir())) == 2  # same second: no overwrite


def _corrupt(good, bad, engine_name) -> None:
    data = bytearray(good.read_bytes())
    if engine_name == "sqlite":
        # Keep the header so only the integrity check can tell; scramble the pages after it.
        noise = random.Random(7).randbytes(len(data) - 4096)
        data[4096:] = noise
    else:
        data = data[: len(data) // 2]  # a dump cut short, as by a full disk
    bad.write_bytes(bytes(data))


def _wrong_engine_file(path, engine_name) -> None:
    if engine_name == "sqlite":
        path.write_bytes(b"PGDMP\x01\x0e\x00" + bytes(200))
    else:
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE members (id INTEGER PRIMARY KEY)")
        conn.close()


def test_restore_refuses_bad_files_and_leaves_live_data_alone(open_app, engine_name, tmp_path):
    live = open_app("live")
    add_member(live, "Kept Carer")
    good = tmp_path / f"good.{EXTENSION[engine_name]}"
    _backup(live, good)
    add_member(live, "Added After Backup")  # a restore that went ahead would remove this one
    expected = _members(live)

    _corrupt(good, corrupt := tmp_path / f"corrupt.{EXTENSION[engine_name]}", engine_name)
    _wrong_engine_file(wrong := tmp_path / "other-engine.bin", engine_name)
    (notes := tmp_path / "notes.txt").write_text("not a backup at all\n" * 50)
    cases = [
        (tmp_path / "missing.sqlite", "There is no backup file"),
        (tmp_path, "is not a file"),
        (notes, "is not a backup"),
        (wrong, "backup, but this app uses"),
        (corrupt, "damaged" if engine_name == "sqlite" else "not a readable PostgreSQL dump"),
    ]
    if engine_name == "sqlite":
        with sqlite3.connect(foreign := tmp_path / "foreign.sqlite") as conn:
            conn.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY)")
        conn.close()
        cases += [(foreign, "not a backup of this app"), (tmp_path / "live.sqlite", "live database itself")]
        onto_live = live.test_cli_runner().invoke(args=["backup", str(tmp_path / "live.sqlite-wal")])
        assert onto_live.exit_code != 0 and "live database itself" in onto_live.output
    for path, message in cases:
        result = _restore(live, path, "--yes")
        assert result.exit_code != 0, (path, result.output)
        assert message in result.output, (path, result.output)
        assert "Traceback" not in result.output
        assert _members(live) == expected, f"{path.name} changed the live data"

    declined = _restore(live, good, input="n\n")
    assert declined.exit_code != 0 and "Replace everything" in declined.output
    assert _members(live) == expected

    # The same app, connections still pooled, sees exactly the backup's content afterwards.
    confirmed = _restore(live, good, input="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert sorted(name for name, *_ in _members(live).values()) == ["Kept Carer"]


def test_postgres_connection_goes_through_the_environment_not_the_command_line(monkeypatch, tmp_path):
    url = "postgresql+psycopg://assoc:s3cr%40t@db.internal:6543/assoc_live?sslmode=require"
    assert libpq_environment(make_url(url), base={"PATH": "/bin"}) == {
        "PATH": "/bin",
        "PGHOST": "db.internal",
        "PGPORT": "6543",
        "PGUSER": "assoc",
        "PGPASSWORD": "s3cr@t",
        "PGDATABASE": "assoc_live",
        "PGSSLMODE": "require",
    }
    calls = []
    monkeypatch.setattr("shutil.which", lambda name: f"/opt/pg/bin/{name}")
    monkeypatch.setattr(
        "subprocess.run",
        lambda command, **kwargs: (
            calls.append((command, kwargs["env"])) or subprocess.CompletedProcess(command, 0, "", "")
        ),
    )
    engine = create_engine(url)  # never connects: pg_dump is faked
    backup_database(engine, tmp_path / "x.dump")
    engine.dispose()
    ((command, environment),) = calls
    assert command[:2] == ["/opt/pg/bin/pg_dump", "--format=custom"]
    assert not any("s3cr" in part for part in command)
    assert environment["PGPASSWORD"] == "s3cr@t" and environment["PGDATABASE"] == "assoc_live"


def test_backup_says_so_when_pg_dump_is_missing(monkeypatch, tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:9/none"})
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no pg_dump to find
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.dump")])
    dispose_app(app)
    assert result.exit_code != 0
    assert "pg_dump was not found" in result.output
    assert list(tmp_path.iterdir()) == []
