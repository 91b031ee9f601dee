"""``flask worker``: run due jobs, the work parts do every round (queue scheduled campaigns), send the outbox."""

from __future__ import annotations

import signal

import click
from flask import current_app
from flask.cli import with_appcontext

from ..core import hooks
from .jobs import run_due_jobs
from .worker import STOP, DeliveryReport, deliver_due, run_forever


def worker_round() -> tuple[list[str], dict[str, int], DeliveryReport]:
    """One pass of the worker: daily jobs, each part's work for every round (``hooks.working_each_round``:
    its counts by words), then delivery."""
    ran = run_due_jobs()
    done = dict(hooks.working_each_round.send_in_app())
    return ran, done, deliver_due()


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
        ran, done, report = worker_round()
        click.echo(
            f"jobs run: {', '.join(ran) or 'none'}; "
            + "".join(f"{words} {count}; " for words, count in done.items())
            + f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}"
            + ("; paused by the rate limit" if report.throttled else "")
        )
        return
    click.echo("Outbox worker running; Ctrl+C to stop.")
    run_forever(current_app.config["OUTBOX_POLL_SECONDS"], worker_round)
