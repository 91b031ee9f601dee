"""Delivery that loses nothing and sends nothing twice, counted at a real SMTP server.

The faults are injected at exact points of the SMTP conversation (the server holds its answer
to MAIL FROM or RCPT TO of a chosen message while the test stops the server or kills the worker),
so each test is deterministic: it shows the design, not luck with timing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from association.core.database import utcnow
from association.extensions import db
from association.mail.models import OutboxMessage
from association.mail.outbox import queue_email
from association.mail.worker import deliver_due
from tests.smtp import free_port
from tests.support import POSTGRES_URL, make_app

ROOT = Path(__file__).resolve().parents[2]


class CountingServer:
    """An SMTP server that counts each recipient's messages and can hold one message mid-way.

    ``hold_at=("MAIL"|"RCPT", n)`` makes the server wait before answering that command of the
    n-th message (1-based) until ``release`` is set; ``reached`` is set when it gets there.
    """

    def __init__(self, port: int | None = None, hold_at: tuple[str, int] | None = None, delay: float = 0.0):
        self.port = port or free_port()
        self.received: Counter[str] = Counter()
        self.message_ids: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.hold_at, self.delay = hold_at, delay
        self.reached, self.release = threading.Event(), threading.Event()
        self.started_messages = 0
        self.controller: Controller | None = None

    def start(self) -> CountingServer:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    async def _maybe_hold(self, command: str, number: int) -> None:
        if self.hold_at == (command, number):
            self.reached.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)

    async def handle_MAIL(self, _server, session, envelope, address, _options):
        with self.lock:
            self.started_messages += 1
            session.number = self.started_messages
        await self._maybe_hold("MAIL", session.number)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, _server, session, envelope, address, _options):
        await self._maybe_hold("RCPT", session.number)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server, _session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message_id = next(
            (
                line.split(":", 1)[1].strip()
                for line in envelope.content.decode().splitlines()
                if line.lower().startswith("message-id:")
            ),
            "",
        )
        with self.lock:
            for address in envelope.rcpt_tos:
                self.received[address] += 1
            self.message_ids[message_id] += 1
        return "250 Message accepted"


@pytest.fixture(params=["sqlite"] + (["postgresql"] if POSTGRES_URL else []))
def shared_db_url(request, tmp_path):
    """A database that separate worker processes can open too (a file, not SQLite in memory)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'outbox.sqlite'}"
    return request.getfixturevalue("postgres_url")


def _app(url: str, port: int, **overrides):
    return make_app(url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, OUTBOX_RETRY_SECONDS=0, **overrides)


def _queue(app, count: int) -> list[str]:
    addresses = [f"carer{n:04d}@example.org" for n in range(count)]
    with app.test_request_context():
        for address in addresses:
            queue_email(address, "Summer social", "password_changed", reset_url="https://x.test/")
        db.session.commit()
    return addresses


def _statuses(app) -> Counter[str]:
    with app.app_context():
        return Counter(db.session.scalars(select(OutboxMessage.status)))


def _worker(url: str, port: int, **settings) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "testing-secret-key",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "OUTBOX_RETRY_SECONDS": "0",
        "ASSOCIATION_ENV": "development",
        **{key: str(value) for key, value in settings.items()},
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--once"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _finish(process: subprocess.Popen, timeout: float = 60) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, f"worker failed ({process.returncode}):\n{out}\n{err}"
    return out


def test_smtp_server_stopped_mid_campaign_then_restarted(shared_db_url):
    server = CountingServer(hold_at=("MAIL", 8)).start()
    app = _app(shared_db_url, server.port, OUTBOX_BATCH_SIZE=5)
    addresses = _queue(app, 20)

    def stop_when_held():  # the server goes down while the worker waits for its answer
        assert server.reached.wait(30)
        server.stop()  # cancels the held session: message 8 is never answered
        server.release.set()

    stopper = threading.Thread(target=stop_when_held)
    stopper.start()
    with app.app_context():
        first = deliver_due()
    stopper.join()
    # 7 delivered; the batch in hand waits for a retry, and the pass ends: the server is gone.
    assert (first.sent, first.retrying, first.server_unreachable) == (7, 3, True)

    with app.app_context():
        assert deliver_due().sent == 0  # still down: connection refused, still waiting
    assert _statuses(app) == {"sent": 7, "queued": 13}

    restarted = CountingServer(port=server.port).start()
    try:
        with app.app_context():
            assert deliver_due().sent == 13
    finally:
        restarted.stop()
    everyone = server.received + restarted.received
    assert everyone == Counter({address: 1 for address in addresses})
    assert _statuses(app) == {"sent": 20}


@pytest.mark.parametrize("how", ["killed", "stopped gently"])
def test_worker_killed_mid_batch_then_restarted(shared_db_url, how):
    server = CountingServer(hold_at=("RCPT", 6)).start()
    app = _app(shared_db_url, server.port)
    addresses = _queue(app, 25)
    try:
        worker = _worker(shared_db_url, server.port, OUTBOX_BATCH_SIZE=10, OUTBOX_LEASE_SECONDS=1)
        assert server.reached.wait(60), worker.communicate(timeout=5)
        if how == "killed":  # no chance to tidy up: message 6 is mid-conversation
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
            server.release.set()
            assert _statuses(app) == {"sent": 5, "sending": 1, "claimed": 4, "queued": 15}
            time.sleep(1.2)  # the dead worker's lease runs out
        else:  # SIGTERM, as a service manager stops it: message 6 is finished, the rest handed back
            os.killpg(worker.pid, signal.SIGTERM)
            time.sleep(0.3)
            server.release.set()
            _finish(worker)
            assert _statuses(app) == {"sent": 6, "queued": 19}

        _finish(_worker(shared_db_url, server.port, OUTBOX_BATCH_SIZE=10, OUTBOX_LEASE_SECONDS=1))
        assert server.received == Counter({address: 1 for address in addresses})
        assert max(server.message_ids.values()) == 1
        assert _statuses(app) == {"sent": 25}
        with app.app_context():
            unconfirmed = list(
                db.session.scalars(select(OutboxMessage.to_address).where(OutboxMessage.unconfirmed_sends > 0))
            )
        # Only a kill leaves a message whose fate the worker could not know; it is marked.
        assert unconfirmed == ([addresses[5]] if how == "killed" else [])
    finally:
        server.release.set()
        server.stop()


@pytest.mark.skipif(not POSTGRES_URL, reason="several workers share the outbox on PostgreSQL")
def test_two_workers_on_postgresql_send_each_message_exactly_once(postgres_url):
    server = CountingServer(delay=0.002).start()
    app = _app(postgres_url, server.port)
    addresses = _queue(app, 300)
    try:
        workers = [_worker(postgres_url, server.port, OUTBOX_BATCH_SIZE=10) for _ in range(2)]
        outputs = [_finish(worker) for worker in workers]
    finally:
        server.stop()
    sent_by_each = [int(out.split("sent ")[1].split(",")[0]) for out in outputs]
    assert sum(sent_by_each) == 300 and min(sent_by_each) > 0, outputs  # both worked, no overlap
    assert server.received == Counter({address: 1 for address in addresses})
    assert _statuses(app) == {"sent": 300}


def test_rate_per_minute_is_respected(app_factory, smtp):
    app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, OUTBOX_RATE_PER_MINUTE=5)
    _queue(app, 8)
    with app.app_context():
        first = deliver_due()
        assert (first.sent, first.throttled) == (5, True)
        assert deliver_due().sent == 0  # the minute is not over
        db.session.execute(
            update(OutboxMessage).values(sent_at=utcnow() - timedelta(seconds=61)).where(OutboxMessage.status == "sent")
        )
        db.session.commit()
        second = deliver_due()
        assert (second.sent, second.throttled) == (3, False)
    assert len(smtp.messages) == 8


def test_temporary_refusal_is_retried_and_permanent_is_not(app_factory, smtp):
    app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, OUTBOX_RETRY_SECONDS=0)
    smtp.refuse("gone@example.org")
    with app.test_request_context():
        for address in ("gone@example.org", "here@example.org"):
            queue_email(address, "Hello", "password_changed", reset_url="https://x.test/")
        db.session.commit()
    with app.app_context():
        report = deliver_due()
        assert (report.sent, report.failed) == (1, 1)
        gone = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "gone@example.org"))
        assert (gone.status, gone.attempts) == ("failed", 1) and "550" in gone.last_error


def test_a_worker_that_outlives_its_lease_leaves_taken_back_rows_alone(app_factory, smtp):
    """Worker A is too slow: its lease runs out, the rows go back and worker B claims them.
    A must not send them too."""
    from association.mail.leases import claim_batch, requeue_expired_leases
    from association.mail.worker import deliver_batch

    app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, OUTBOX_LEASE_SECONDS=0)
    addresses = _queue(app, 6)
    with app.app_context():
        slow = claim_batch(10)  # A claims everything, then stalls past its (zero-second) lease
        time.sleep(0.01)
        assert requeue_expired_leases() == 6
        taken_over = claim_batch(10)  # B
        assert deliver_batch(slow).sent == 0  # A wakes up: every row has moved on
        assert deliver_batch(taken_over).sent == 6
    assert sorted(r for rcpts, _ in smtp.messages for r in rcpts) == addresses
