"""Forum: moderated discussion for members."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask


def register(app: Flask) -> None:
    from ..core import hooks
    from . import moderation_views  # noqa: F401  (routes on the forum blueprint)
    from .views import bp

    app.register_blueprint(bp)
    from ..core.waiting import declare_waiting
    from .moderation import queue_size

    declare_waiting(app, "moderation", ("moderator",), queue_size)
    hooks.seeding_demo.connect(seed_demo, sender=app)
    hooks.listing_daily_jobs.connect(daily_jobs, sender=app)


def seed_demo(_app: Flask, members: dict) -> None:
    """Categories, threads and replies, for ``hooks.seeding_demo``."""
    from .demo import seed_forum

    seed_forum(members)


def daily_jobs(_app: Flask) -> dict[str, Callable[[], object]]:
    """The forum's daily digest of watched threads, for the worker (``hooks.listing_daily_jobs``)."""
    from .notify import send_digests

    return {"forum-digest": send_digests}
