"""One message that cannot be built or sent never stops the others (issue 11, defect 2).

The poison is written with plain SQL, straight into the table: the forms, the import and the
model-level checks all refuse such values now, but a row written before them, or by a path nobody
thought of, must still not stall delivery.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select, text, update

from association.core.database import utcnow
from association.extensions import db
from association.mail.leases import claim_batch, requeue_expired_leases
from association.mail.models import OutboxMessage
from association.mail.outbox import new_message_id
from association.mail.worker import deliver_due
from tests.smtp import text_part

POISONS = {
    "CR/LF in the name": {"to_name": "Eve\r\nBcc: everyone@example.org"},
    "LF in the subject": {"subject": "Hello\nX-Injected: yes"},
}


def _poison(app, to_name: str = "Eve", subject: str = "Your application", **values) -> int:
    with app.test_request_context():
        row = {
            "to_address": "eve@example.org",
            "to_name": "Eve",
            "subject": "Your application",
            "text_body": "Hello",
            "html_body": "<p>Hello</p>",
            "message_id": new_message_id(),
            "kind": "service",
            "status": "queued",
            "attempts": 0,
            "unconfirmed_sends": 0,
            "next_attempt_at": utcnow() - timedelta(minutes=5),
            "created_at": utcnow(),
            **values,
        }
        row_id = db.session.execute(insert(OutboxMessage.__table__).values(**row)).inserted_primary_key[0]
        # Textual SQL, as a row stored before the checks existed: no statement hook inspects it.
        db.session.execute(
            text("UPDATE outbox_messages SET to_name = :name, subject = :subject WHERE id = :id"),
            {"name": to_name, "subject": subject, "id": row_id},
        )
        db.session.commit()
        return row_id


def _row(app, row_id: int) -> OutboxMessage:
    with app.app_context():
        row = db.session.get(OutboxMessage, row_id)
        db.session.expunge(row)
        return row


def _make_due(app, row_id: int) -> None:
    with app.app_context():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(next_attempt_at=utcnow()))
        db.session.commit()


@pytest.mark.parametrize("poison", POISONS.values(), ids=POISONS.keys())
def test_a_poisoned_row_queued_first_does_not_stop_a_password_reset(app, smtp, client, make_member, poison):
    jo = make_member("Jo Carer")
    poisoned = _poison(app, **poison)
    assert client.post("/password/reset", data={"email": jo.email}).status_code == 200

    with app.app_context():
        report = deliver_due()  # raised BadHeaderError before the fix, leaving the row 'sending'
    [reset] = smtp.wait_for(jo.email)
    assert "/password/set/" in text_part(reset)
    assert (report.sent, report.retrying) == (1, 1)
    row = _row(app, poisoned)
    assert (row.status, row.attempts, row.lease_until) == ("queued", 1, None)
    assert "line break" in row.last_error
    assert smtp.to("everyone@example.org") == [] and smtp.to("eve@example.org") == []

    # Retried with backoff, then failed out after OUTBOX_MAX_ATTEMPTS, never sent.
    for _ in range(app.config["OUTBOX_MAX_ATTEMPTS"] - 1):
        _make_due(app, poisoned)
        with app.app_context():
            deliver_due()
    row = _row(app, poisoned)
    assert (row.status, row.attempts) == ("failed", app.config["OUTBOX_MAX_ATTEMPTS"])
    assert smtp.to("eve@example.org") == []


def test_the_failed_poisoned_row_shows_a_plain_reason_in_the_admin_outbox(app, smtp, admin_client):
    client, _admin = admin_client
    poisoned = _poison(app, to_name="Eve\r\nBcc: x@example.org", attempts=5)
    with app.app_context():
        deliver_due()
    assert _row(app, poisoned).status == "failed"
    listing = client.get("/admin/outbox?status=failed")
    assert b"line break" in listing.data
    page = client.get(f"/admin/outbox/{poisoned}")
    assert b"line break" in page.data and b"Traceback" not in page.data


def test_a_message_that_cannot_be_built_fails_alone(app, smtp, make_member, monkeypatch):
    """Any exception while building one message (not just a bad header) is that message's failure."""
    from association.mail import worker

    real_build = worker.build_message

    def build(row, links=None):
        if row.to_address == "broken@example.org":
            raise ValueError("the attachment could not be read")
        return real_build(row, links)

    monkeypatch.setattr(worker, "build_message", build)
    broken = _poison(app, to_address="broken@example.org")
    fine = _poison(app, to_address="fine@example.org")
    with app.app_context():
        report = deliver_due()
    assert (report.sent, report.retrying) == (1, 1)
    assert _row(app, fine).status == "sent" and len(smtp.to("fine@example.org")) == 1
    row = _row(app, broken)
    assert (row.status, row.attempts, row.unconfirmed_sends) == ("queued", 1, 0)
    assert "could not be read" in row.last_error


def test_an_unexpected_error_while_sending_one_message_fails_it_and_the_batch_goes_on(app, smtp, monkeypatch):
    """An exception inside the SMTP conversation that is neither a refusal nor a broken connection:
    the message is counted as a failed attempt, and the rest go over a fresh connection."""
    from flask_mail import Connection

    real_send = Connection.send

    def send(self, message, envelope_from=None):
        if "odd@example.org" in str(message.recipients):
            raise RuntimeError("something odd in the mail library")
        return real_send(self, message, envelope_from)

    monkeypatch.setattr(Connection, "send", send)
    odd = _poison(app, to_address="odd@example.org")
    after = [_poison(app, to_address=f"after{n}@example.org") for n in range(3)]
    with app.app_context():
        report = deliver_due()
    assert (report.sent, report.retrying, report.server_unreachable) == (3, 1, False)
    assert [_row(app, n).status for n in after] == ["sent"] * 3
    row = _row(app, odd)
    assert (row.status, row.attempts) == ("queued", 1) and "something odd" in row.last_error


def test_a_row_that_kills_the_worker_every_time_is_failed_out(app, smtp, make_member):
    """A worker that dies mid-send leaves the row 'sending'; each such interruption is an attempt,
    so a message that kills every worker stops being retried after OUTBOX_MAX_ATTEMPTS."""
    poisoned = _poison(app, to_address="killer@example.org")
    limit = app.config["OUTBOX_MAX_ATTEMPTS"]
    for attempt in range(1, limit + 1):
        with app.app_context():
            [claimed] = claim_batch(10)
            # The worker marks it 'sending' and then dies: its lease runs out.
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == claimed.id)
                .values(status="sending", lease_until=utcnow() - timedelta(seconds=1))
            )
            db.session.commit()
            assert requeue_expired_leases() == 1
        row = _row(app, poisoned)
        assert row.attempts == attempt and row.unconfirmed_sends == attempt
        assert row.status == ("failed" if attempt == limit else "queued")
    assert "stopped" in row.last_error
    # And the queue is free: the next message goes.
    jo = make_member("Jo Carer")
    with app.test_request_context():
        from association.mail.outbox import queue_email

        queue_email(jo.email, "Hello", "password_changed", reset_url="https://x.test/")
        db.session.commit()
    with app.app_context():
        assert deliver_due().sent == 1
        assert db.session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == poisoned)) == "failed"
