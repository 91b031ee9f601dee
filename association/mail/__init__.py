"""Mail: the outbox, the worker that sends it, and daily jobs."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import models, preferences  # noqa: F401  (tables known to migrations)
    from .cli import worker_command
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(worker_command)
