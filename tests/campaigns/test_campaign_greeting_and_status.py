"""Campaigns greet once, as the sender chose in the editor, and read "Sent" once every message has
gone (issue 13, items 20 and 21)."""

from __future__ import annotations

import re

import pytest

from association.campaigns.models import Campaign
from association.extensions import db
from tests.smtp import html_part, text_part
from tests.support import count_queries

from .test_campaigns import _campaign_id, _compose, _deliver, send

GREETING_BOX = re.compile(r'<input[^>]*name="greeting"[^>]*>')


def _greetings(text: str) -> int:
    return len(re.findall(r"Hello Jo,", text))


@pytest.mark.parametrize(
    "greeting, body, expected",
    [
        ("y", "Hello {{ first_name }}, see you on Saturday.", 1),  # the body greets: not added again
        ("y", "See you on Saturday.", 1),  # the box greets
        ("", "See you on Saturday.", 0),  # no greeting asked for
        ("", "Hello {{ first_name }}, see you on Saturday.", 1),
    ],
)
def test_a_campaign_greets_once_as_the_sender_chose(app, smtp, admin_client, make_member, greeting, body, expected):
    client, _ = admin_client
    jo = make_member("Jo Carer")
    fields = {"body": body, **({"greeting": greeting} if greeting else {})}
    campaign_id = _campaign_id(_compose(client, **fields))
    confirm = client.get(f"/admin/mail/{campaign_id}/send").get_data(as_text=True)
    assert _greetings(confirm.replace("Hello Alex,", "Hello Jo,")) == expected  # the preview is the sender's copy
    send(client, campaign_id)
    _deliver(app)
    [message] = smtp.to(jo.email)
    assert _greetings(text_part(message)) == expected
    assert _greetings(html_part(message)) == expected


def test_the_greeting_is_a_box_in_the_editor_ticked_for_a_new_email_and_kept_when_changed(app, admin_client):
    client, _ = admin_client
    page = client.get("/admin/mail/new").get_data(as_text=True)
    [box] = GREETING_BOX.findall(page)
    assert "checked" in box and "Start with “Hello {first name},”" in page
    campaign_id = _campaign_id(_compose(client, body="See you on Saturday."))  # box left unticked
    [box] = GREETING_BOX.findall(client.get(f"/admin/mail/{campaign_id}/edit").get_data(as_text=True))
    assert "checked" not in box
    client.post(
        f"/admin/mail/{campaign_id}/edit",
        data={
            "subject": "Summer social",
            "body": "See you",
            "topic": "news",
            "audience": "active",
            "greeting": "y",
            "edit_version": "1",
        },
    )
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).greeting is True


def _status(client, campaign_id: int) -> tuple[str, str]:
    history = client.get("/admin/mail/").get_data(as_text=True)
    row = history.split(f'/admin/mail/{campaign_id}"', 1)[1].split("</tr>", 1)[0]
    review = client.get(f"/admin/mail/{campaign_id}").get_data(as_text=True)
    lead = review.split('class="lead"', 1)[1].split("</p>", 1)[0]
    words = re.compile(r'class="badge badge-status-\w+">([^<]+)<')
    return words.search(row).group(1), words.search(lead).group(1)


def test_a_campaign_reads_sending_then_sent_once_every_message_has_gone(app, smtp, admin_client, make_member):
    client, _ = admin_client
    for i in range(4):
        make_member(f"Carer Number{i}")
    campaign_id = _campaign_id(_compose(client))
    send(client, campaign_id)
    assert _status(client, campaign_id) == ("Sending", "Sending")
    _deliver(app)
    assert _status(client, campaign_id) == ("Sent", "Sent")
    # The history page costs the same however many campaigns and messages there are.
    with count_queries(app) as one:
        client.get("/admin/mail/")
    for _ in range(3):
        send(client, _campaign_id(_compose(client)))
    _deliver(app)
    with count_queries(app) as many:
        client.get("/admin/mail/")
    assert many[0] == one[0]
