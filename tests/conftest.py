"""Fixtures: an app per test on a fresh database (SQLite, and PostgreSQL when CI or
TEST_POSTGRES_URL is set), members in every role, and a real SMTP server. The plain helpers they
use, which tests import too, are in tests/support.py.

Tests must not hold an app context while they make requests: Flask would reuse it, and with it
``g`` and Flask-Login's cached user, across requests. Use ``with app.app_context():`` for set-up.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from .smtp import SMTPServer
from .support import BACKENDS, POSTGRES_URL, MemberRef, add_member, dispose_app, make_app, sign_in


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


@pytest.fixture
def app(database_url, smtp):
    """The app under test; its outbox worker delivers to the real SMTP server ``smtp``."""
    app = make_app(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    yield app
    dispose_app(app)


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
        dispose_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_member(app):
    def make(*args, **kwargs) -> MemberRef:
        return add_member(app, *args, **kwargs)

    return make


@pytest.fixture
def member_client(app, make_member):
    member = make_member("Jo Carer")
    return sign_in(app.test_client(), member), member


@pytest.fixture
def admin_client(app, make_member):
    admin = make_member("Alex Admin", roles=["admin"])
    return sign_in(app.test_client(), admin), admin


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
