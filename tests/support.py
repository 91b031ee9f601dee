"""Plain helpers for tests: an app on a database, members, signing in, and a SQL statement counter.

Fixtures live in conftest.py, where pytest finds them and hands them to a test by name; anything a
test imports comes from here (``from tests.support import add_member, sign_in``).
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import event, text

from association import create_app
from association.extensions import db
from association.members.models import Member, MemberRole
from association.members.passwords import hash_password

PASSWORD = "correct-horse-battery-staple"
_PASSWORD_HASH = hash_password(PASSWORD)  # hashed once: argon2 is slow on purpose

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL") or (
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres" if os.environ.get("CI") else None
)
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


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


def dispose_app(app) -> None:
    """Close the app's session and its engine's connections (an app made by ``make_app``)."""
    with app.app_context():
        db.session.remove()
        engine = db.engine
    engine.dispose()


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


def sign_in(client, member: MemberRef):
    response = client.post("/login", data={"email": member.email, "password": member.password})
    assert response.status_code == 302, f"could not sign in {member.email}: {response.status_code}"
    return client


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
