"""Mail: the outbox, the worker that sends it, and daily jobs."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import models  # noqa: F401  (tables known to migrations)
    from .cli import worker_command

    app.cli.add_command(worker_command)
