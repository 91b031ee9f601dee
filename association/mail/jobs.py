"""Daily jobs run by the worker: each part lists its own (``hooks.listing_daily_jobs``), and each
runs once a day across workers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from ..core import hooks
from ..core.database import rows_matched, utcnow
from ..core.timefmt import local_today
from ..extensions import db
from .models import JobRun

log = logging.getLogger(__name__)


def daily_jobs() -> dict[str, Callable[[], object]]:
    """The current app's daily jobs by name, in the order they run (see the hook's docstring)."""
    jobs: dict[str, Callable[[], object]] = {}
    for listed in hooks.listing_daily_jobs.send_in_app():
        for name, func in listed.items():
            if name in jobs:  # two parts would share one claim and one of them never run
                raise RuntimeError(f"two daily jobs are named {name!r}")
            jobs[name] = func
    return jobs


def _claim(name: str) -> bool:
    """Atomically take today's run of ``name``; False when another worker already has it."""
    today = local_today()
    claimed = rows_matched(
        update(JobRun)
        .where(JobRun.name == name, JobRun.last_run_on < today)
        .values(last_run_on=today, last_run_at=utcnow())
    )
    if claimed:
        db.session.commit()
        return True
    try:
        db.session.execute(insert(JobRun).values(name=name, last_run_on=today, last_run_at=utcnow()))
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()
        return False


def run_due_jobs() -> list[str]:
    """Run every daily job not yet run today; returns the names run."""
    ran = []
    for name, func in daily_jobs().items():
        if not _claim(name):
            continue
        log.info("running daily job %s", name)
        try:
            func()
        except Exception:
            # Give today's run back so the next round tries again, then let the caller log it.
            db.session.rollback()
            db.session.execute(
                update(JobRun).where(JobRun.name == name).values(last_run_on=local_today() - timedelta(days=1))
            )
            db.session.commit()
            raise
        ran.append(name)
    return ran
