"""The admin dashboard's counts (admin/dashboard.py): applications waiting, renewals due, failed mail.

The count of applications was passed to the page as ``waiting``, which base.html also sets (the
menu's counts): the card read "{'applications': 1} applications waiting for a decision"."""

from __future__ import annotations

from datetime import timedelta

from association.admin.dashboard import DashboardCounts, dashboard_counts
from association.core.timefmt import local_today
from association.extensions import db
from association.mail.models import OutboxMessage
from association.mail.outbox import queue_email
from association.members.models import Member


def test_the_dashboard_counts_what_needs_attention(app, admin_client, make_member):
    client, _ = admin_client
    with app.app_context():
        today = local_today()
    make_member("Wendy Waiting", status="applicant")
    make_member("Dora Due", renewal_date=today + timedelta(days=3))
    make_member("Larry Later", renewal_date=today + timedelta(days=300))
    with app.app_context():
        assert dashboard_counts() == DashboardCounts(waiting=1, renewals_due=1, failed_mail=0)
        queue_email(db.session.get(Member, make_member("Fay Failed").id).email, "Hello", "password_reset")
        db.session.flush()
        db.session.query(OutboxMessage).update({"status": "failed"})
        db.session.commit()
        assert dashboard_counts().failed_mail == 1
    page = client.get("/admin/").get_data(as_text=True)
    assert "1 application waiting" in page and "1 member due for renewal" in page and "1 email failed" in page
