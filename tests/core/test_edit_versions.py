"""Two people editing the same event, feedback item or email: the second save is stopped, not lost.

Each case fills the real edit page twice (two admins), saves the first, then saves the second
from its now stale page: the second sees both values and nothing of theirs is written. A campaign
changed after someone opened its review page is not sent as they last saw it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from association.campaigns.models import Campaign
from association.events.models import Event
from association.extensions import db
from association.mail.models import OutboxMessage
from association.strategy.models import FeedbackItem
from tests.events.helpers import add_event
from tests.strategy.helpers import add_item
from tests.support import sign_in


class _FormValues(HTMLParser):
    """The values a browser would submit from the form posting to ``action``."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.values, self._select, self._textarea = action, False, {}, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action", "").endswith(self.action)
        elif not self.inside:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.values.setdefault(a["name"], []).append(a.get("value", "y"))
            else:
                self.values[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_values(client, page: str, action: str) -> dict:
    parser = _FormValues(action)
    parser.feed(client.get(page).get_data(as_text=True))
    assert parser.values, f"no form posting to {action} on {page}"
    return {k: v.lstrip("\n") if isinstance(v, str) else v for k, v in parser.values.items()}


def _event(app, admin):
    event_id = add_event(app, admin.id, title="Coffee morning")
    return f"/events/{event_id}/edit", "title", (Event, event_id, "title")


def _item(app, admin):
    item_id = add_item(app, admin.id)
    return f"/strategy/items/{item_id}/triage", "pack_wording", (FeedbackItem, item_id, "pack_wording")


def _campaign(app, admin, client):
    response = client.post(
        "/admin/mail/new", data={"subject": "Summer social", "body": "Hello!", "topic": "news", "audience": "active"}
    )
    campaign_id = int(re.search(r"/admin/mail/(\d+)", response.headers["Location"]).group(1))
    return f"/admin/mail/{campaign_id}/edit", "subject", (Campaign, campaign_id, "subject")


@pytest.mark.parametrize("kind", ["event", "feedback item", "campaign"])
def test_a_second_save_from_a_stale_page_shows_both_and_keeps_the_first(app, make_member, kind):
    first, second = make_member("Alex Admin", roles=["admin"]), make_member("Bo Admin", roles=["admin"])
    one, two = sign_in(app.test_client(), first), sign_in(app.test_client(), second)
    if kind == "event":
        page, field, (model, row_id, column) = _event(app, first)
    elif kind == "feedback item":
        page, field, (model, row_id, column) = _item(app, first)
    else:
        page, field, (model, row_id, column) = _campaign(app, first, one)

    mine, theirs = form_values(one, page, page), form_values(two, page, page)
    assert mine["edit_version"] == theirs["edit_version"] != ""
    assert one.post(page, data={**mine, field: "First save wins"}).status_code == 302
    clash = two.post(page, data={**theirs, field: "Second save from an old page"})
    body = clash.get_data(as_text=True)
    assert clash.status_code == 200, body[:500]
    assert "Someone changed this while you were editing" in body
    assert "Saved now: First save wins" in body and "Yours: Second save from an old page" in body
    with app.app_context():
        assert getattr(db.session.get(model, row_id), column) == "First save wins"

    # The page that showed the clash carries the new version: saving again is deliberate and works.
    again = form_values(two, page, page) | {field: "Second, on purpose"}
    again["edit_version"] = re.search(r'name="edit_version"[^>]*value="(\d+)"', body).group(1)
    assert two.post(page, data=again).status_code == 302
    with app.app_context():
        assert getattr(db.session.get(model, row_id), column) == "Second, on purpose"


def test_an_email_changed_after_its_confirmation_page_was_opened_is_not_sent(app, make_member):
    first, second = make_member("Alex Admin", roles=["admin"]), make_member("Bo Admin", roles=["admin"])
    one, two = sign_in(app.test_client(), first), sign_in(app.test_client(), second)
    page, _field, (_model, campaign_id, _column) = _campaign(app, first, one)
    confirm = f"/admin/mail/{campaign_id}/send"  # the confirmation page posts to itself
    seen = form_values(two, confirm, confirm)

    assert one.post(page, data=form_values(one, page, page) | {"body": "Changed: the social moved"}).status_code == 302
    refused = two.post(confirm, data=seen, follow_redirects=True)
    assert refused.status_code == 409 and "changed after you opened this page" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert db.session.get(Campaign, campaign_id).status == "draft"

    sent = two.post(confirm, data=form_values(two, confirm, confirm), follow_redirects=True)
    assert "Sending to" in sent.get_data(as_text=True)
