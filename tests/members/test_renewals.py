"""The daily renewal job: a reminder before the date, lapsed after the grace period."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from association.core.timefmt import local_today
from association.extensions import db
from association.mail.jobs import run_due_jobs
from association.mail.models import JobRun
from association.mail.worker import deliver_due
from association.members.models import Member
from tests.smtp import text_part


def test_reminders_then_lapse_once_a_day(app, smtp, make_member):
    with app.app_context():
        today = local_today()
    due_soon = make_member("Dee Soon", renewal_date=today + timedelta(days=10))
    far_off = make_member("Far Off", renewal_date=today + timedelta(days=200))
    overdue = make_member("Owen Overdue", renewal_date=today - timedelta(days=40))
    in_grace = make_member("Grace Period", renewal_date=today - timedelta(days=5))
    with app.app_context():
        assert "membership-renewals" in run_due_jobs()
        assert run_due_jobs() == []  # once a day, however many workers ask
        status = {m.name: m.status for m in db.session.scalars(select(Member))}
        deliver_due()
    assert status == {"Dee Soon": "active", "Far Off": "active", "Owen Overdue": "lapsed", "Grace Period": "active"}
    assert "renew" in text_part(smtp.wait_for(due_soon.email)[0]).lower()
    assert "lapsed" in text_part(smtp.wait_for(overdue.email)[0]).lower()
    assert len(smtp.wait_for(in_grace.email)) == 1
    assert smtp.to(far_off.email) == []
    # Tomorrow's run does not remind the same people again for the same date.
    with app.app_context():
        db.session.get(JobRun, "membership-renewals").last_run_on = today - timedelta(days=1)
        db.session.commit()
        assert run_due_jobs() == ["membership-renewals"]  # the only job given back its day
        deliver_due()
    assert len(smtp.to(due_soon.email)) == 1


def test_a_failing_job_gives_its_day_back(app, monkeypatch):
    from association.members import renewals

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(renewals, "run_renewals", broken)  # members list the job by this name when asked
    with app.app_context():
        try:
            run_due_jobs()
        except RuntimeError:
            pass
        assert db.session.get(JobRun, "membership-renewals").last_run_on < local_today()
