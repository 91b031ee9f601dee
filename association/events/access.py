"""Which event a request may see or manage: the checks every events page (and the register) starts with."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_login import current_user

from ..extensions import db
from . import queries
from .models import Event


def viewer():
    """The signed-in member, or None for a visitor."""
    return current_user if current_user.is_authenticated else None


def visible_event(event_id: int) -> Event:
    return shown_event(db.session.get(Event, event_id))


def shown_event(event: Event | None) -> Event:
    """The event if the visitor may see it; otherwise 404, or the sign-in page for a visitor
    who is not signed in."""
    if event is None:
        abort(404)
    if not queries.can_see(viewer(), event):
        if not current_user.is_authenticated:
            abort(redirect(url_for("auth.login", next=request.path)))
        abort(404)
    return event


def managed_event(event_id: int) -> Event:
    """The event if the member may manage it (its organiser, the committee, admins); 403 if only see it."""
    event = visible_event(event_id)
    if not queries.can_manage(viewer(), event):
        abort(403)
    return event
