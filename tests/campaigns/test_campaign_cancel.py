"""Cancelling a campaign while it is being sent: what was sent stays sent, the rest is never sent,
and the history counts both. Counted at a real SMTP server, with the send held mid-way."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import event, select

from association.campaigns.models import Campaign
from association.extensions import db
from association.mail.models import OutboxMessage
from association.mail.worker import claim_batch, deliver_batch, deliver_due
from tests.support import add_member, sign_in

from ..mail.test_delivery_faults import CountingServer, _app, shared_db_url  # noqa: F401 (a fixture)
from .test_campaigns import _campaign_id, _compose, send


def _statuses(app, campaign_id: int) -> Counter[str]:
    with app.app_context():
        return Counter(db.session.scalars(select(OutboxMessage.status).where(OutboxMessage.campaign_id == campaign_id)))


def _flashes(client) -> list[str]:
    """The messages waiting for the next page, taken (as showing them would)."""
    with client.session_transaction() as session:
        return [message for _, message in session.pop("_flashes", [])]


def _group_campaign(app, client, size: int) -> tuple[int, list[str]]:
    """A campaign to ``size`` strategy members, confirmed and queued; their addresses in send order."""
    people = [add_member(app, f"Carer {n:02d}", roles=["strategy"]) for n in range(size)]
    campaign_id = _campaign_id(_compose(client, audience="role", role="strategy", subject="Pack meeting"))
    assert send(client, campaign_id).status_code == 302
    assert _flashes(client) == [f"Sending to {size} members now."]
    return campaign_id, [p.email for p in people]


def test_cancelling_withdraws_queued_and_claimed_messages(app, smtp, admin_client):
    client, _ = admin_client
    campaign_id, _ = _group_campaign(app, client, 6)
    with app.app_context():
        in_hand = claim_batch(2)  # a worker has leased two, and not started them
    page = client.get(f"/admin/mail/{campaign_id}").get_data(as_text=True)
    assert "6 messages are not sent yet" in page and "Cancel the rest of this email" in page

    client.post(f"/admin/mail/{campaign_id}/cancel")
    assert _flashes(client) == ["Cancelled. 6 messages withdrawn and never sent; 0 already sent."]
    assert _statuses(app, campaign_id) == {"withdrawn": 6}
    with app.app_context():
        assert deliver_batch(in_hand).sent == 0  # the worker wakes up: they are no longer its to send
        assert deliver_due().sent == 0
        assert db.session.get(Campaign, campaign_id).status == "cancelled"
    assert smtp.messages == []

    client.post(f"/admin/mail/{campaign_id}/cancel")  # a second click
    assert _flashes(client) == ["This email is not being sent, so there is nothing to stop."]
    page = client.get(f"/admin/mail/{campaign_id}").get_data(as_text=True)
    assert "Withdrawn when it was cancelled</dt><dd>6 (never sent)" in page and "Cancel the rest" not in page
    history = client.get("/admin/mail/").get_data(as_text=True)
    assert "Cancelled" in history and "6 withdrawn, never sent" in history
    who = client.get(f"/admin/mail/{campaign_id}/recipients").get_data(as_text=True)
    assert who.count("Withdrawn, not sent") == 6


def test_a_draft_or_a_finished_send_has_nothing_to_cancel(app, smtp, admin_client):
    client, _ = admin_client
    draft = _campaign_id(_compose(client))
    client.post(f"/admin/mail/{draft}/cancel")
    assert _flashes(client) == ["This email is not being sent, so there is nothing to stop."]
    campaign_id, _ = _group_campaign(app, client, 2)
    with app.app_context():
        assert deliver_due().sent == 2
    client.post(f"/admin/mail/{campaign_id}/cancel")
    assert "nothing left to stop" in _flashes(client)[0]
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "queued"
        assert db.session.get(Campaign, draft).status == "draft"
    assert _statuses(app, campaign_id) == {"sent": 2}


def test_a_broken_connection_does_not_bring_withdrawn_messages_back(app_factory):
    """The worker records a failed attempt for every message it still held when the connection
    broke; a message withdrawn meanwhile must stay withdrawn, not be queued for a retry."""
    from tests.smtp import free_port

    app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nobody listens: refused
    client = sign_in(app.test_client(), add_member(app, "Alex Admin", roles=["admin"]))
    campaign_id, _ = _group_campaign(app, client, 3)
    with app.app_context():
        in_hand = claim_batch(10)
    client.post(f"/admin/mail/{campaign_id}/cancel")
    with app.app_context():
        report = deliver_batch(in_hand)
    assert report.server_unreachable and (report.sent, report.retrying, report.failed) == (0, 0, 0)
    assert _statuses(app, campaign_id) == {"withdrawn": 3}


def test_cancelling_while_a_worker_claims_is_atomic(shared_db_url, smtp):  # noqa: F811
    """The cancel lands between the worker's SELECT of due rows and its UPDATE marking them claimed.

    On SQLite that SELECT holds no lock, so the claim must take only rows still queued; on
    PostgreSQL the worker holds the rows FOR UPDATE, and the withdrawal waits for them. Either way
    nothing is sent and every message is withdrawn."""
    app = _app(shared_db_url, smtp.port)
    admin = add_member(app, "Alex Admin", roles=["admin"])
    client = sign_in(app.test_client(), admin)
    campaign_id, _ = _group_campaign(app, client, 4)
    with app.app_context():
        engine = db.engine
    cancelled = threading.Event()

    def cancel_in_another_session():
        from association.campaigns.sending import cancel_sending

        with app.app_context():
            cancel_sending(db.session.get(Campaign, campaign_id), None)
        cancelled.set()

    canceller = threading.Thread(target=cancel_in_another_session)

    def between_select_and_update(_conn, _cursor, statement, parameters, _context, _many):
        if (
            not canceller.is_alive()
            and not cancelled.is_set()
            and statement.startswith("UPDATE outbox_messages")
            and "claimed" in str(parameters)
        ):
            canceller.start()
            canceller.join(timeout=1)  # PostgreSQL: still waiting for the worker's row locks

    event.listen(engine, "before_cursor_execute", between_select_and_update)
    try:
        with app.app_context():
            batch = claim_batch(10)
    finally:
        event.remove(engine, "before_cursor_execute", between_select_and_update)
    canceller.join(timeout=30)
    assert cancelled.is_set()
    with app.app_context():
        assert deliver_batch(batch).sent == 0
        assert deliver_due().sent == 0
    assert smtp.messages == []
    assert _statuses(app, campaign_id) == {"withdrawn": 4}
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_cancel_mid_send_at_the_smtp_server(shared_db_url):  # noqa: F811
    """Ten messages in batches of five; the server holds the 4th at RCPT TO while the campaign is
    cancelled. The 4th is in its SMTP conversation, so it goes; the 5th (claimed) and the next five
    (queued) are withdrawn and never reach the server."""
    server = CountingServer(hold_at=("RCPT", 4)).start()
    app = _app(shared_db_url, server.port, OUTBOX_BATCH_SIZE=5)
    try:
        admin = add_member(app, "Alex Admin", roles=["admin"])
        client = sign_in(app.test_client(), admin)
        campaign_id, addresses = _group_campaign(app, client, 10)

        def worker():
            with app.app_context():
                deliver_due()

        sending = threading.Thread(target=worker)
        sending.start()
        assert server.reached.wait(30)
        assert _statuses(app, campaign_id) == {"sent": 3, "sending": 1, "claimed": 1, "queued": 5}

        client.post(f"/admin/mail/{campaign_id}/cancel")
        assert _flashes(client) == [
            "Cancelled. 6 messages withdrawn and never sent; 3 already sent; 1 being sent "
            "at that moment may still arrive."
        ]
        server.release.set()
        sending.join(30)
        with app.app_context():
            assert deliver_due().sent == 0  # the next pass finds nothing to send
    finally:
        server.release.set()
        server.stop()

    assert server.received == Counter({address: 1 for address in addresses[:4]})
    assert _statuses(app, campaign_id) == {"sent": 4, "withdrawn": 6}
    page = client.get(f"/admin/mail/{campaign_id}").get_data(as_text=True)
    assert "<dt>Sent</dt><dd>4</dd>" in page and "Withdrawn when it was cancelled</dt><dd>6 (never sent)" in page
    with app.app_context():
        from association.core.audit import AuditEntry

        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "mail.campaign_cancelled"))
        assert "3 sent, 1 being sent, 6 withdrawn" in entry.detail
        db.session.remove()
        db.engine.dispose()
