"""Admin: dashboard, applications, registry, audit log and outbox."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import (
        member_views,  # noqa: F401  (routes on the admin blueprint)
        models,  # noqa: F401
    )
    from .views import bp

    app.register_blueprint(bp)
