"""Deliver due outbox rows over SMTP, one reused connection per batch.

A worker claims a batch (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers never take
the same row), marks it ``sending`` with a lease and commits; then it sends each message and
records the outcome in its own commit. A worker that dies mid-batch leaves rows whose lease runs
out; they are queued again. So each message is sent at least once, and twice only if the process
dies between the SMTP server accepting it and the commit that records that.
"""
from __future__ import annotations

import logging
import smtplib
import time
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import formataddr

from flask import current_app
from flask_mail import Message
from sqlalchemy import select, update

from ..core.database import utcnow
from ..extensions import db, mail
from .models import OutboxMessage

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=2)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        self.errors += other.errors


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at two hours."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def requeue_expired_leases() -> int:
    now = utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.lease_until < now)
        .values(status="queued", lease_until=None, next_attempt_at=now)
    )
    db.session.commit()
    return result.rowcount or 0


def claim_batch(limit: int) -> list[OutboxMessage]:
    now = utcnow()
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    batch = list(db.session.scalars(query))
    for message in batch:
        message.status = "sending"
        message.lease_until = now + LEASE
    db.session.commit()
    return batch


def build_message(row: OutboxMessage) -> Message:
    message = Message(
        subject=row.subject,
        recipients=[formataddr((row.to_name, row.to_address)) if row.to_name else row.to_address],
        body=row.text_body,
        html=row.html_body,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    message.msgId = row.message_id
    if row.attachment_key:
        from .attachments import load_attachment

        filename, content_type, data = load_attachment(row.attachment_key)
        message.attach(filename, content_type, data)
    return message


def _mark_sent(row: OutboxMessage, via: str) -> None:
    row.status = "sent"
    row.sent_at = utcnow()
    row.attempts += 1
    row.lease_until = None
    row.last_error = None
    row.delivered_via = via
    db.session.commit()


def _mark_failed(row: OutboxMessage, error: str, permanent: bool, report: DeliveryReport) -> None:
    row.attempts += 1
    row.last_error = error[:2000]
    row.lease_until = None
    if permanent or row.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        row.status = "failed"
        report.failed += 1
    else:
        row.status = "queued"
        row.next_attempt_at = utcnow() + backoff(row.attempts)
        report.retrying += 1
    report.errors.append(f"{row.to_address}: {error}")
    db.session.commit()


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def deliver_batch(batch: list[OutboxMessage]) -> DeliveryReport:
    report = DeliveryReport()
    if not batch:
        return report
    if not current_app.config.get("MAIL_SERVER"):
        # Development: the local catcher keeps the message in the outbox for admins to read.
        for row in batch:
            _mark_sent(row, "catcher")
            report.sent += 1
        return report
    pending = list(batch)
    try:
        with mail.connect() as connection:
            while pending:
                row = pending[0]
                try:
                    connection.send(build_message(row))
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
                    pending.pop(0)
                    _mark_failed(row, _describe(error), _is_permanent(error), report)
                    continue
                pending.pop(0)
                _mark_sent(row, "smtp")
                report.sent += 1
    except (OSError, smtplib.SMTPException) as error:
        # Connection lost or refused: everything not yet sent waits for a retry.
        for row in pending:
            _mark_failed(row, _describe(error), _is_permanent(error), report)
    return report


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def deliver_due(max_batches: int | None = None) -> DeliveryReport:
    """Send everything due now, batch by batch; returns what happened."""
    requeue_expired_leases()
    report = DeliveryReport()
    batches = 0
    size = current_app.config["OUTBOX_BATCH_SIZE"]
    while max_batches is None or batches < max_batches:
        batch = claim_batch(size)
        if not batch:
            break
        report.add(deliver_batch(batch))
        batches += 1
    return report


def run_forever(poll_seconds: int, run_jobs) -> None:  # pragma: no cover - exercised by make run
    while True:
        try:
            run_jobs()
            report = deliver_due()
            if report.sent or report.failed or report.retrying:
                log.info("outbox: %s sent, %s retrying, %s failed", report.sent, report.retrying, report.failed)
        except Exception:  # keep the worker alive; the row stays queued for the next round
            log.exception("worker round failed")
            db.session.rollback()
        finally:
            db.session.remove()
        time.sleep(poll_seconds)



def retry_now(message: OutboxMessage) -> bool:
    """Put a failed message back in the queue (an admin fixed the address, say). Commits."""
    if message.status != "failed":
        return False
    message.status = "queued"
    message.next_attempt_at = utcnow()
    message.last_error = None
    db.session.commit()
    return True
