"""Issue 12 on a phone: a pack whose wording gives a phone number can't be confirmed; a strategy
member reviews it with a reason (an empty one is refused); the confirmation page then shows each
person from the service, the email and the pack; a double click on it issues one version. The
confirmation and triage pages pass axe and fit 390 px without sideways scrolling."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from association.extensions import db
from association.strategy.meetings import Attendee
from association.strategy.models import PackVersion
from tests.support import add_member

from ..strategy.helpers import ATTENDEE, add_item, add_meeting
from .support import PHONE, assert_accessible, deliver, sign_in

pytestmark = pytest.mark.browser

WORDING = "Mileage for family time is paid 3+ months late; ring the carer on 07700 900123 for the details."
REASON = "The number is the service's own finance line, printed on every remittance slip."
# A long address and title: the page must wrap them on a phone rather than scroll sideways.
SECOND = Attendee(
    "Samira Reid-Okonkwo",
    "Head of children's services and corporate parenting",
    "samira.reid-okonkwo.head-of-service@fostering-service.example.org.uk",
)


def fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width}px wide"


def test_a_pack_is_confirmed_showing_who_gets_what_and_issued_once(live_app, smtp, page):
    app, url = live_app.app, live_app.url
    meeting_id = add_meeting(app, days_ahead=20, attendees=[ATTENDEE, SECOND])
    jo = add_member(app, "Jo Carer")
    strategist = add_member(app, "Stella Strategy", roles=["strategy"])
    add_item(app, jo.id, WORDING, meeting_id=meeting_id, strategist_id=strategist.id)
    sign_in(page, url, strategist.email, strategist.password)

    # The pack's button leads to the confirmation page, which refuses while the number is there.
    page.goto(f"{url}/strategy/meetings/{meeting_id}/pack")
    page.get_by_role("link", name="Issue pack to the service").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Issue the pack to the service")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("1 item may identify someone")
    expect(alert.locator("mark")).to_have_text("07700 900123")
    expect(page.get_by_role("button", name=re.compile("^Issue version"))).to_have_count(0)
    expect(page.locator("main")).to_contain_text("This pack can't be issued yet.")
    assert_accessible(page)
    fits_the_phone(page)

    # Review it on its triage page: a reason is needed.
    alert.get_by_role("link", name=re.compile("^Reword or review it")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Triage an item")
    expect(page.get_by_role("alert").locator("mark")).to_have_text("07700 900123")
    assert_accessible(page)
    fits_the_phone(page)
    page.get_by_role("button", name="Mark reviewed: it identifies nobody").click()
    # Refused beside the field, on the same page (not a banner after a redirect).
    reason = page.get_by_label("Why it identifies nobody")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason.locator("xpath=ancestor::div[contains(@class, 'field')][1]").locator(".field-error")).to_contain_text(
        "Say why the wording identifies nobody"
    )
    assert_accessible(page)
    reason.fill(REASON)
    page.get_by_role("button", name="Mark reviewed: it identifies nobody").click()
    expect(page.locator(".flash")).to_contain_text("Marked as reviewed")
    expect(page.locator("main")).to_contain_text("Stella Strategy reviewed it on")
    expect(page.locator("main")).to_contain_text(REASON)
    assert_accessible(page)

    # Now the confirmation page shows each person, the email and the pack, and can be confirmed.
    page.goto(f"{url}/strategy/meetings/{meeting_id}/issue")
    main = page.locator("main")
    for person in (ATTENDEE, SECOND):
        for text in (person.name, person.role, person.email):
            expect(main.locator(".strategy-recipients")).to_contain_text(text)
    expect(main).to_contain_text("Carers' feedback pack for our meeting on")
    expect(main).to_contain_text("Here is the carers' feedback pack")
    expect(main).to_contain_text("Version 1")
    expect(main).to_contain_text("1 wording reviewed by the strategy group")
    expect(page.get_by_role("link", name="Read the pack as it will be sent")).to_be_visible()
    assert_accessible(page)
    fits_the_phone(page)

    # A double click issues one version.
    page.get_by_role("button", name="Issue version 1 to 2 people").dblclick()
    expect(page.locator(".flash").first).to_contain_text(
        re.compile("Version 1 issued and emailed to 2 people|Version 1 has already been issued")
    )
    expect(page).to_have_url(f"{url}/strategy/meetings/{meeting_id}/pack")
    assert_accessible(page)
    with app.app_context():
        versions = list(db.session.scalars(select(PackVersion).where(PackVersion.meeting_id == meeting_id)))
        assert [v.version for v in versions] == [1]
        assert "1 wording reviewed by the strategy group" in versions[0].html
    deliver(app)
    for person in (ATTENDEE, SECOND):
        assert len(smtp.wait_for(person.email)) == 1
