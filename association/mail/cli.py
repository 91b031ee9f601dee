"""``flask worker``: run due jobs, queue scheduled campaigns, send the outbox."""

from __future__ import annotations

import signal

import click
from flask import current_app
from flask.cli import with_appcontext

from .campaigns import release_due_campaigns
from .jobs import run_due_jobs
from .worker import STOP, DeliveryReport, deliver_due, run_forever


def worker_round() -> tuple[list[str], int, DeliveryReport]:
    """One pass of the worker: daily jobs, campaigns whose time has come, then delivery."""
    ran = run_due_jobs()
    released = release_due_campaigns()
    return ran, released, deliver_due()


def _stop_gently(signum, _frame) -> None:
    # Finish the message in hand and give the rest of the batch back, so a stop never leaves a
    # message whose fate is unknown (see mail/worker.py).
    click.echo(f"Signal {signum}: stopping after the message in hand.", err=True)
    STOP.set()


@click.command("worker")
@click.option("--once", is_flag=True, help="Run due jobs, drain the outbox and exit.")
@with_appcontext
def worker_command(once: bool) -> None:
    """Send queued email over SMTP (or to the local catcher) and run daily jobs."""
    STOP.clear()
    signal.signal(signal.SIGTERM, _stop_gently)
    signal.signal(signal.SIGINT, _stop_gently)
    if once:
        ran, released, report = worker_round()
        click.echo(
            f"jobs run: {', '.join(ran) or 'none'}; campaigns queued {released}; sent {report.sent}, "
            f"retrying {report.retrying}, failed {report.failed}"
            + ("; paused by the rate limit" if report.throttled else "")
        )
        return
    click.echo("Outbox worker running; Ctrl+C to stop.")
    run_forever(current_app.config["OUTBOX_POLL_SECONDS"], worker_round)
