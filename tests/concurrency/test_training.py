"""The register under 30 simultaneous saves: one register, one line per person, every mark kept."""

from __future__ import annotations

from sqlalchemy import func, select

from association.extensions import db
from association.training.models import Register, RegisterEntry
from tests.training.helpers import going, held_event

from .support import CROWD, at_once, no_server_errors


def _lines(live, event_id: int) -> list[tuple]:
    with live.app.app_context():
        return list(
            db.session.execute(
                select(RegisterEntry.member_id, RegisterEntry.attended, RegisterEntry.walk_in)
                .join(Register)
                .where(Register.event_id == event_id)
            )
        )


def test_thirty_first_saves_at_once_make_one_register_with_every_mark(live):
    event_id = held_event(live.app, live.admin.id)
    going(live.app, event_id, *[p.id for p in live.crowd])
    admin = live.admin.browser
    replies = at_once(
        *[lambda p=p: admin.post(f"/events/{event_id}/register", {f"came-{p.id}": "yes"}) for p in live.crowd]
    )
    no_server_errors(replies)
    assert all(r.status == 302 for r in replies), [r.status for r in replies]
    with live.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Register).where(Register.event_id == event_id)) == 1
    lines = _lines(live, event_id)
    assert len(lines) == CROWD and {attended for _, attended, _ in lines} == {True}


def test_one_walk_in_added_thirty_times_at_once_is_on_the_register_once(live):
    event_id = held_event(live.app, live.admin.id)
    walker = live.crowd[0]
    admin = live.admin.browser
    replies = at_once(*[lambda: admin.post(f"/events/{event_id}/register/walk-in", {"member_id": walker.id})] * CROWD)
    no_server_errors(replies)
    assert all(r.status == 302 for r in replies), [r.status for r in replies]
    assert _lines(live, event_id) == [(walker.id, True, True)]


def test_one_topic_added_thirty_times_at_once_in_any_case_is_one_topic(live):
    from association.training.models import TrainingTopic

    admin = live.admin.browser
    names = ["Fostering teenagers", "fostering teenagers", "FOSTERING TEENAGERS"]
    replies = at_once(*[lambda n=n: admin.post("/training/topics", {"name": names[n % 3]}) for n in range(CROWD)])
    no_server_errors(replies)
    assert sorted(r.status for r in replies) == [302] + [400] * (CROWD - 1)
    assert all("There is already a topic called" in r.body for r in replies if r.status == 400)
    with live.app.app_context():
        found = db.session.scalars(
            select(TrainingTopic.name).where(func.lower(TrainingTopic.name) == "fostering teenagers")
        ).all()
    assert len(found) == 1
