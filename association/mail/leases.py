"""Leases: how a worker takes due outbox rows for itself, and gives back the rows of a worker that died.

Split from worker.py by meaning (steps 1 and 3 of its docstring, which tells the whole story): the
worker calls ``requeue_expired_leases`` and ``claim_batch`` at the start of each round, then sends
what it holds. Both commit: each is a short transaction of its own, so a lease is visible to the
other workers at once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, text, update

from ..core.database import rows_matched, utcnow
from ..extensions import db
from .message import Claimed
from .models import OutboxMessage, OutboxStatus

log = logging.getLogger("association.mail.worker")


def requeue_expired_leases() -> int:
    """Give back rows whose worker died, or fail them out; returns how many. Commits (a worker's own step).

    An interrupted send counts as an attempt: a message that makes the worker die every time (a
    crash in the mail library, say) would otherwise be queued again for ever.
    """
    now = utcnow()
    expired = OutboxMessage.lease_until < now
    never_started = rows_matched(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.CLAIMED, expired)
        .values(status=OutboxStatus.QUEUED, lease_until=None, next_attempt_at=now)
    )
    interrupted = (OutboxMessage.status == OutboxStatus.SENDING, expired)
    last_chance = OutboxMessage.attempts + 1 >= current_app.config["OUTBOX_MAX_ATTEMPTS"]
    counted = {
        "lease_until": None,
        "attempts": OutboxMessage.attempts + 1,
        "unconfirmed_sends": OutboxMessage.unconfirmed_sends + 1,
    }
    given_up = rows_matched(
        update(OutboxMessage)
        .where(*interrupted, last_chance)
        .values(
            status=OutboxStatus.FAILED,
            **counted,
            last_error="A worker stopped while sending this message, too many times; it is not "
            "tried again. It may or may not have been delivered.",
        )
    )
    # Queued again at once: its new due time puts it behind every message already waiting.
    unknown = rows_matched(
        update(OutboxMessage)
        .where(*interrupted)
        .values(
            status=OutboxStatus.QUEUED,
            next_attempt_at=now,
            **counted,
            last_error="A worker stopped during sending; sent again with the same Message-ID.",
        )
    )
    db.session.commit()
    if unknown:
        log.warning("outbox: %s message(s) interrupted mid-send are queued again", unknown)
    if given_up:
        log.error("outbox: %s message(s) interrupted mid-send too many times are failed", given_up)
    return never_started + unknown + given_up


def _allowance(limit: int) -> int:
    """How many more messages the per-minute rate lets all workers start now (``claim_batch``'s
    transaction holds the PostgreSQL advisory lock until it commits)."""
    rate = current_app.config.get("OUTBOX_RATE_PER_MINUTE") or 0
    if rate <= 0:
        return limit
    if db.engine.dialect.name == "postgresql":
        # Serialise claims between workers for the rest of this transaction, so two workers
        # cannot both see the same room under the rate and take it twice.
        db.session.execute(text("SELECT pg_advisory_xact_lock(4242001)"))
    minute_ago = utcnow() - timedelta(minutes=1)
    used = (
        db.session.execute(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at >= minute_ago)
        ).scalar_one()
        + db.session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status.in_((OutboxStatus.CLAIMED, OutboxStatus.SENDING)))
        ).scalar_one()
    )
    return max(0, min(limit, rate - used))


def claim_batch(limit: int, due_by=None) -> list[Claimed]:
    """Lease up to ``limit`` messages due by ``due_by`` (default now) to this worker.

    Commits: the lease must be visible to every other worker at once.
    """
    limit = _allowance(limit)
    if limit == 0:
        db.session.commit()
        return []
    now = utcnow()
    due_by = due_by or now
    query = (
        select(
            OutboxMessage.id,
            OutboxMessage.member_id,
            OutboxMessage.kind,
            OutboxMessage.to_address,
            OutboxMessage.to_name,
            OutboxMessage.subject,
            OutboxMessage.text_body,
            OutboxMessage.html_body,
            OutboxMessage.message_id,
            OutboxMessage.attachment_key,
            OutboxMessage.attempts,
        )
        .where(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= due_by)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    lease_until = now + timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    batch = [Claimed(*row, lease_until=lease_until) for row in db.session.execute(query)]
    if batch:
        # Only rows still queued: on SQLite the SELECT above holds no lock, so a row may have been
        # withdrawn (its campaign cancelled) or claimed by another worker since it was read.
        taken = set(
            db.session.scalars(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([row.id for row in batch]), OutboxMessage.status == OutboxStatus.QUEUED)
                .values(status=OutboxStatus.CLAIMED, lease_until=lease_until)
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            )
        )
        batch = [row for row in batch if row.id in taken]
    db.session.commit()
    return batch
