"""Outbox: find an email by the address it was sent to

Revision ID: 0013_outbox_recipient_index
Revises: 0012_renewal_requests
Create Date: 2026-11-29 17:30:00
"""

from alembic import op

revision = "0013_outbox_recipient_index"
down_revision = "0012_renewal_requests"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_outbox_messages_to_address", "outbox_messages", ["to_address"])


def downgrade():
    op.drop_index("ix_outbox_messages_to_address", table_name="outbox_messages")
