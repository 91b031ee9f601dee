"""Deliver due outbox rows over SMTP, reusing one connection for many messages.

How a message moves, and why nobody gets it twice:

1. A worker *claims* a batch: ``queued`` -> ``claimed`` with a lease, in one short transaction
   (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers never take the same row).
2. Just before the SMTP conversation for one message, that row alone becomes ``sending`` and is
   committed. After the server's answer it becomes ``sent`` (or is retried or failed), committed
   at once, before the next message is touched.
3. A worker that dies leaves its rows leased. When the lease runs out, ``claimed`` rows go back to
   the queue: they were never offered to the server, so sending them cannot duplicate anything.
   A ``sending`` row is the single message per dead worker whose fate is unknown: the server may
   have accepted it in the instant between its "250 OK" and our commit. It is queued again with
   the *same* Message-ID, and ``unconfirmed_sends`` counts it, so an admin can see it and a
   receiving system can recognise a duplicate.
4. Cancelling a campaign withdraws its ``queued`` and ``claimed`` rows (status ``withdrawn``, see
   campaigns/sending.py). A worker holding a withdrawn row finds it no longer ``claimed`` when
   it goes to take it for sending, and leaves it; a row already ``sending`` finishes as it would.

So the guarantee is: every message is delivered at least once, and a message is delivered twice
only if a worker is killed (no chance to finish; SIGTERM lets it finish the message in hand) in
the window between the final "." of that message's DATA and the commit after the reply — the
window RFC 1047 describes, which SMTP itself cannot close — or if the connection drops in that
same window. At most one message per such crash, and it is marked.

And why one bad message never stalls the rest: every failure that belongs to one message (its
headers carry a line break, its attachment cannot be read, the server refuses it, the mail
library trips over it) is recorded on that row as a failed attempt, retried with backoff and
failed out after OUTBOX_MAX_ATTEMPTS, while the batch goes on. The message is built, checked and
turned into bytes *before* its row becomes ``sending``, so a message that cannot be built was never
offered to the server and fails without any doubt about its delivery. A worker that dies while a
row is ``sending`` also counts as an attempt on that row, so a message that kills every worker is
failed out too instead of being queued again for ever.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_mail import BadHeaderError
from sqlalchemy import select

from ..core.database import table_of, utcnow
from ..extensions import db, mail
from .leases import claim_batch, requeue_expired_leases
from .message import Claimed, UnsubscribeLinks, build_message
from .models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)
OUTBOX = table_of(OutboxMessage)
MAX_BACKOFF = timedelta(hours=2)
# Set by the worker command on SIGTERM/SIGINT: finish the message in hand, give back the rest.
STOP = threading.Event()


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    throttled: bool = False
    server_unreachable: bool = False
    errors: list[str] = field(default_factory=list)

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        self.throttled = self.throttled or other.throttled
        self.server_unreachable = self.server_unreachable or other.server_unreachable
        self.errors += other.errors


def backoff(attempts: int, first: int = 30) -> timedelta:
    """``first`` seconds, then doubling each time (30 s, 1 min, 2 min …), capped at two hours."""
    return min(timedelta(seconds=first * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _set(row_id: int, **values) -> None:
    # A Core UPDATE on the table: the ORM's bulk-update path cost more than the commit.
    db.session.connection().execute(OUTBOX.update().where(OUTBOX.c.id == row_id).values(**values))
    db.session.commit()


def _still_ours(row: Claimed):
    return (
        (OUTBOX.c.id == row.id) & (OUTBOX.c.status == OutboxStatus.CLAIMED) & (OUTBOX.c.lease_until == row.lease_until)
    )


def _in_our_hands(row: Claimed):
    """Claimed or being sent under this worker's lease: not withdrawn, not taken over by another."""
    return (
        (OUTBOX.c.id == row.id)
        & OUTBOX.c.status.in_((OutboxStatus.CLAIMED, OutboxStatus.SENDING))
        & (OUTBOX.c.lease_until == row.lease_until)
    )


def _mark_sending(row: Claimed) -> bool:
    """Take the row for its SMTP conversation; False when it is no longer ours.

    A worker slow enough to outlive its lease may find its rows given back and claimed by another
    worker: it must then leave them alone, or both would send.
    """
    taken = db.session.connection().execute(OUTBOX.update().where(_still_ours(row)).values(status=OutboxStatus.SENDING))
    db.session.commit()
    return taken.rowcount == 1


def _mark_sent(row: Claimed, via: str) -> None:
    _set(
        row.id,
        status=OutboxStatus.SENT,
        sent_at=utcnow(),
        attempts=row.attempts + 1,
        lease_until=None,
        last_error=None,
        delivered_via=via,
    )


def _mark_failed(row: Claimed, error: str, permanent: bool, report: DeliveryReport) -> None:
    attempts = row.attempts + 1
    values = {"attempts": attempts, "last_error": error[:2000], "lease_until": None}
    if permanent or attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        values["status"] = OutboxStatus.FAILED
    else:
        values["status"] = OutboxStatus.QUEUED
        values["next_attempt_at"] = utcnow() + backoff(attempts, current_app.config["OUTBOX_RETRY_SECONDS"])
    # Only while the row is still ours: a row withdrawn meanwhile (its campaign was cancelled) must
    # not be queued again by a connection that broke before it was reached.
    changed = db.session.connection().execute(OUTBOX.update().where(_in_our_hands(row)).values(**values))
    db.session.commit()
    if changed.rowcount != 1:
        return
    if values["status"] == OutboxStatus.FAILED:
        report.failed += 1
    else:
        report.retrying += 1
    report.errors.append(f"{row.to_address}: {error}")


def _mark_unsendable(row: Claimed, error: Exception, report: DeliveryReport) -> None:
    """This message could not be built: a failed attempt, recorded only if the row is still ours."""
    attempts = row.attempts + 1
    values = {"attempts": attempts, "last_error": _describe(error)[:2000], "lease_until": None}
    if attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        values["status"] = OutboxStatus.FAILED
    else:
        values.update(
            status=OutboxStatus.QUEUED,
            next_attempt_at=utcnow() + backoff(attempts, current_app.config["OUTBOX_RETRY_SECONDS"]),
        )
    changed = db.session.connection().execute(OUTBOX.update().where(_still_ours(row)).values(**values))
    db.session.commit()
    if changed.rowcount == 1:
        if values["status"] == OutboxStatus.FAILED:
            report.failed += 1
        else:
            report.retrying += 1
        report.errors.append(f"{row.to_address}: {values['last_error']}")
    log.warning("outbox: message %s could not be built: %s", row.id, values["last_error"])


def _abandon(connection) -> None:
    """Drop a connection whose SMTP conversation may have stopped half-way, without a QUIT."""
    try:
        connection.host.close()
    except Exception:  # already broken: nothing more to close
        pass
    connection.host = None  # so leaving ``with`` does not talk to it again


def _release(rows: list[Claimed]) -> None:
    """Hand back claimed rows this worker will not send (it is stopping); nothing was offered."""
    for row in rows:
        db.session.connection().execute(
            OUTBOX.update().where(_still_ours(row)).values(status=OutboxStatus.QUEUED, lease_until=None)
        )
    db.session.commit()


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def _describe(error: Exception) -> str:
    if isinstance(error, BadHeaderError):
        # What an admin reading the outbox can act on, rather than an empty exception name.
        return (
            "The recipient's name or the subject contains a line break, so this message cannot "
            "be sent. Correct the member's name and send it again."
        )
    return f"{type(error).__name__}: {error}"


def _deliver_to_catcher(batch: list[Claimed], report: DeliveryReport) -> None:
    # Development: the local catcher keeps the message in the outbox for admins to read.
    for row in batch:
        if _mark_sending(row):  # not withdrawn since it was claimed
            _mark_sent(row, "catcher")
            report.sent += 1


def deliver_batch(batch: list[Claimed]) -> DeliveryReport:
    """Send a claimed batch over as few SMTP connections as OUTBOX_MESSAGES_PER_CONNECTION allows."""
    report = DeliveryReport()
    if not batch:
        return report
    if not current_app.config.get("MAIL_SERVER"):
        _deliver_to_catcher(batch, report)
        return report
    links = UnsubscribeLinks()
    per_connection = max(1, current_app.config.get("OUTBOX_MESSAGES_PER_CONNECTION") or len(batch))
    pending = list(batch)
    while pending and not STOP.is_set():
        _send_over_one_connection(pending, per_connection, links, report)
    _release(pending)
    return report


def _send_over_one_connection(
    pending: list[Claimed], limit: int, links: UnsubscribeLinks, report: DeliveryReport
) -> None:
    """Send up to ``limit`` messages from the front of ``pending``, removing each one handled."""
    try:
        with mail.connect() as connection:
            for _ in range(min(limit, len(pending))):
                if STOP.is_set():
                    return
                row = pending[0]
                try:
                    message = build_message(row, links)
                    message.seal()
                except Exception as error:  # this message's own fault: never offered, so fail it alone
                    pending.pop(0)
                    _mark_unsendable(row, error, report)
                    continue
                if not _mark_sending(row):
                    pending.pop(0)
                    log.warning(
                        "outbox: message %s is no longer this worker's (lease ran out, or withdrawn); skipped", row.id
                    )
                    continue
                try:
                    connection.send(message)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
                    pending.pop(0)
                    _mark_failed(row, _describe(error), _is_permanent(error), report)
                    continue
                except (OSError, smtplib.SMTPException):
                    raise  # the connection broke: handled below for everything still pending
                except Exception as error:
                    # Neither the server's answer nor a broken line: a fault with this message. The
                    # conversation may have stopped part-way, so the rest go over a new connection.
                    log.exception("outbox: sending message %s failed", row.id)
                    pending.pop(0)
                    _mark_failed(row, _describe(error), False, report)
                    _abandon(connection)
                    return
                pending.pop(0)
                _mark_sent(row, "smtp")
                report.sent += 1
    except (OSError, smtplib.SMTPException) as error:
        # Connection refused or lost: the message in hand and everything not yet sent wait for a
        # retry. (A message whose DATA was complete may have arrived: see the module docstring.)
        for row in pending:
            _mark_failed(row, _describe(error), _is_permanent(error), report)
        pending.clear()
        report.server_unreachable = True


def deliver_due(max_batches: int | None = None) -> DeliveryReport:
    """Send everything due now, batch by batch, within the rate; returns what happened.

    A message that fails in this pass is not tried again in it (whatever its backoff), and a
    server that cannot be reached ends the pass: the next pass tries again.
    """
    requeue_expired_leases()
    report = DeliveryReport()
    batches = 0
    size = current_app.config["OUTBOX_BATCH_SIZE"]
    started = utcnow()
    while (max_batches is None or batches < max_batches) and not STOP.is_set():
        batch = claim_batch(size, due_by=started)
        if not batch:
            report.throttled = bool(current_app.config.get("OUTBOX_RATE_PER_MINUTE")) and _any_due()
            break
        report.add(deliver_batch(batch))
        batches += 1
        if report.server_unreachable:
            break
    return report


def _any_due() -> bool:
    return (
        db.session.scalar(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= utcnow())
            .limit(1)
        )
        is not None
    )


def run_forever(poll_seconds: int, run_round) -> None:  # pragma: no cover - exercised by make run
    """Call ``run_round`` (jobs, campaigns, delivery) every ``poll_seconds`` until STOP is set."""
    while not STOP.is_set():
        try:
            run_round()
        except Exception:  # keep the worker alive; rows stay queued for the next round
            log.exception("worker round failed")
            db.session.rollback()
        finally:
            db.session.remove()
        STOP.wait(poll_seconds)


def retry_now(message: OutboxMessage) -> bool:
    """Put a failed message back in the queue (an admin fixed the address, say). Commits."""
    if message.status != OutboxStatus.FAILED:
        return False
    message.status = OutboxStatus.QUEUED
    message.next_attempt_at = utcnow()
    message.last_error = None
    db.session.commit()
    return True
