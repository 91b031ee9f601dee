"""Fixtures: an app per test on a fresh database (SQLite, and PostgreSQL when CI or
TEST_POSTGRES_URL is set), members in every role, a real SMTP server, and a SQL statement counter.

Tests must not hold an app context while they make requests: Flask would reuse it, and with it
``g`` and Flask-Login's cached user, across requests. Use ``with app.app_context():`` for set-up.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from association import create_app
from association.extensions import db
from association.members.models import Member, MemberRole
from association.members.passwords import hash_password

from .smtp import SMTPServer

PASSWORD = "correct-horse-battery-staple"
_PASSWORD_HASH = hash_password(PASSWORD)  # hashed once: argon2 is slow on purpose

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL") or (
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres" if os.environ.get("CI") else None
)
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.fixture(scope="session")
def postgres_url():
    """A database of our own on the PostgreSQL server, dropped at the end of the run."""
    admin_url = make_url(POSTGRES_URL)
    name = f"association_test_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # with CI set, an unreachable PostgreSQL fails the run
        pytest.fail(f"PostgreSQL at {admin_url.render_as_string(hide_password=True)} is unreachable: {error}")
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    yield url
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request):
    if request.param == "sqlite":
        return "sqlite://"
    return request.getfixturevalue("postgres_url")


def _reset_postgres() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


def make_app(database_url: str, **overrides):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, **overrides})
    with app.app_context():
        db.create_all()
        if db.engine.dialect.name == "postgresql":
            _reset_postgres()
    return app


def _dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        engine = db.engine
    engine.dispose()


@pytest.fixture
def app(database_url, smtp):
    """The app under test; its outbox worker delivers to the real SMTP server ``smtp``."""
    app = make_app(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    yield app
    _dispose(app)


@pytest.fixture
def app_factory(database_url):
    """Make extra apps on this test's database with other settings; closed after the test."""
    apps = []

    def factory(**overrides):
        app = make_app(database_url, **overrides)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        _dispose(app)


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class MemberRef:
    """A member made for a test: ids and credentials, usable outside an app context."""

    id: int
    email: str
    name: str
    password: str = PASSWORD


def add_member(
    app, name: str = "Test Carer", email: str | None = None, *, status: str = "active", roles=(), **fields
) -> MemberRef:
    email = email or f"{name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:6]}@example.org"
    with app.app_context():
        member = Member(
            name=name,
            email=email,
            area=fields.pop("area", "Riverside"),
            status=status,
            application_state="approved" if status != "applicant" else fields.pop("application_state", "waiting"),
            password_hash=None if status == "applicant" else _PASSWORD_HASH,
            role_rows=[MemberRole(role=r) for r in roles],
            **fields,
        )
        db.session.add(member)
        db.session.commit()
        return MemberRef(member.id, member.email, member.name)


@pytest.fixture
def make_member(app):
    def make(*args, **kwargs) -> MemberRef:
        return add_member(app, *args, **kwargs)

    return make


def sign_in(client, member: MemberRef):
    response = client.post("/login", data={"email": member.email, "password": member.password})
    assert response.status_code == 302, f"could not sign in {member.email}: {response.status_code}"
    return client


@pytest.fixture
def member_client(app, make_member):
    member = make_member("Jo Carer")
    return sign_in(app.test_client(), member), member


@pytest.fixture
def admin_client(app, make_member):
    admin = make_member("Alex Admin", roles=["admin"])
    return sign_in(app.test_client(), admin), admin


@contextmanager
def count_queries(app):
    """Count the SQL statements run inside the block: ``with count_queries(app) as n: …; n[0]``."""
    counter = [0]
    with app.app_context():
        engine = db.engine

    def _count(*_args, **_kwargs):
        counter[0] += 1

    event.listen(engine, "before_cursor_execute", _count)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", _count)


@pytest.fixture(scope="session")
def smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server):
    smtp_server.clear()
    return smtp_server
