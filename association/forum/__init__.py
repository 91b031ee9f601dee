"""Forum: moderated discussion for members."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from ..members.demo import DEMO_SEEDERS
    from . import moderation_views, notify  # noqa: F401  (routes and the daily digest)
    from .demo import seed_forum
    from .views import bp

    app.register_blueprint(bp)
    if seed_forum not in DEMO_SEEDERS:
        DEMO_SEEDERS.append(seed_forum)
