"""Write to the audit log in the caller's transaction."""

from __future__ import annotations

from flask_login import current_user

from ..extensions import db
from .models import AuditEntry


def record(action: str, subject=None, detail: str = "", actor=None) -> AuditEntry:
    """Add an audit entry; the caller's commit writes it with the change it describes."""
    if actor is None and current_user and getattr(current_user, "is_authenticated", False):
        actor = current_user
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=type(subject).__name__.lower() if subject is not None else "",
        subject_id=getattr(subject, "id", None),
        detail=detail[:4000],
    )
    db.session.add(entry)
    return entry
