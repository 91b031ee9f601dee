"""Forum: moderated discussion for members."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from ..members.demo import DEMO_SEEDERS
    from . import moderation_views, notify  # noqa: F401  (routes and the daily digest)
    from .demo import seed_forum
    from .views import bp

    app.register_blueprint(bp)
    from ..core.waiting import declare_waiting
    from .moderation import queue_size

    declare_waiting(app, "moderation", ("moderator",), queue_size)
    if seed_forum not in DEMO_SEEDERS:
        DEMO_SEEDERS.append(seed_forum)
