"""Forum search on PostgreSQL: a stored tsvector, so ranking does not parse every matching post

Revision ID: 0006_search_vector
Revises: 0005_campaigns
Create Date: 2026-11-23 14:30:00
"""

from alembic import op

revision = "0006_search_vector"
down_revision = "0005_campaigns"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite's FTS5 index already keeps its own tokens
    # IF NOT EXISTS: a database built by 0003 with today's DDL already has both.
    op.execute(
        "ALTER TABLE forum_search ADD COLUMN IF NOT EXISTS document tsvector "
        "GENERATED ALWAYS AS (to_tsvector('english', title || ' ' || body)) STORED"
    )
    op.execute("CREATE INDEX IF NOT EXISTS ix_forum_search_vector ON forum_search USING gin (document)")
    op.execute("DROP INDEX IF EXISTS ix_forum_search_document")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_forum_search_document ON forum_search "
        "USING gin (to_tsvector('english', title || ' ' || body))"
    )
    op.execute("DROP INDEX IF EXISTS ix_forum_search_vector")
    op.execute("ALTER TABLE forum_search DROP COLUMN IF EXISTS document")
