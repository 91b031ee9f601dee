"""Admin: dashboard, applications, registry, the audit log's page and the outbox."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import member_views  # noqa: F401  (routes on the admin blueprint)
    from .views import bp

    app.register_blueprint(bp)
