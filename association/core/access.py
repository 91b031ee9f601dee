"""Who may reach a route: checked on the server for every request."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def member_required(view: Callable) -> Callable:
    """Signed in as an active member (lapsed members keep only their own account pages)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_active_member:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def role_required(*roles: str) -> Callable:
    """Signed in as an active member holding one of ``roles`` (admin passes every role check)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @member_required
        def wrapped(*args, **kwargs):
            if not current_user.has_any_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate
