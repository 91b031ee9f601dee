"""Mail: the outbox, the worker that sends it, campaigns, consent, and daily jobs."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import digest, models, preferences  # noqa: F401  (tables known to migrations; the weekly digest job)
    from .campaign_views import bp as campaigns_bp
    from .cli import worker_command
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(campaigns_bp)
    app.cli.add_command(worker_command)
