"""Edit versions: a second save from a stale form is stopped instead of overwriting the first

Revision ID: 0008_edit_versions
Revises: 0007_page_indexes
Create Date: 2026-11-29 16:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_edit_versions"
down_revision = "0007_page_indexes"
branch_labels = None
depends_on = None

TABLES = ("members", "events", "strategy_items", "mail_campaigns")


# Plain ALTER TABLE (SQLite 3.35+ drops columns itself): a batch copy of 'members' would have to
# reflect its expression index, which SQLite's reflection cannot do.
def upgrade():
    for table in TABLES:
        op.add_column(table, sa.Column("edit_version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    for table in TABLES:
        op.drop_column(table, "edit_version")
