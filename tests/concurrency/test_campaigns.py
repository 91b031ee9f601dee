"""A campaign sent by 30 simultaneous clicks is queued once: one message per member, and its
counts equal the messages."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from association.campaigns.models import Campaign
from association.campaigns.queueing import Draft, save_draft
from association.extensions import db
from association.mail.models import OutboxMessage
from association.members.models import Member

from .support import CROWD, at_once, no_server_errors


def test_thirty_clicks_on_send_at_once_queue_the_campaign_once(live):
    with live.app.app_context():
        campaign = save_draft(
            Draft(subject="Summer picnic", body_markdown="Hello {{ first_name }}!", topic="news", audience="active"),
            db.session.get(Member, live.admin.id),
        )
        campaign_id, version = campaign.id, campaign.edit_version
    admin = live.admin.browser
    # What the confirmation page carries back: the version and the fingerprint of its recipients.
    page = admin.get(f"/admin/mail/{campaign_id}/send").body
    form = page[page.index(f'action="/admin/mail/{campaign_id}/send"') :]
    fields = dict(
        re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form[: form.index("</form>")])
    )
    assert fields.get("edit_version") == str(version) and fields.get("recipients"), fields
    replies = at_once(*[lambda: admin.post(f"/admin/mail/{campaign_id}/send", fields)] * CROWD)
    no_server_errors(replies)
    # One click sends; the others find it already sent (told so on the review page) or find the page
    # they confirmed outdated (shown it again, 409): none sends a second time.
    assert all(r.status in (302, 409) for r in replies), [r.status for r in replies]
    with live.app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        queued = db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.campaign_id == campaign_id)
        )
        addresses = db.session.scalar(
            select(func.count(func.distinct(OutboxMessage.to_address))).where(OutboxMessage.campaign_id == campaign_id)
        )
        assert campaign.status == "queued"
        assert queued == addresses == campaign.recipient_count >= CROWD
