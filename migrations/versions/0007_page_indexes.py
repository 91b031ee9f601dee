"""Indexes the benchmark's pages asked for: upcoming events, and the directory by name

Revision ID: 0007_page_indexes
Revises: 0006_search_vector
Create Date: 2026-11-23 14:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_page_indexes"
down_revision = "0006_search_vector"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_visible_end", ["visibility", "ends_at", "starts_at"], unique=False)
    # An index on an expression: autogenerate can't compare these on SQLite, so it is written here.
    op.create_index("ix_members_status_lower_name", "members", ["status", sa.text("lower(name)"), "id"], unique=False)


def downgrade():
    op.drop_index("ix_members_status_lower_name", table_name="members")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_visible_end")
