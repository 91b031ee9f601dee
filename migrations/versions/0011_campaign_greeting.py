"""Campaigns: the greeting is a choice the sender sees in the editor

Revision ID: 0011_campaign_greeting
Revises: 0010_rsvp_party_waiting
Create Date: 2026-11-29 17:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_campaign_greeting"
down_revision = "0010_rsvp_party_waiting"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("mail_campaigns", sa.Column("greeting", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    op.drop_column("mail_campaigns", "greeting")
