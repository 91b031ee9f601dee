"""Mail: the outbox, the worker that sends it, campaigns, consent, and daily jobs."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from ..members.demo import DEMO_SEEDERS
    from . import digest, models, preferences  # noqa: F401  (tables known to migrations; the weekly digest job)
    from .campaign_views import bp as campaigns_bp
    from .cli import worker_command
    from .demo import seed_mail
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(campaigns_bp)
    if seed_mail not in DEMO_SEEDERS:
        DEMO_SEEDERS.append(seed_mail)
    app.cli.add_command(worker_command)
