"""What waits for someone, counted for the menu: applications, the moderation queue, items to triage.

Each part declares its count when the app is built (``declare_waiting``): who sees it and a SQL
expression that counts it. The menu asks once per page, and every count the viewer may see comes
back in a single SELECT of scalar subqueries, so the menu costs one query for a committee member,
a moderator or the strategy group and none for everyone else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db


@dataclass(frozen=True)
class WaitingCount:
    name: str
    roles: tuple[str, ...]
    count: Callable  # (viewer) -> a scalar SQL expression


def declare_waiting(app: Flask, name: str, roles: tuple[str, ...], count: Callable) -> None:
    """Show ``count(viewer)`` in the menu, as ``name``, to members holding one of ``roles``."""
    declared = app.extensions.setdefault("waiting_counts", {})
    declared[name] = WaitingCount(name, roles, count)


def waiting_for(viewer) -> dict[str, int]:
    """The counts ``viewer`` may see, by name, in one query (none when there is nothing to count)."""
    if not getattr(viewer, "is_authenticated", False) or not viewer.is_active_member:
        return {}
    # The role itself, not has_any_role: an admin outside the strategy group has no triage to do.
    held = viewer.roles
    wanted = [w for w in current_app.extensions.get("waiting_counts", {}).values() if held.intersection(w.roles)]
    if not wanted:
        return {}
    try:
        row = db.session.execute(select(*[w.count(viewer).label(w.name) for w in wanted])).one()
    except SQLAlchemyError:  # an error page must still render when the database is the error
        db.session.rollback()
        return {}
    return {w.name: int(value or 0) for w, value in zip(wanted, row, strict=True)}


def waiting_in_menu() -> dict[str, int]:
    """For templates: the signed-in member's counts, asked at most once per request."""
    from flask_login import current_user

    if "waiting_counts" not in g:
        g.waiting_counts = waiting_for(current_user)
    return g.waiting_counts
