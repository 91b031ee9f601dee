"""Members: when a member asked the committee to renew their membership

Revision ID: 0012_renewal_requests
Revises: 0011_campaign_greeting
Create Date: 2026-11-30 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_renewal_requests"
down_revision = "0011_campaign_greeting"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("members", sa.Column("renewal_requested_at", sa.DateTime(), nullable=True))


# Plain ALTER TABLE (SQLite 3.35+ drops columns itself): a batch copy of 'members' would have to
# reflect its expression index, which SQLite's reflection cannot do.
def downgrade():
    op.drop_column("members", "renewal_requested_at")
