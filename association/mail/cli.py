"""``flask worker``: send the outbox and run due jobs."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from .jobs import run_due_jobs
from .worker import deliver_due, run_forever


@click.command("worker")
@click.option("--once", is_flag=True, help="Run due jobs, drain the outbox and exit.")
@with_appcontext
def worker_command(once: bool) -> None:
    """Send queued email over SMTP (or to the local catcher) and run daily jobs."""
    if once:
        ran = run_due_jobs()
        report = deliver_due()
        click.echo(f"jobs run: {', '.join(ran) or 'none'}; sent {report.sent}, "
                   f"retrying {report.retrying}, failed {report.failed}")
        return
    click.echo("Outbox worker running; Ctrl+C to stop.")
    run_forever(current_app.config["OUTBOX_POLL_SECONDS"], run_due_jobs)
