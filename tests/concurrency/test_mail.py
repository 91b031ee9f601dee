"""A campaign sent by 30 simultaneous clicks is queued once: one message per member, and its
counts equal the messages."""
from __future__ import annotations

from sqlalchemy import func, select

from association.extensions import db
from association.mail.campaigns import Draft, save_draft
from association.mail.models import Campaign, OutboxMessage
from association.members.models import Member

from .conftest import CROWD, at_once, no_server_errors


def test_thirty_clicks_on_send_at_once_queue_the_campaign_once(live):
    with live.app.app_context():
        campaign = save_draft(Draft(subject="Summer picnic", body_markdown="Hello {{ first_name }}!",
                                    topic="news", audience="active"), db.session.get(Member, live.admin.id))
        campaign_id, version = campaign.id, campaign.edit_version
    admin = live.admin.browser
    replies = at_once(*[lambda: admin.post(f"/admin/mail/{campaign_id}/send", {"edit_version": version})] * CROWD)
    no_server_errors(replies)
    assert all(r.status == 302 for r in replies), [r.status for r in replies]
    with live.app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        queued = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                   .where(OutboxMessage.campaign_id == campaign_id))
        addresses = db.session.scalar(select(func.count(func.distinct(OutboxMessage.to_address)))
                                      .where(OutboxMessage.campaign_id == campaign_id))
        assert campaign.status == "queued"
        assert queued == addresses == campaign.recipient_count >= CROWD
