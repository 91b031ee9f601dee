"""Deliberate sends on a phone: a committee member is warned about a phone number in an email, sees
who gets it on the confirmation page, sends it, schedules another, and stops a third part-way; an
organiser is warned about an event's wording and saves it anyway. Every page passes axe and fits
390 px without scrolling sideways."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.support import PASSWORD, add_member

from ..smtp import text_part
from .support import assert_accessible, deliver, sign_in

pytestmark = pytest.mark.browser


def check_page(page: Page) -> None:
    """axe finds nothing serious, and nothing is wider than the phone."""
    assert_accessible(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} px wide"


def write(page: Page, url: str, subject: str, body: str) -> None:
    page.goto(f"{url}/admin/mail/new")
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("Message").fill(body)
    page.get_by_label("Send to").select_option("role")
    page.get_by_label("Role").select_option("strategy")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("will get this email")).to_be_visible()


def test_sending_is_confirmed_and_can_be_stopped(live_app, smtp, new_page):
    app, url = live_app.app, live_app.url
    writer = add_member(app, "Cath Committee", roles=["committee"])
    carers = [add_member(app, name, roles=["strategy"]) for name in ("Jo Carer", "Sam Carer")]
    page = new_page()
    sign_in(page, url, writer.email, PASSWORD)

    # 1. Warned on the review page, confirmed on the next.
    write(
        page,
        url,
        "Respite evening, {{ first_name }}",
        "Hello {{ first_name }}, a long line to test wrapping: "
        "https://example.org/a/very/long/address/that/does/not/break/easily/anywhere/at/all and "
        "ring me on 07700 900123 to book.",
    )
    expect(page.get_by_role("heading", name="Check before sending: this may identify someone")).to_be_visible()
    expect(page.locator("mark", has_text="07700 900123").first).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Send now…").click()
    expect(page.get_by_role("heading", name="Send this email now?")).to_be_visible()
    expect(page.get_by_text("Jo Carer")).to_be_visible()  # two people: the list is open
    expect(page.get_by_role("heading", name="This may identify someone")).to_be_visible()
    check_page(page)
    page.get_by_text("The message as you would get it").click()
    check_page(page)
    page.get_by_role("link", name="See all 2 members with their email addresses").click()
    expect(page.get_by_role("cell", name=carers[0].email)).to_be_visible()
    check_page(page)
    page.go_back()
    page.get_by_role("button", name="Send anyway to 2 members").click()
    expect(page.get_by_text("Sending to 2 members now.")).to_be_visible()
    check_page(page)
    deliver(app)
    [message] = smtp.wait_for(carers[0].email)
    assert message["Subject"] == "Respite evening, Jo" and "07700 900123" in text_part(message)

    # 2. A schedule is confirmed too.
    write(page, url, "Pack meeting", "The pack goes out **on Friday**.")
    day = date.today() + timedelta(days=5)
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Time").fill("10:30")
    page.get_by_role("button", name="Schedule…").click()
    expect(page.get_by_role("heading", name="Schedule this email?")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Schedule for 2 members").click()
    expect(page.get_by_text("Scheduled. You can change your mind until then.")).to_be_visible()
    check_page(page)

    # 3. Sent, then stopped before the worker ran: nothing goes.
    write(page, url, "Oops, wrong group", "This was meant for the committee.")
    page.get_by_role("link", name="Send now…").click()
    page.get_by_role("button", name="Send now to 2 members").click()
    expect(page.get_by_text("2 messages are not sent yet.")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Cancel the rest of this email").click()
    expect(page.get_by_text("Cancelled. 2 messages withdrawn and never sent; 0 already sent.")).to_be_visible()
    check_page(page)
    page.goto(f"{url}/admin/mail/")
    expect(page.get_by_text("2 withdrawn, never sent")).to_be_visible()
    check_page(page)
    deliver(app)
    assert [m["Subject"] for m in smtp.to(carers[1].email)] == ["Respite evening, Sam"]


def test_an_organiser_is_warned_and_saves_anyway(live_app, smtp, new_page):
    app, url = live_app.app, live_app.url
    organiser = add_member(app, "Olu Organiser", roles=["committee"])
    page = new_page()
    sign_in(page, url, organiser.email, PASSWORD)
    page.goto(f"{url}/events/new")
    page.get_by_label("Title").fill("Coffee at the Oak Hall")
    page.get_by_label("Kind of event").select_option("social")  # no silent default (issue 13)
    page.get_by_label("Description").fill("The hall's office is on 01234 567890 if you get lost.")
    page.get_by_label("Date", exact=True).fill((date.today() + timedelta(days=9)).isoformat())
    page.get_by_label("Starts at").fill("10:00")
    page.get_by_label("Ends at").fill("12:00")
    page.get_by_role("button", name="Save event").click()
    expect(page.get_by_role("heading", name="Not saved yet: this may identify someone")).to_be_visible()
    expect(page.locator("mark", has_text="01234 567890")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Save anyway").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Coffee at the Oak Hall")
    check_page(page)
