"""Mail: the outbox, the worker that sends it, campaigns, consent, and daily jobs."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask


def register(app: Flask) -> None:
    from ..core import hooks
    from . import models, preferences  # noqa: F401  (tables known to migrations)
    from .campaign_views import bp as campaigns_bp
    from .cli import worker_command
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(campaigns_bp)
    hooks.seeding_demo.connect(seed_demo, sender=app)
    hooks.listing_daily_jobs.connect(daily_jobs, sender=app)
    app.cli.add_command(worker_command)


def seed_demo(_app: Flask, members: dict) -> None:
    """A newsletter already sent and a draft campaign, for ``hooks.seeding_demo``."""
    from .demo import seed_mail

    seed_mail(members)


def daily_jobs(_app: Flask) -> dict[str, Callable[[], object]]:
    """The weekly digest (it checks the weekday itself), for the worker (``hooks.listing_daily_jobs``)."""
    from .digest import weekly_digest

    return {"weekly-digest": weekly_digest}
