"""``flask serve``: what ``make run`` starts, in one process.

Migrate, load the demo data if the database is empty, send the outbox from a thread, and serve.
One Python start-up instead of four (upgrade, seed, worker, run each imported the whole app), and
a busy port is refused before any of it, in words, instead of a second copy quietly polling the
first one's database. Production runs gunicorn and ``flask worker`` as separate processes.
"""

from __future__ import annotations

import errno
import socket
import threading

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple


def port_problem(host: str, port: int) -> str | None:
    """Why ``port`` can't be served on, in words for the person at the terminal, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return (
                    f"Port {port} is already in use — perhaps the app is already running in another "
                    f"terminal. Stop that one, or choose another port: make run PORT={port + 1}"
                )
            return f"Can't serve on {host}:{port}: {error.strerror}."
    return None


def _send_mail_in_background(app) -> threading.Thread:
    from .mail.cli import worker_round
    from .mail.worker import STOP, run_forever

    def work() -> None:
        with app.app_context():
            run_forever(app.config["OUTBOX_POLL_SECONDS"], worker_round)

    STOP.clear()
    thread = threading.Thread(target=work, name="outbox-worker", daemon=True)
    thread.start()
    return thread


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo/--no-demo", default=True, show_default=True, help="Load demo data when the database is empty.")
@with_appcontext
def serve_command(host: str, port: int, demo: bool) -> None:
    """Migrate, load demo data if empty, and serve with the outbox worker running (for trying it out)."""
    from flask_migrate import upgrade

    from .mail.worker import STOP
    from .members.cli import DEMO_PASSWORD, seed_demo_command

    problem = port_problem(host, port)
    if problem:
        raise click.ClickException(problem)
    # The app itself, for the threads started below. Flask declares current_app as Flask, though it is a
    # werkzeug LocalProxy (flask/globals.py assigns it under its own type: ignore).
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo("Bringing the database up to date…")
    upgrade()
    if demo:
        click.get_current_context().invoke(seed_demo_command, password=DEMO_PASSWORD, if_empty=True)
    _send_mail_in_background(app)
    click.echo(
        f"Outbox worker running. Serving on http://{host}:{port} — sign in as admin@example.org / "
        f"{DEMO_PASSWORD}. Ctrl+C to stop."
    )
    try:
        # run_simple, not app.run: Flask ignores app.run inside a ``flask`` command.
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        STOP.set()  # the worker finishes the message in hand
