"""Training: registers of who came, training details of events, carers' training records

Revision ID: 0014_training
Revises: 0013_outbox_recipient_index
Create Date: 2026-11-29 23:55:00

The old register (a came/not-came flag on each reply) moves into registers of their own, one per
meeting that has any mark, so nothing already ticked off is lost; then the flag goes.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_training"
down_revision = "0013_outbox_recipient_index"
branch_labels = None
depends_on = None

# The topics a new association starts with (the committee keeps the list): name, months it counts for.
DEFAULT_TOPICS = [
    ("Safeguarding", 36),
    ("First aid", 36),
    ("Paediatric first aid", 36),
    ("Attachment and trauma", None),
    ("Managing allegations", None),
    ("Recording and record keeping", None),
    ("Online safety", 36),
    ("Education of children in care", None),
    ("Contact and family time", None),
    ("Caring for yourself and your family", None),
    ("TSD 1: Principles and values of fostering", None),
    ("TSD 2: Your role as a foster carer", None),
    ("TSD 3: Health and safety, and healthy care", None),
    ("TSD 4: Communicating well", None),
    ("TSD 5: How children and young people develop", None),
    ("TSD 6: Keeping children and young people safe", None),
    ("TSD 7: Developing yourself", None),
]


def upgrade():
    op.create_table(
        "training_topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("validity_months", sa.Integer(), nullable=True),
        sa.Column("retired", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_topics")),
        sa.UniqueConstraint("name", name=op.f("uq_training_topics_name")),
    )
    # An index on an expression: autogenerate can't compare these on SQLite, so it is written here.
    op.create_index("uq_training_topics_lower_name", "training_topics", [sa.text("lower(name)")], unique=True)
    op.create_table(
        "training_courses",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("outcomes", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("minutes > 0 AND minutes <= 6000", name=op.f("ck_training_courses_course_minutes_range")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_training_courses_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_training_courses")),
    )
    op.create_table(
        "training_course_topics",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["training_courses.event_id"],
            name=op.f("fk_training_course_topics_event_id_training_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["training_topics.id"],
            name=op.f("fk_training_course_topics_topic_id_training_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "topic_id", name=op.f("pk_training_course_topics")),
    )
    op.create_index(op.f("ix_training_course_topics_topic_id"), "training_course_topics", ["topic_id"])
    op.create_table(
        "registers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=140), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("held_from", sa.DateTime(), nullable=False),
        sa.Column("held_until", sa.DateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("closes_at", sa.DateTime(), nullable=False),
        sa.Column("taken_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_registers_event_id_events"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["taken_by_id"], ["members.id"], name=op.f("fk_registers_taken_by_id_members"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registers")),
        sa.UniqueConstraint("event_id", name=op.f("uq_registers_event_id")),
    )
    op.create_index("ix_registers_held", "registers", ["held_from", "kind"])
    op.create_table(
        "register_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("register_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("guest_name", sa.String(length=120), server_default="", nullable=False),
        sa.Column("guest_organisation", sa.String(length=120), server_default="", nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("walk_in", sa.Boolean(), nullable=False),
        sa.Column("adults", sa.Integer(), nullable=False),
        sa.Column("children", sa.Integer(), nullable=False),
        sa.Column("certificate_code", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("adults >= 0 AND children >= 0", name=op.f("ck_register_entries_entry_counts_not_negative")),
        sa.CheckConstraint(
            "member_id IS NOT NULL OR guest_name <> ''", name=op.f("ck_register_entries_entry_member_or_guest")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_register_entries_member_id_members"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["register_id"],
            ["registers.id"],
            name=op.f("fk_register_entries_register_id_registers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_entries")),
        sa.UniqueConstraint("certificate_code", name=op.f("uq_register_entries_certificate_code")),
        sa.UniqueConstraint("register_id", "member_id", name="uq_register_entries_member"),
    )
    op.create_index("ix_register_entries_member", "register_entries", ["member_id", "attended"])
    op.create_table(
        "training_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("certificate_file", sa.String(length=80), nullable=True),
        sa.Column("certificate_type", sa.String(length=40), nullable=True),
        sa.Column("certificate_name", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("minutes > 0 AND minutes <= 6000", name=op.f("ck_training_entries_entry_minutes_range")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_training_entries_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_entries")),
    )
    op.create_index("ix_training_entries_member_day", "training_entries", ["member_id", "completed_on"])
    op.create_table(
        "training_entry_topics",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["training_entries.id"],
            name=op.f("fk_training_entry_topics_entry_id_training_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["training_topics.id"],
            name=op.f("fk_training_entry_topics_topic_id_training_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "topic_id", name=op.f("pk_training_entry_topics")),
    )
    op.create_index(op.f("ix_training_entry_topics_topic_id"), "training_entry_topics", ["topic_id"])
    op.create_table(
        "training_reminders",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_training_reminders_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_training_reminders")),
    )
    op.add_column(
        "mail_preferences",
        sa.Column("training_reminders", sa.Boolean(), server_default=sa.true(), nullable=False),
    )

    bind = op.get_bind()
    for name, months in DEFAULT_TOPICS:
        bind.execute(
            sa.text(
                "INSERT INTO training_topics (name, validity_months, retired, created_at) "
                "VALUES (:name, :months, :retired, CURRENT_TIMESTAMP)"
            ),
            {"name": name, "months": months, "retired": False},
        )
    _move_old_marks()
    op.drop_column("rsvps", "attended")


def _move_old_marks():
    """Each event with a marked reply gets a register of its marks (open 14 days after it ended)."""
    bind = op.get_bind()
    add_days = "datetime(e.ends_at, '+14 days')" if bind.dialect.name == "sqlite" else "e.ends_at + interval '14 days'"
    bind.execute(
        sa.text(
            "INSERT INTO registers (event_id, title, kind, held_from, held_until, closes_at, "
            "created_at, updated_at) "
            f"SELECT e.id, e.title, e.kind, e.starts_at, e.ends_at, {add_days}, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP "
            "FROM events e WHERE EXISTS (SELECT 1 FROM rsvps r WHERE r.event_id = e.id AND r.attended IS NOT NULL)"
        )
    )
    bind.execute(
        sa.text(
            "INSERT INTO register_entries (register_id, member_id, guest_name, guest_organisation, attended, "
            "walk_in, adults, children, updated_at) "
            "SELECT g.id, r.member_id, '', '', r.attended, :no, r.adults, r.children, CURRENT_TIMESTAMP "
            "FROM rsvps r JOIN registers g ON g.event_id = r.event_id "
            "WHERE r.attended IS NOT NULL AND r.response = 'going'"
        ),
        {"no": False},
    )


def downgrade():
    op.add_column("rsvps", sa.Column("attended", sa.Boolean(), nullable=True))
    op.get_bind().execute(
        sa.text(
            "UPDATE rsvps SET attended = (SELECT e.attended FROM register_entries e JOIN registers g "
            "ON g.id = e.register_id WHERE g.event_id = rsvps.event_id AND e.member_id = rsvps.member_id)"
        )
    )
    op.drop_column("mail_preferences", "training_reminders")
    op.drop_table("training_reminders")
    op.drop_index(op.f("ix_training_entry_topics_topic_id"), table_name="training_entry_topics")
    op.drop_table("training_entry_topics")
    op.drop_index("ix_training_entries_member_day", table_name="training_entries")
    op.drop_table("training_entries")
    op.drop_index("ix_register_entries_member", table_name="register_entries")
    op.drop_table("register_entries")
    op.drop_index("ix_registers_held", table_name="registers")
    op.drop_table("registers")
    op.drop_index(op.f("ix_training_course_topics_topic_id"), table_name="training_course_topics")
    op.drop_table("training_course_topics")
    op.drop_table("training_courses")
    op.drop_index("uq_training_topics_lower_name", table_name="training_topics")
    op.drop_table("training_topics")
