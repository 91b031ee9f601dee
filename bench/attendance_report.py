"""Benchmark: the committee's attendance report over five years of registers (3,000 meetings,
45,000 register lines): the report read from the database, the page, the CSV and the PDF, for the
last twelve months and for five years.

Run: .venv/bin/python bench/attendance_report.py
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from association import create_app  # noqa: E402
from association.core.database import utcnow  # noqa: E402
from association.core.timefmt import local_today  # noqa: E402
from association.extensions import db  # noqa: E402
from association.members.models import Member  # noqa: E402
from association.training.models import Register, RegisterEntry  # noqa: E402

MEETINGS, LINES = 3000, 15
KINDS = ("peer_support", "social", "training", "guest_speaker", "committee")


def _fill(rng: random.Random) -> None:
    members = [Member(name=f"Carer {i}", email=f"c{i}@example.org", status="active") for i in range(LINES)]
    db.session.add_all(members)
    db.session.flush()
    now = utcnow()
    for n in range(MEETINGS):
        held = now - timedelta(days=rng.uniform(1, 5 * 365))
        kind = KINDS[n % len(KINDS)]
        register = Register(
            title=f"Meeting {n}",
            kind=kind,
            held_from=held,
            held_until=held + timedelta(hours=2),
            minutes=180 if kind == "training" else None,
            closes_at=held + timedelta(days=16),
        )
        db.session.add(register)
        db.session.flush()
        db.session.add_all(
            RegisterEntry(
                register_id=register.id,
                member_id=member.id,
                attended=rng.choice((True, True, True, False, None)),
                walk_in=rng.random() < 0.1,
                adults=rng.choice((1, 1, 2)),
                children=rng.choice((0, 0, 1, 2, 3)),
            )
            for member in members
        )
    db.session.commit()


def _timed(what: str, call, runs: int = 3) -> None:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    print(f"  {what:<26} best {min(times) * 1000:>7.0f} ms   worst {max(times) * 1000:>7.0f} ms")


def run() -> None:
    from association.training.report import attendance_report, last_twelve_months, period_between
    from association.training.report_documents import page_values, report_csv, report_pdf

    tmp = tempfile.mkdtemp()
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite"})
    with app.app_context():
        db.create_all()
        _fill(random.Random(42))
    with app.test_request_context():
        from flask import render_template

        from association.training.forms import ReportForm

        today = local_today()
        for name, period in (
            ("last 12 months", last_twelve_months()),
            ("five years", period_between(today.replace(year=today.year - 4, month=1), today)),
        ):
            found = attendance_report(period)
            print(f"{name}: {found.total.meetings} meetings, {found.total.people} people")
            _timed("report from the database", lambda p=period: attendance_report(p))
            _timed(
                "page (with both charts)",
                lambda p=period: render_template("training/report.html", form=ReportForm(), **page_values(p)),
            )
            _timed("CSV", lambda p=period: report_csv(p))
            _timed("PDF", lambda p=period: report_pdf(p))


if __name__ == "__main__":
    run()
