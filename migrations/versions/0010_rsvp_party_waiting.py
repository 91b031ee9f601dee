"""RSVPs: the part of a party still waiting when only some places were left

Revision ID: 0010_rsvp_party_waiting
Revises: 0009_pack_review
Create Date: 2026-11-30 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_rsvp_party_waiting"
down_revision = "0009_pack_review"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("rsvps", sa.Column("adults_waiting", sa.Integer(), server_default="0", nullable=False))
    op.add_column("rsvps", sa.Column("children_waiting", sa.Integer(), server_default="0", nullable=False))


# Plain ALTER TABLE (SQLite 3.35+ drops columns itself): a batch copy would reflect 'members'
# through the foreign key, and its expression index can't be reflected.
def downgrade():
    op.drop_column("rsvps", "children_waiting")
    op.drop_column("rsvps", "adults_waiting")
