"""Benchmark: compile the strategy group's pack and render it to PDF for 200 and 1,000 items.

Run: .venv/bin/python bench/pack_build.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from association import create_app  # noqa: E402
from association.core.database import utcnow  # noqa: E402
from association.extensions import db  # noqa: E402
from association.members.models import Member  # noqa: E402
from association.strategy.models import FeedbackItem, ItemSupport, ServiceAttendee, ServiceMeeting, Theme  # noqa: E402
from association.strategy.packs import compile_pack, render_pack_html  # noqa: E402

WORDS = (
    "Calls to the duty team go unanswered after three in the afternoon, so carers wait days for "
    "answers about family time, transport and school."
)


def run(count: int) -> None:
    tmp = tempfile.mkdtemp()
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite"})
    with app.app_context():
        db.create_all()
        members = [Member(name=f"Carer {i}", email=f"c{i}@example.org", status="active") for i in range(50)]
        themes = [Theme(name=f"Theme {i}", position=i) for i in range(11)]
        meeting = ServiceMeeting(
            held_at=utcnow() + timedelta(days=20),
            cutoff_at=utcnow() + timedelta(days=13),
            attendees=[ServiceAttendee(name="Helen Price", role="Team manager", email="h@example.org")],
        )
        db.session.add_all([*members, *themes, meeting])
        db.session.flush()
        for i in range(count):
            item = FeedbackItem(
                kind="good_practice" if i % 9 == 0 else "issue",
                what_happened=WORDS,
                pack_wording=f"{i}: {WORDS}",
                author_id=members[i % 50].id,
                theme_id=themes[i % 11].id,
                meeting_id=meeting.id,
                status="in_pack",
            )
            db.session.add(item)
            db.session.flush()
            db.session.add(ItemSupport(item_id=item.id, member_id=members[(i + 1) % 50].id))
        db.session.commit()
        with app.test_request_context():
            started = time.perf_counter()
            pack = compile_pack(db.session.get(ServiceMeeting, meeting.id))
            compiled = time.perf_counter() - started
            started = time.perf_counter()
            html = render_pack_html(pack)
            rendered = time.perf_counter() - started
            from weasyprint import HTML

            started = time.perf_counter()
            pdf = HTML(string=html).write_pdf()
            printed = time.perf_counter() - started
    print(
        f"{count:>5} items: compile {compiled * 1000:.0f} ms, HTML {rendered * 1000:.0f} ms, "
        f"PDF {printed:.2f} s ({len(pdf) / 1024:.0f} KiB)"
    )


if __name__ == "__main__":
    for size in (200, 1000):
        run(size)
