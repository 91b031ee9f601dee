"""Migrations build, from an empty database, exactly the schema the models describe."""

from __future__ import annotations

import uuid
import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from association import create_app
from association.extensions import db
from association.forum.search import outside_models
from tests.support import BACKENDS, POSTGRES_URL


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.sqlite'}"
        return
    server = make_url(POSTGRES_URL)
    name = f"association_migrate_{uuid.uuid4().hex[:8]}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def test_migrations_match_the_models(empty_database):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn, warnings.catch_warnings():
            # SQLite can't reflect an index on an expression, so autogenerate skips it (and says
            # so); that index is checked by name below instead.
            warnings.filterwarnings("ignore", message=".*expression-based index")
            context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": outside_models})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations differ: {differences}"
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*expression-based index")
            member_indexes = {ix["name"] for ix in inspect(db.engine).get_indexes("members")}
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:
                member_indexes |= set(
                    conn.exec_driver_sql(
                        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'members'"
                    ).scalars()
                )
        assert "ix_members_status_lower_name" in member_indexes
        tables = set(inspect(db.engine).get_table_names())
        assert {"members", "outbox_messages", "audit_entries", "events", "forum_posts", "forum_search"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
