"""Benchmark: build a member's private calendar feed holding 2,000 events.

Prints the feed's size and the time of a request for it: built with nothing cached (every VEVENT
serialised), built from the kept VEVENT texts (the steady state when the calendar app's copy is
out of date: no HTTP cache hit), the same just after one event changed, and a 304 on an unchanged
ETag. Wall time and this process's CPU time: on a busy shared machine the CPU time is the steadier.
Run: .venv/bin/python bench/feed_build.py [--events 2000] [--database sqlite:///…]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from association import create_app  # noqa: E402
from association.core.database import utcnow  # noqa: E402
from association.events.models import RSVP, Event  # noqa: E402
from association.extensions import db  # noqa: E402
from association.members.models import Member  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--database", default=None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    url = args.database or f"sqlite:///{tmp}/bench.sqlite"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        member = Member(
            name="Bench Carer",
            email="bench@example.org",
            status="active",
            application_state="approved",
            password_hash="x",
            calendar_token="bench-token",
        )
        db.session.add(member)
        db.session.flush()
        now = utcnow()
        for i in range(args.events):
            start = now + timedelta(days=i % 365, hours=i % 9)
            event = Event(
                title=f"Peer support evening {i}",
                kind="peer_support",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                visibility="members" if i % 3 else "public",
                description_md="A relaxed evening with other carers. Tea and biscuits.",
                description_html="<p>A relaxed evening with other carers. Tea and biscuits.</p>",
                venue_name="Riverside Community Centre",
                venue_address="Mill Street",
                capacity=20,
                organiser_id=member.id,
            )
            db.session.add(event)
            if i % 40 == 0:
                db.session.flush()
                db.session.add(RSVP(event_id=event.id, member_id=member.id, response="going", adults=1, children=2))
        db.session.commit()

    client = app.test_client()
    path = "/calendar/bench-token.ics"

    def timed_get(prepare=None, headers=None, status=200) -> tuple[float, float, int]:
        """(wall seconds, CPU seconds of this process, body size) of one request."""
        if prepare is not None:
            with app.app_context():
                prepare()
                db.session.commit()
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(path, headers=headers or {})
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert response.status_code == status, response.status_code
        return wall, cpu, len(response.data)

    def clear_all() -> None:
        db.session.execute(db.update(Event).values(ics_public=None, ics_member=None))

    def change_one() -> None:
        # What an organiser's edit does to the row (scheduling.touch): new updated_at, text cleared.
        event_id = db.session.scalar(db.select(Event.id).order_by(db.func.random()).limit(1))
        db.session.execute(
            db.update(Event).where(Event.id == event_id).values(updated_at=utcnow(), ics_public=None, ics_member=None)
        )

    cold = [timed_get(clear_all) for _ in range(args.runs)]
    timed_get()  # fills the cache (the last cold run already did)
    warm = [timed_get() for _ in range(args.runs * 4)]
    one_changed = [timed_get(change_one) for _ in range(args.runs * 2)]
    etag = client.get(path).headers["ETag"]
    not_modified = [timed_get(headers={"If-None-Match": etag}, status=304) for _ in range(50)]

    def median_ms(runs, index: int) -> str:
        return f"{statistics.median(r[index] for r in runs) * 1000:7.1f}"

    size = warm[0][2]
    print(
        f"private feed, {args.events} events ({url.split(':')[0]}), {size / 1024:.0f} KiB, "
        f"{size // max(args.events, 1)} bytes per event, {args.events // 40} of them replied to by the member"
    )
    print("                                                     median wall ms   median CPU ms")
    for label, runs in (
        ("build, nothing cached (every VEVENT serialised)", cold),
        ("build, VEVENT texts kept (no HTTP cache hit)", warm),
        ("build, texts kept but one event just changed", one_changed),
        ("304 on an unchanged ETag", not_modified),
    ):
        print(f"  {label:<50} {median_ms(runs, 0)}          {median_ms(runs, 1)}")


if __name__ == "__main__":
    main()
