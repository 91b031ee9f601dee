"""Queue a 5,000-member campaign and deliver it to a local aiosmtpd server; print messages per second.

    .venv/bin/python bench/mail_delivery.py [--members 5000] [--engine sqlite|postgresql]

Runs twice on fresh databases: one SMTP connection per message, then reused connections
(a batch of OUTBOX_BATCH_SIZE messages per connection). The SMTP server is a separate process
(aiosmtpd's Sink), as a real relay would be, so it does not share this process's GIL.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402

from association import create_app  # noqa: E402
from association.campaigns.models import Campaign  # noqa: E402
from association.campaigns.queueing import queue_campaign  # noqa: E402
from association.extensions import db  # noqa: E402
from association.mail.models import OutboxMessage  # noqa: E402
from association.mail.worker import deliver_due  # noqa: E402
from association.members.models import Member  # noqa: E402

POSTGRES_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BODY = """Hello {{ first_name }},

Our **summer social** is this Saturday in Riverside Park, 12 till 4. Bring a picnic blanket;
we'll bring games, face paints and plenty of squash.

- Families welcome, all ages
- Step-free paths, toilets on site

See you there!"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_smtp_sink(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"]
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("aiosmtpd did not start")


class Database:
    """A fresh database for one run: a SQLite file or a PostgreSQL database, dropped afterwards."""

    def __init__(self, engine: str):
        self.engine_name = engine
        self.tmp = tempfile.TemporaryDirectory()
        if engine == "sqlite":
            self.url = f"sqlite:///{self.tmp.name}/bench.sqlite"
        else:
            self.name = f"bench_mail_{uuid.uuid4().hex[:8]}"
            self.admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
            self.url = POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{self.name}"

    def drop(self) -> None:
        if self.engine_name == "postgresql":
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.tmp.cleanup()


def run(engine: str, members: int, port: int, per_connection: int, batch: int) -> dict:
    database = Database(engine)
    try:
        app = create_app(
            "development",
            {
                "SQLALCHEMY_DATABASE_URI": database.url,
                "SECRET_KEY": "bench",
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": port,
                "OUTBOX_BATCH_SIZE": batch,
                "OUTBOX_MESSAGES_PER_CONNECTION": per_connection,
                "SERVER_NAME": None,
                "BASE_URL": "https://association.example.org",
            },
        )
        with app.app_context():
            db.create_all()
            db.session.execute(
                insert(Member),
                [
                    {
                        "name": f"Carer {n} Example",
                        "email": f"carer{n}@example.org",
                        "status": "active",
                        "application_state": "approved",
                    }
                    for n in range(members)
                ],
            )
            campaign = Campaign(
                subject="Summer social this Saturday, {{ first_name }}",
                body_markdown=BODY,
                topic="news",
                audience="active",
            )
            db.session.add(campaign)
            db.session.commit()

            started = time.perf_counter()
            queued = queue_campaign(campaign)
            queue_seconds = time.perf_counter() - started

            started = time.perf_counter()
            report = deliver_due()
            deliver_seconds = time.perf_counter() - started
            sent = db.session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")
            )
            db.session.remove()
            db.engine.dispose()
        assert sent == queued == report.sent, (sent, queued, report)
        return {"queued": queued, "queue_s": queue_seconds, "deliver_s": deliver_seconds}
    finally:
        database.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--batch", type=int, default=100, help="messages claimed per batch (and per connection)")
    args = parser.parse_args()
    port = free_port()
    sink = start_smtp_sink(port)
    try:
        print(f"{args.members} campaign emails on {args.engine}, delivered to aiosmtpd on 127.0.0.1:{port}")
        print("| connections | queue (one transaction) | deliver | messages/s |")
        print("|---|---|---|---|")
        for label, per_connection in (("one per message", 1), (f"reused ({args.batch} per connection)", 0)):
            result = run(args.engine, args.members, port, per_connection, args.batch)
            rate = result["queued"] / result["deliver_s"]
            print(f"| {label} | {result['queue_s']:.2f} s | {result['deliver_s']:.2f} s | {rate:,.0f} |", flush=True)
    finally:
        sink.terminate()
        sink.wait(5)


if __name__ == "__main__":
    main()
