"""What the training part holds about a member, for their own data download."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from .models import Register, RegisterEntry
from .records import own_lines
from .reminders import last_reminded


def export_training(member) -> dict:
    """The meetings they are on the register of (came or not), what they added to their record, and
    when they were last reminded that training runs out."""
    rows = db.session.execute(
        select(
            Register.title,
            Register.kind,
            Register.held_from,
            RegisterEntry.attended,
            RegisterEntry.adults,
            RegisterEntry.children,
            RegisterEntry.certificate_code,
        )
        .join(Register, Register.id == RegisterEntry.register_id)
        .where(RegisterEntry.member_id == member.id)
        .order_by(Register.held_from)
    ).all()
    attendance = [
        {
            "meeting": row.title,
            "kind": row.kind,
            "held_at": row.held_from.isoformat(),
            "came": row.attended,
            "adults": row.adults,
            "children": row.children,
            "certificate_code": row.certificate_code,
        }
        for row in rows
    ]
    own = [
        {
            "training": line.title,
            "provider": line.provider,
            "completed_on": line.completed_on.isoformat(),
            "minutes": line.minutes,
            "topics": [t.name for t in line.topics],
            "has_certificate_file": line.has_file,
        }
        for line in own_lines(member.id)
    ]
    reminded = last_reminded(member.id)
    return {
        "attendance": attendance,
        "training_added": own,
        "last_training_reminder": reminded.isoformat() if reminded else None,
    }
