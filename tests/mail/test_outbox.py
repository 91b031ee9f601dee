"""The outbox and its worker, against a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from association.core.database import utcnow
from association.extensions import db
from association.mail.models import OutboxMessage
from association.mail.outbox import queue_email
from association.mail.worker import backoff, deliver_due
from tests.smtp import SMTPServer, free_port, html_part, text_part


def _queue(app, *addresses, subject="Your password was changed"):
    with app.test_request_context():
        for address in addresses:
            queue_email(address, subject, "password_changed", to_name="Jo Carer", reset_url="https://x.test/reset")
        db.session.commit()


def _rows(app):
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_queued_mail_is_delivered_over_smtp_with_both_parts(app, smtp):
    _queue(app, "jo@example.org", "sam@example.org")
    with app.app_context():
        report = deliver_due()
    assert (report.sent, report.failed, report.retrying) == (2, 0, 0)
    [message] = smtp.wait_for("jo@example.org")
    assert message["Subject"] == "Your password was changed"
    assert message["To"] == "Jo Carer <jo@example.org>"
    assert message["From"] == "association@example.org"
    assert "Hello Jo Carer" in text_part(message) or "Jo" in text_part(message)
    assert "https://x.test/reset" in text_part(message)
    assert "<html" in html_part(message).lower()
    rows = _rows(app)
    assert [r.status for r in rows] == ["sent", "sent"]
    assert rows[0].message_id == message["Message-ID"]
    assert rows[0].delivered_via == "smtp" and rows[0].sent_at is not None


def test_nothing_is_sent_twice_by_a_second_run(app, smtp):
    _queue(app, "jo@example.org")
    with app.app_context():
        deliver_due()
        again = deliver_due()
    assert again.sent == 0
    assert len(smtp.to("jo@example.org")) == 1


def test_mail_queued_in_a_rolled_back_transaction_is_never_sent(app, smtp):
    with app.test_request_context():
        queue_email("ghost@example.org", "Nope", "password_changed", reset_url="https://x.test/")
        db.session.rollback()
        assert deliver_due().sent == 0
    assert smtp.to("ghost@example.org") == []


def test_server_down_means_retry_with_backoff_then_delivery(app_factory):
    port = free_port()  # nothing listens here yet
    app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    _queue(app, "jo@example.org")
    with app.app_context():
        report = deliver_due()
    assert (report.sent, report.retrying) == (0, 1)
    [row] = _rows(app)
    assert row.status == "queued" and row.attempts == 1
    assert "Connection" in row.last_error or "refused" in row.last_error.lower()
    assert row.next_attempt_at > utcnow() + timedelta(seconds=20)

    server = SMTPServer(port)
    server.start()
    try:
        with app.app_context():
            assert deliver_due().sent == 0  # not due yet: backoff is respected
            db.session.get(OutboxMessage, row.id).next_attempt_at = utcnow()
            db.session.commit()
            assert deliver_due().sent == 1
        assert len(server.to("jo@example.org")) == 1
    finally:
        server.stop()


def test_permanent_rejection_fails_at_once_and_shows_the_error(app, smtp):
    smtp.refuse("nobody@example.org")
    _queue(app, "nobody@example.org", "jo@example.org")
    with app.app_context():
        report = deliver_due()
    assert (report.sent, report.failed, report.retrying) == (1, 1, 0)
    failed, sent = _rows(app)
    assert failed.status == "failed" and failed.attempts == 1 and "550" in failed.last_error
    assert sent.status == "sent"
    assert smtp.to("nobody@example.org") == [] and len(smtp.to("jo@example.org")) == 1


def test_gives_up_after_the_attempt_limit(app_factory):
    app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), OUTBOX_MAX_ATTEMPTS=2)
    _queue(app, "jo@example.org")
    with app.app_context():
        deliver_due()
        row = db.session.scalar(select(OutboxMessage))
        row.next_attempt_at = utcnow()
        db.session.commit()
        report = deliver_due()
        assert report.failed == 1
        assert db.session.scalar(select(OutboxMessage)).status == "failed"


def test_backoff_grows_and_is_capped():
    assert backoff(1) == timedelta(seconds=30)
    assert backoff(2) == timedelta(minutes=1)
    assert backoff(3) == timedelta(minutes=2)
    assert backoff(30) == timedelta(hours=2)


def test_without_a_mail_server_mail_goes_to_the_catcher_for_admins(app_factory):
    from tests.support import add_member, sign_in

    app = app_factory(MAIL_SERVER=None)
    client = sign_in(app.test_client(), add_member(app, "Ada Admin", roles=["admin"]))
    _queue(app, "jo@example.org", subject="Caught in development")
    with app.app_context():
        assert deliver_due().sent == 1
    [row] = [r for r in _rows(app) if r.subject == "Caught in development"]
    assert row.status == "sent" and row.delivered_via == "catcher"
    listing = client.get("/admin/outbox?status=sent")
    assert b"Caught in development" in listing.data
    page = client.get(f"/admin/outbox/{row.id}")
    assert b"https://x.test/reset" in page.data


def test_expired_lease_is_queued_again(app):
    _queue(app, "jo@example.org")
    with app.app_context():
        row = db.session.scalar(select(OutboxMessage))
        row.status, row.lease_until = "sending", utcnow() - timedelta(minutes=1)
        db.session.commit()
        assert deliver_due().sent == 1


def test_admin_can_retry_a_failed_message(app, admin_client):
    client, _admin = admin_client
    _queue(app, "jo@example.org")
    with app.app_context():
        row = db.session.scalar(select(OutboxMessage))
        row.status, row.last_error = "failed", "550 no such user"
        db.session.commit()
        row_id = row.id
    assert client.post(f"/admin/outbox/{row_id}/retry").status_code == 302
    with app.app_context():
        assert db.session.get(OutboxMessage, row_id).status == "queued"
    # Retrying a message that has not failed is refused.
    client.post(f"/admin/outbox/{row_id}/retry")
    assert b"Only a failed message" in client.get(f"/admin/outbox/{row_id}").data


def test_names_and_subjects_beyond_ascii_arrive_intact(app, smtp):
    with app.test_request_context():
        queue_email(
            "sian@example.org",
            "Café morning — ffion’s idea",
            "password_changed",
            to_name="Siân Jones",
            reset_url="https://x.test/reset",
        )
        db.session.commit()
        deliver_due()
    [message] = smtp.wait_for("sian@example.org")
    assert message["Subject"] == "Café morning — ffion’s idea"
    assert message["To"] == "Siân Jones <sian@example.org>"
