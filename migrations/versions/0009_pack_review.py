"""Pack review: why a strategy member decided a flagged wording identifies nobody

Revision ID: 0009_pack_review
Revises: 0008_edit_versions
Create Date: 2026-11-29 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_pack_review"
down_revision = "0008_edit_versions"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("strategy_items", sa.Column("wording_review_reason", sa.Text(), server_default="", nullable=False))


def downgrade():
    op.drop_column("strategy_items", "wording_review_reason")
