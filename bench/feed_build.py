"""Benchmark: build a member's private calendar feed holding 2,000 events.

Prints the build time with nothing cached (every VEVENT serialised), with the per-event VEVENT
cache filled (the steady state: only changed events are rebuilt), and the feed's size.
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
        member = Member(name="Bench Carer", email="bench@example.org", status="active", application_state="approved",
                        password_hash="x", calendar_token="bench-token")
        db.session.add(member)
        db.session.flush()
        now = utcnow()
        for i in range(args.events):
            start = now + timedelta(days=i % 365, hours=i % 9)
            event = Event(title=f"Peer support evening {i}", kind="peer_support", starts_at=start,
                          ends_at=start + timedelta(hours=2), visibility="members" if i % 3 else "public",
                          description_md="A relaxed evening with other carers. Tea and biscuits.",
                          description_html="<p>A relaxed evening with other carers. Tea and biscuits.</p>",
                          venue_name="Riverside Community Centre", venue_address="Mill Street", capacity=20,
                          organiser_id=member.id)
            db.session.add(event)
            if i % 40 == 0:
                db.session.flush()
                db.session.add(RSVP(event_id=event.id, member_id=member.id, response="going", adults=1, children=2))
        db.session.commit()

    client = app.test_client()

    def timed_get(clear: bool) -> tuple[float, int]:
        if clear:
            with app.app_context():
                db.session.execute(db.update(Event).values(ics_public=None, ics_member=None))
                db.session.commit()
        started = time.perf_counter()
        response = client.get("/calendar/bench-token.ics")
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        return elapsed, len(response.data)

    cold = [timed_get(clear=True) for _ in range(args.runs)]
    warm = [timed_get(clear=False) for _ in range(args.runs)]
    etag = client.get("/calendar/bench-token.ics").headers["ETag"]
    started = time.perf_counter()
    for _ in range(50):
        assert client.get("/calendar/bench-token.ics", headers={"If-None-Match": etag}).status_code == 304
    not_modified = (time.perf_counter() - started) / 50
    size = cold[0][1]
    print(f"private feed, {args.events} events ({url.split(':')[0]}), {size / 1024:.0f} KiB, "
          f"{size // max(args.events, 1)} bytes per event")
    print(f"  build, nothing cached (every VEVENT serialised): median {statistics.median(t for t, _ in cold) * 1000:.0f} ms")
    print(f"  build, VEVENT cache filled (steady state):       median {statistics.median(t for t, _ in warm) * 1000:.0f} ms")
    print(f"  304 on an unchanged ETag:                          {not_modified * 1000:.1f} ms")


if __name__ == "__main__":
    main()
