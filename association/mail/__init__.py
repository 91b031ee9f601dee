"""Mail: the outbox, the worker that sends it, daily jobs, consent and each member's email choices.

It sits low because every part queues email; it knows none of them. Campaigns, audiences and the
weekly digest, which gather from the parts, are a part of their own above them (campaigns/).
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import models, preferences  # noqa: F401  (tables known to migrations)
    from .cli import worker_command
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(worker_command)
