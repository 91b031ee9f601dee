"""Membership renewals: a reminder before the date, lapsed after a grace period."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from ..admin.audit import record
from ..core.timefmt import local_today
from ..extensions import db
from ..mail.jobs import daily_job
from ..mail.outbox import external_url, queue_email
from .models import Member


@daily_job("membership-renewals")
def run_renewals() -> dict[str, int]:
    """Send due reminders and mark overdue members lapsed; commits once for the whole run."""
    today = local_today()
    remind_by = today + timedelta(days=current_app.config["RENEWAL_REMINDER_DAYS"])
    lapse_before = today - timedelta(days=current_app.config["RENEWAL_GRACE_DAYS"])

    reminded = 0
    for member in db.session.scalars(
        select(Member).where(
            Member.status == "active", Member.renewal_date.is_not(None),
            Member.renewal_date <= remind_by, Member.renewal_date >= lapse_before,
        )
    ):
        if member.renewal_reminder_sent_for == member.renewal_date:
            continue
        queue_email(member.email, "Time to renew your membership", "renewal_reminder", member=member,
                    renewal_date=member.renewal_date, overdue=member.renewal_date < today,
                    grace_days=current_app.config["RENEWAL_GRACE_DAYS"],
                    account_url=external_url("members.account"))
        member.renewal_reminder_sent_for = member.renewal_date
        reminded += 1

    lapsed = 0
    for member in db.session.scalars(
        select(Member).where(Member.status == "active", Member.renewal_date < lapse_before)
    ):
        member.status = "lapsed"
        record("member.status", member, "active → lapsed: renewal overdue", actor=None)
        queue_email(member.email, "Your membership has lapsed", "membership_lapsed", member=member,
                    renewal_date=member.renewal_date)
        lapsed += 1
    db.session.commit()
    return {"reminded": reminded, "lapsed": lapsed}
