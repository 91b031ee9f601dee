"""A committee member writes to the strategy group on a phone; a carer unsubscribes from the email.

Every page on the way must pass axe; the email is read at the real SMTP server."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.support import PASSWORD, add_member

from ..smtp import text_part
from .support import assert_accessible, deliver, sign_in

pytestmark = pytest.mark.browser


def test_committee_writes_to_a_group_and_a_carer_unsubscribes(live_app, smtp, new_page):
    app, url = live_app.app, live_app.url
    writer = add_member(app, "Cath Committee", roles=["committee"])
    carer = add_member(app, "Jo Carer", roles=["strategy"])
    add_member(app, "Olive Outsider")
    page = new_page()
    sign_in(page, url, writer.email, PASSWORD)

    page.goto(f"{url}/admin/mail/")
    assert_accessible(page)
    page.get_by_role("link", name="Write an email").click()
    assert_accessible(page)
    page.get_by_label("Subject").fill("Pack meeting, {{ first_name }}")
    page.get_by_label("Message").fill("Hello {{ nickname }}")
    page.get_by_label("Send to").select_option("role")
    page.get_by_label("Role").select_option("strategy")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("{{ nickname }} is not a merge field we know").first).to_be_visible()
    assert_accessible(page)  # the error summary and the field error
    page.get_by_label("Message").fill("Hello {{ first_name }}, the pack goes out **on Friday**.")
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_text("will get this email")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Send now…").click()
    expect(page.get_by_role("heading", name="Send this email now?")).to_be_visible()
    page.get_by_role("button", name="Send now to 1 member").click()
    expect(page.get_by_text("Sending to 1 member now.")).to_be_visible()
    assert_accessible(page)
    deliver(app)

    [message] = smtp.wait_for(carer.email)
    assert message["Subject"] == "Pack meeting, Jo"
    assert "Hello Jo, the pack goes out **on Friday**." in text_part(message)
    unsubscribe = message["List-Unsubscribe"].strip().strip("<>")

    reader = new_page()  # the carer, not signed in, follows the header's link
    reader.goto(f"{url}{urlsplit(unsubscribe).path}")
    assert_accessible(reader)
    reader.get_by_role("button", name="Unsubscribe").click()
    expect(reader.get_by_role("heading", name="You're unsubscribed")).to_be_visible()
    assert_accessible(reader)

    page.goto(f"{url}/admin/mail/")
    expect(page.get_by_role("link", name="Pack meeting, {{ first_name }}")).to_be_visible()
