"""Demo data agrees with itself and with today: lapsed members' renewal dates have passed,
service meetings fall on weekdays 6-8 weeks apart and never over Christmas, items are answered
only at meetings held after they were raised, and the answers differ (good practice is thanked)."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from flask import current_app
from sqlalchemy import select

from association.core.database import utcnow
from association.core.timefmt import local_today, to_local
from association.extensions import db
from association.members.models import Member
from association.strategy.demo import meeting_days
from association.strategy.models import FeedbackItem, ItemOutcome, ServiceMeeting


def test_demo_data_makes_sense_today(app):
    assert app.test_cli_runner().invoke(args=["seed-demo", "--password", "demo-pass-2026"]).exit_code == 0
    with app.app_context():
        today, now = local_today(), utcnow()
        grace = timedelta(days=current_app.config["RENEWAL_GRACE_DAYS"])
        members = list(db.session.scalars(select(Member)))
        lapsed = [m for m in members if m.status == "lapsed"]
        assert lapsed and all(m.renewal_date < today - grace for m in lapsed)
        assert all(m.renewal_date >= today - grace for m in members if m.status == "active")

        meetings = list(db.session.scalars(select(ServiceMeeting).order_by(ServiceMeeting.held_at)))
        days = [to_local(m.held_at).date() for m in meetings]
        assert all(day.weekday() < 5 for day in days), days
        assert all(timedelta(weeks=6) <= b - a <= timedelta(weeks=8) for a, b in pairwise(days))
        assert all(not (d.month == 12 and d.day >= 24) for d in days)

        outcomes = list(db.session.scalars(select(ItemOutcome)))
        assert len(outcomes) == 6
        by_id = {m.id: m for m in meetings}
        for outcome in outcomes:
            item = db.session.get(FeedbackItem, outcome.item_id)
            meeting = by_id[outcome.meeting_id]
            assert meeting.held_at <= now, "answered at a meeting still to come"
            assert item.created_at < meeting.cutoff_at, f"raised {item.created_at}, answered {meeting.held_at}"
            if outcome.status in ("open", "in_progress"):
                assert outcome.due_on and outcome.due_on >= today
            elif outcome.due_on:
                assert to_local(meeting.held_at).date() <= outcome.due_on <= today
            if item.kind == "good_practice":
                assert "look into" not in outcome.response and "thank" in outcome.response.lower()
        assert len({o.response for o in outcomes}) == len(outcomes)
        assert len({o.status for o in outcomes}) >= 2
        assert all(i.created_at <= now for i in db.session.scalars(select(FeedbackItem)))


def test_meeting_days_fit_any_today():
    for offset in range(0, 366 * 2):
        today = date(2026, 1, 1) + timedelta(days=offset)
        *past, coming = meeting_days(today)
        assert all(day < today for day in past) and coming >= today + timedelta(days=21)
        days = [*past, coming]
        assert all(day.weekday() in (1, 2, 3) for day in days), (today, days)
        assert all(timedelta(weeks=6) <= b - a <= timedelta(weeks=8) for a, b in pairwise(days))
        assert all(not ((d.month == 12 and d.day >= 24) or (d.month == 1 and d.day <= 2)) for d in days)
