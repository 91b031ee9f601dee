"""Campaigns: the committee's emails to members (audiences, confirmation, scheduling) and the weekly digest.

Above the parts it gathers from (members, events, forum, strategy); every message it writes goes out
through mail's outbox, and the worker releases scheduled campaigns each round.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask


def register(app: Flask) -> None:
    from ..core import hooks
    from . import models  # noqa: F401  (its table known to migrations)
    from .views import bp

    app.register_blueprint(bp)
    hooks.seeding_demo.connect(seed_demo, sender=app)
    hooks.listing_daily_jobs.connect(daily_jobs, sender=app)
    hooks.working_each_round.connect(release_scheduled, sender=app)


def seed_demo(_app: Flask, members: dict) -> None:
    """A newsletter already sent and a draft campaign, for ``hooks.seeding_demo``."""
    from .demo import seed_mail

    seed_mail(members)


def daily_jobs(_app: Flask) -> dict[str, Callable[[], object]]:
    """The weekly digest (it checks the weekday itself), for the worker (``hooks.listing_daily_jobs``)."""
    from .digest import weekly_digest

    return {"weekly-digest": weekly_digest}


def release_scheduled(_app: Flask) -> tuple[str, int]:
    """Queue the scheduled campaigns whose time has come, for the worker (``hooks.working_each_round``)."""
    from .queueing import release_due_campaigns

    return "campaigns queued", release_due_campaigns()
