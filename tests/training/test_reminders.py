"""Training reminders: an email before training in a topic with a validity runs out, at most once a
week, with the next association training on the topic; delivered by the worker to a real SMTP server.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from association.core.database import utcnow
from association.core.timefmt import format_date, local_today, local_zone
from association.events.models import Event, EventStatus
from association.events.rsvps import respond
from association.extensions import db
from association.mail.jobs import run_due_jobs
from association.mail.models import OutboxMessage
from association.mail.preferences import MailPreferences
from association.mail.worker import deliver_due
from association.members.models import Member
from association.members.registry import erase_member
from association.training import courses, reminders
from association.training.models import (
    Register,
    RegisterEntry,
    TrainingCourse,
    TrainingEntry,
    TrainingReminder,
    TrainingTopic,
)
from association.training.registers import new_certificate_code
from tests.events.helpers import add_event
from tests.smtp import html_part, text_part
from tests.support import count_queries, sign_in

MONTHS = 36  # first aid, safeguarding and online safety count for three years


@pytest.fixture
def topics(app):
    """Topic name -> id: three that run out after three years, one that counts for good."""
    with app.app_context():
        found = {
            name: TrainingTopic(name=name, validity_months=months)
            for name, months in (
                ("First aid", MONTHS),
                ("Safeguarding", MONTHS),
                ("Online safety", MONTHS),
                ("Attachment and trauma", None),
            )
        }
        db.session.add_all(found.values())
        db.session.commit()
        return {name: topic.id for name, topic in found.items()}


@pytest.fixture
def organiser(make_member):
    return make_member("Olive Organiser", roles=["committee"])


def today(app) -> date:
    with app.app_context():
        return local_today()


def done_on(app, runs_out_in_days: int) -> date:
    """The day training must have been done on to run out ``runs_out_in_days`` from today."""
    return today(app) + timedelta(days=runs_out_in_days) - relativedelta(months=MONTHS)


def runs_out(done: date) -> str:
    """How the email writes the day training done on ``done`` runs out."""
    return format_date(done + relativedelta(months=MONTHS))


def own_entry(app, member_id: int, topic_ids: list[int], completed_on: date, title: str = "First aid course") -> None:
    with app.app_context():
        db.session.add(
            TrainingEntry(
                member_id=member_id,
                title=title,
                provider="St John Ambulance",
                completed_on=completed_on,
                minutes=360,
                topics=list(db.session.scalars(select(TrainingTopic).where(TrainingTopic.id.in_(topic_ids)))),
            )
        )
        db.session.commit()


def attended(app, member_ids: list[int], topic_ids: list[int], held_on: date, title: str = "Safeguarding day") -> None:
    """An association training held on ``held_on`` with its register: each of ``member_ids`` came."""
    with app.app_context():
        start = datetime.combine(held_on, time(10), local_zone()).astimezone(UTC).replace(tzinfo=None)
        event = Event(kind="training", title=title, starts_at=start, ends_at=start + timedelta(hours=3))
        db.session.add(event)
        db.session.flush()
        db.session.add(
            TrainingCourse(
                event_id=event.id,
                minutes=180,
                topics=list(db.session.scalars(select(TrainingTopic).where(TrainingTopic.id.in_(topic_ids)))),
            )
        )
        register = Register(
            event_id=event.id,
            title=title,
            kind="training",
            held_from=start,
            held_until=start + timedelta(hours=3),
            minutes=180,
            closes_at=start + timedelta(days=14),
        )
        db.session.add(register)
        db.session.flush()
        for member_id in member_ids:
            db.session.add(
                RegisterEntry(
                    register_id=register.id, member_id=member_id, attended=True, certificate_code=new_certificate_code()
                )
            )
        db.session.commit()


def coming_training(app, organiser, topic_ids: list[int], days_ahead: int, title: str, **fields) -> int:
    event_id = add_event(app, organiser.id, days_ahead=days_ahead, kind="training", title=title, **fields)
    with app.app_context():
        courses.save_course(db.session.get(Event, event_id), 180, "", topic_ids, db.session.get(Member, organiser.id))
        db.session.commit()
    return event_id


def send(app, now: datetime | None = None) -> int:
    """Run the reminders job (at ``now``), then the worker: what it queued goes to the SMTP server."""
    with app.app_context():
        queued = reminders.send_training_reminders(now)
        deliver_due()
    return queued


def reminders_queued(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "training_reminder")
        )


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


def test_a_member_is_reminded_of_training_running_out_with_the_next_training_on_it(
    app, smtp, topics, organiser, make_member
):
    ann = make_member("Ann Carer")
    first_aid_done = done_on(app, 30)
    own_entry(app, ann.id, [topics["First aid"]], first_aid_done)
    own_entry(app, ann.id, [topics["First aid"]], first_aid_done - timedelta(days=400), title="An older course")
    safeguarding_done = done_on(app, 50)
    attended(app, [ann.id], [topics["Safeguarding"]], safeguarding_done)
    online_done = done_on(app, -100)  # ran out 100 days ago: named, as there is a reason to write
    own_entry(app, ann.id, [topics["Online safety"]], online_done, title="Online safety")
    # Ran out years ago, and training that counts for good: neither is named.
    attended(app, [ann.id], [topics["Attachment and trauma"]], today(app) - timedelta(days=3000), title="Trauma")
    cancelled = coming_training(app, organiser, [topics["First aid"]], 3, "Cancelled first aid")
    hidden = coming_training(app, organiser, [topics["First aid"]], 5, "Strategy first aid", visibility="strategy")
    soonest = coming_training(app, organiser, [topics["First aid"]], 10, "Emergency first aid refresher")
    coming_training(app, organiser, [topics["First aid"]], 40, "Later first aid")
    with app.app_context():
        db.session.get(Event, cancelled).status = EventStatus.CANCELLED
        db.session.commit()

    with app.app_context():
        assert "training-reminders" in run_due_jobs()
        deliver_due()
    [mail] = smtp.wait_for(ann.email)
    text, html = text_part(mail), html_part(mail)
    assert mail["Subject"] == "Training to renew: Online safety, First aid and Safeguarding"
    assert f"Online safety: ran out on {runs_out(online_done)}" in text
    assert f"First aid: runs out on {runs_out(first_aid_done)} (last done {format_date(first_aid_done)})" in text
    assert f"Safeguarding: runs out on {runs_out(safeguarding_done)}" in text
    assert text.index("Online safety") < text.index("First aid:") < text.index("Safeguarding:")  # soonest first
    assert "Attachment and trauma" not in text
    assert "Next association training: Emergency first aid refresher" in text
    assert f"/events/{soonest}" in text and f"/events/{soonest}" in html
    assert "Cancelled first aid" not in text and "Strategy first aid" not in text and f"/events/{hidden}" not in text
    assert text.count("No association training on this is planned yet.") == 2  # safeguarding, online safety
    assert any(link.endswith("/training/") for link in links_in(text)) and "/training/" in html
    assert "runs out soon" in text and "at most once a week" in text  # why they get it
    assert "/unsubscribe/" in text and "/account/preferences" in text  # how to stop
    assert "/unsubscribe/" in mail["List-Unsubscribe"] and mail["List-Unsubscribe-Post"]


def test_a_member_going_to_a_training_on_the_topic_is_told_that_one(app, smtp, topics, organiser, make_member):
    eve = make_member("Eve Carer")
    own_entry(app, eve.id, [topics["First aid"]], done_on(app, 20))
    coming_training(app, organiser, [topics["First aid"]], 5, "First aid in May")
    booked = coming_training(app, organiser, [topics["First aid"]], 15, "First aid in June")
    with app.app_context():
        respond(booked, db.session.get(Member, eve.id), True, 1, 0)
    assert send(app) == 1
    [mail] = smtp.wait_for(eve.email)
    assert "You're going to: First aid in June" in text_part(mail) and f"/events/{booked}" in text_part(mail)
    assert "First aid in May" not in text_part(mail)


def test_no_reminder_while_training_is_current_or_counts_for_good_or_only_ran_out(
    app, smtp, topics, organiser, make_member
):
    current = make_member("Cal Current")
    own_entry(app, current.id, [topics["First aid"]], done_on(app, 61))  # one day outside the window
    for_good = make_member("Flo Forgood")
    attended(app, [for_good.id], [topics["Attachment and trauma"]], today(app) - timedelta(days=3 * 365))
    lapsed_topic = make_member("Ray Ranout")
    own_entry(app, lapsed_topic.id, [topics["Safeguarding"]], done_on(app, -5))
    not_came = make_member("Nat Absent")
    attended(app, [not_came.id], [topics["First aid"]], done_on(app, 10))
    with app.app_context():
        db.session.execute(
            RegisterEntry.__table__.update().where(RegisterEntry.member_id == not_came.id).values(attended=False)
        )
        retired = make_member("Rae Retired")
        db.session.get(TrainingTopic, topics["Online safety"]).retired = True
        db.session.commit()
    own_entry(app, retired.id, [topics["Online safety"]], done_on(app, 10))
    coming_training(app, organiser, [topics["First aid"]], 10, "First aid refresher")

    assert send(app) == 0
    assert reminders_queued(app) == 0 and smtp.messages == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TrainingReminder)) == 0


def test_not_twice_in_a_week_and_again_a_week_later(app, smtp, topics, make_member):
    ann = make_member("Ann Carer")
    own_entry(app, ann.id, [topics["First aid"]], done_on(app, 30))
    now = utcnow()
    assert send(app, now) == 1
    assert send(app, now) == 0  # the same day again: the week's reminder is taken
    assert send(app, now + timedelta(days=6)) == 0
    assert len(smtp.wait_for(ann.email)) == 1 and reminders_queued(app) == 1
    later = now + timedelta(days=8)
    assert send(app, later) == 1
    assert len(smtp.wait_for(ann.email, count=2)) == 2
    with app.app_context():
        assert db.session.get(TrainingReminder, ann.id).sent_at == later
    assert send(app, later) == 0 and reminders_queued(app) == 2


def test_a_week_taken_by_another_run_is_not_taken_again(app, smtp, topics, make_member):
    ann, ben = make_member("Ann Carer"), make_member("Ben Carer")
    for member in (ann, ben):
        own_entry(app, member.id, [topics["First aid"]], done_on(app, 30))
    now = utcnow()
    with app.app_context():
        # Another worker reminded Ann yesterday; Ben's row is older than a week.
        db.session.add_all(
            [
                TrainingReminder(member_id=ann.id, sent_at=now - timedelta(days=1)),
                TrainingReminder(member_id=ben.id, sent_at=now - timedelta(days=9)),
            ]
        )
        db.session.commit()
        assert reminders._claim([ann.id, ben.id], now, now - timedelta(days=6)) == {ben.id}
        assert reminders._claim([ann.id, ben.id], now, now - timedelta(days=6)) == set()  # taken: not again
        db.session.rollback()
    assert send(app, now) == 1
    assert smtp.wait_for(ben.email) and smtp.to(ann.email) == []


def test_a_failing_run_claims_nothing_and_queues_nothing(app, smtp, topics, make_member, monkeypatch):
    ann, ben = make_member("Ann Carer"), make_member("Ben Carer")
    for member in (ann, ben):
        own_entry(app, member.id, [topics["First aid"]], done_on(app, 30))
    real = reminders.email_values
    calls = []

    def fails_second_time(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 2:
            raise RuntimeError("the mail template broke")
        return real(*args, **kwargs)

    monkeypatch.setattr(reminders, "email_values", fails_second_time)
    with app.app_context(), pytest.raises(RuntimeError):
        run_due_jobs()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TrainingReminder)) == 0
    assert reminders_queued(app) == 0
    monkeypatch.setattr(reminders, "email_values", real)
    with app.app_context():
        assert "training-reminders" in run_due_jobs()  # the day's run was given back: it runs again
        deliver_due()
    assert smtp.wait_for(ann.email) and smtp.wait_for(ben.email)


def test_opted_out_members_get_none_and_the_unsubscribe_link_turns_reminders_off(app, smtp, topics, make_member):
    ann, ben = make_member("Ann Carer"), make_member("Ben Carer")
    for member in (ann, ben):
        own_entry(app, member.id, [topics["First aid"]], done_on(app, 30))
    client = sign_in(app.test_client(), ann)
    page = client.get("/account/preferences").get_data(as_text=True)
    assert "A reminder when my training needs renewing" in page
    [choice] = re.findall(r'<input[^>]*name="training_reminders"[^>]*>', page)
    assert re.search(r"\bchecked\b", choice)  # on until the member says no
    saved = client.post("/account/preferences", data={"event_reminders": "y", "forum_notifications": "each"})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(MailPreferences, ann.id).training_reminders is False

    now = utcnow()
    assert send(app, now) == 1
    [mail] = smtp.wait_for(ben.email)
    assert smtp.to(ann.email) == []
    [unsubscribe] = [link for link in links_in(text_part(mail)) if "/unsubscribe/" in link]
    path = unsubscribe.split("://", 1)[1].partition("/")[2]
    visitor = app.test_client()
    tampered = visitor.post(f"/{path[:-3]}xyz")
    assert tampered.status_code == 400 and "not valid" in tampered.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(MailPreferences, ben.id) is None  # a bad link changed nothing
    asked = visitor.get(f"/{path}").get_data(as_text=True)
    assert "training reminders" in asked
    assert visitor.post(f"/{path}").status_code == 200
    with app.app_context():
        choices = db.session.get(MailPreferences, ben.id)
        assert choices.training_reminders is False and choices.event_reminders is True  # only this one
    assert send(app, now + timedelta(days=8)) == 0
    assert len(smtp.to(ben.email)) == 1


def test_lapsed_suspended_and_erased_members_get_none(app, smtp, topics, make_member):
    lapsed = make_member("Lee Lapsed", status="lapsed")
    suspended = make_member("Sue Suspended", status="suspended")
    erased = make_member("Ed Erased")
    admin = make_member("Alex Admin", roles=["admin"])
    attended(app, [lapsed.id, suspended.id, erased.id], [topics["First aid"]], done_on(app, 30))
    with app.app_context():
        erase_member(db.session.get(Member, erased.id), db.session.get(Member, admin.id))
    assert send(app) == 0
    assert reminders_queued(app) == 0 and smtp.messages == []


def test_erasure_forgets_when_a_member_was_reminded(app, smtp, topics, make_member):
    ann = make_member("Ann Carer")
    admin = make_member("Alex Admin", roles=["admin"])
    own_entry(app, ann.id, [topics["First aid"]], done_on(app, 30))
    assert send(app) == 1
    with app.app_context():
        assert db.session.get(TrainingReminder, ann.id) is not None
        erase_member(db.session.get(Member, ann.id), db.session.get(Member, admin.id))
        assert db.session.get(TrainingReminder, ann.id) is None


def test_the_own_data_download_says_when_the_member_was_last_reminded(app, smtp, topics, make_member):
    ann = make_member("Ann Carer")
    own_entry(app, ann.id, [topics["First aid"]], done_on(app, 30))
    client = sign_in(app.test_client(), ann)
    assert client.get("/account/export.json").get_json()["last_training_reminder"] is None
    now = utcnow()
    send(app, now)
    assert client.get("/account/export.json").get_json()["last_training_reminder"] == now.isoformat()


def _due_members(app, make_member, topics, count: int, start: int) -> None:
    """``count`` members, each with first aid running out soon (own entries and association training)."""
    ids = [make_member(f"Carer {start + n}").id for n in range(count)]
    for member_id in ids:
        own_entry(app, member_id, [topics["First aid"], topics["Online safety"]], done_on(app, 20))
    attended(app, ids, [topics["Safeguarding"], topics["First aid"]], done_on(app, 40), title=f"Safeguarding {start}")


def test_the_job_runs_a_fixed_number_of_statements_however_many_members(app, smtp, topics, organiser, make_member):
    coming_training(app, organiser, [topics["First aid"]], 10, "First aid refresher")
    coming_training(app, organiser, [topics["Safeguarding"]], 12, "Safeguarding update")
    _due_members(app, make_member, topics, 2, 0)
    with count_queries(app) as small, app.app_context():
        assert reminders.send_training_reminders() == 2
    _due_members(app, make_member, topics, 40, 100)
    with count_queries(app) as large, app.app_context():
        assert reminders.send_training_reminders() == 40  # the first two were reminded this week
    assert small[0] == large[0], (small[0], large[0])
    assert reminders_queued(app) == 42
