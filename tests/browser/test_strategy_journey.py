"""A carer raises an anonymous issue naming a child, on phones: the strategy group merges a duplicate
into it, can't issue the pack until the name is gone, then issues it; another carer says it affects
them too; the service gets the PDF by email; the response reaches the carer and "You said, we did"
without her name. Every page must pass axe."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from association.core.database import utcnow
from association.extensions import db
from association.members.models import Member
from association.strategy.items import NewItem, raise_item
from association.strategy.models import ServiceMeeting
from tests.support import add_member

from ..strategy.helpers import ATTENDEE, add_meeting, add_theme
from .support import assert_accessible, deliver, sign_in

pytestmark = pytest.mark.browser

NAMED = "Calls to the duty team go unanswered after 3pm; my foster son Jamie waited all weekend"
CLEAN = "Calls to the duty team go unanswered after 3pm; a child waited all weekend for a call back"
DUPLICATE = "The duty team never rings back"
RESPONSE = "We'll set up a back-up duty line"
ACTION = "Run a back-up duty line after 3pm"


def flash(page):
    return page.locator(".flash")


def test_an_issue_naming_a_child_is_rewritten_before_the_pack_goes_to_the_service(live_app, smtp, new_page):
    app, url = live_app.app, live_app.url
    theme_id = add_theme(app)
    meeting_id = add_meeting(app, days_ahead=20)
    jo = add_member(app, "Jo Carer")
    sam = add_member(app, "Sam Other")
    strategist = add_member(app, "Stella Strategy", roles=["strategy"])
    with app.app_context():
        duplicate_id = raise_item(
            NewItem(kind="issue", what_happened=DUPLICATE, anonymous=True), db.session.get(Member, sam.id)
        ).id
    jo_page, sam_page, sg_page = new_page(), new_page(), new_page()

    # Jo raises an anonymous issue; her words name a child.
    sign_in(jo_page, url, jo.email, jo.password)
    jo_page.goto(f"{url}/strategy/items/new")
    expect(jo_page.get_by_role("heading", level=1)).to_have_text("Raise something with the strategy group")
    assert_accessible(jo_page)
    jo_page.get_by_label("Issue", exact=True).check()
    jo_page.get_by_label("What happened?").fill(NAMED)
    jo_page.get_by_label("Nobody, not even the strategy group (anonymous)").check()
    jo_page.get_by_role("button", name="Send to the strategy group").click()
    expect(flash(jo_page)).to_contain_text("Thank you. The strategy group will look at it")
    expect(jo_page).to_have_url(re.compile(rf"{re.escape(url)}/strategy/items/\d+$"))
    item_id = int(jo_page.url.rsplit("/", 1)[1])
    expect(jo_page.locator("main")).to_contain_text("You raised this anonymously")
    assert_accessible(jo_page)

    # Until it is rewritten, other members don't see it; they do see Sam's clean duplicate.
    sign_in(sam_page, url, sam.email, sam.password)
    sam_page.goto(f"{url}/strategy/items")
    listed = sam_page.locator("ul.strategy-list")
    expect(listed).to_contain_text(DUPLICATE)
    expect(listed).not_to_contain_text("Jamie")
    assert_accessible(sam_page)

    # The strategy group merges Sam's duplicate into Jo's item.
    sign_in(sg_page, url, strategist.email, strategist.password)
    sg_page.goto(f"{url}/strategy/items/{duplicate_id}/triage")
    expect(sg_page.get_by_role("heading", level=1)).to_have_text("Triage an item")
    assert_accessible(sg_page)
    sg_page.get_by_label("Merge into").select_option(str(item_id))
    sg_page.get_by_role("button", name="Merge").click()
    expect(flash(sg_page)).to_contain_text("Merged.")
    expect(sg_page).to_have_url(f"{url}/strategy/items/{item_id}/triage")
    expect(sg_page.locator("main")).to_contain_text("Raised by 2 carers")
    expect(sg_page.get_by_role("alert").filter(has_text="may identify someone")).to_contain_text("Jamie")
    assert_accessible(sg_page)

    # On Jo's item: a theme and the meeting, keeping the wording with the name in it.
    sg_page.get_by_label("Theme").select_option(str(theme_id))
    sg_page.get_by_label("For the meeting on").select_option(str(meeting_id))
    expect(sg_page.get_by_label("Wording for the pack")).to_have_value(NAMED)
    sg_page.get_by_role("button", name="Save", exact=True).click()
    expect(flash(sg_page)).to_contain_text("Saved.")
    assert_accessible(sg_page)

    # The pack can't be issued while the wording may identify the child.
    sg_page.goto(f"{url}/strategy/meetings/{meeting_id}/pack")
    expect(sg_page.get_by_role("heading", level=1)).to_contain_text("Pack for the meeting on")
    expect(sg_page.locator("main")).to_contain_text("Raised by 2 carers")
    assert_accessible(sg_page)
    sg_page.get_by_role("link", name="Issue pack to the service").click()
    expect(sg_page.get_by_role("heading", level=1)).to_have_text("Issue the pack to the service")
    expect(sg_page.get_by_role("alert")).to_contain_text("1 item may identify someone")
    expect(sg_page.get_by_role("button", name=re.compile("^Issue version"))).to_have_count(0)
    assert_accessible(sg_page)
    sg_page.goto(f"{url}/strategy/meetings/{meeting_id}/pack")
    expect(sg_page.locator("main")).to_contain_text("Not issued yet.")

    # Back to triage: rewrite the wording without the name.
    sg_page.get_by_role("link", name=re.compile(rf"^Check it\s*: item {item_id}$")).click()
    expect(sg_page).to_have_url(f"{url}/strategy/items/{item_id}/triage")
    sg_page.get_by_label("Wording for the pack").fill(CLEAN)
    sg_page.get_by_role("button", name="Save", exact=True).click()
    expect(flash(sg_page)).to_contain_text("Saved.")
    expect(sg_page.get_by_role("alert").filter(has_text="may identify someone")).to_have_count(0)
    assert_accessible(sg_page)

    # Now Sam finds it, by its new words, and says it affects him too. (Before issuing: once the pack
    # is issued the item is "raised", which open_items_for_members() leaves out.)
    sam_page.goto(f"{url}/strategy/items")
    listed = sam_page.locator("ul.strategy-list")
    expect(listed).to_contain_text(CLEAN)
    expect(listed).not_to_contain_text("Jamie")
    expect(listed).not_to_contain_text(DUPLICATE)
    assert_accessible(sam_page)
    sam_page.locator("li.strategy-card", has_text=CLEAN).get_by_role("link", name=re.compile("^Read it")).click()
    expect(sam_page).to_have_url(f"{url}/strategy/items/{item_id}")
    sam_page.get_by_role("button", name="This affects me too").click()
    expect(flash(sam_page)).to_contain_text("it now counts you as affected too")
    expect(sam_page.locator("main")).to_contain_text("You said this affects you too")
    expect(sam_page.locator("main")).not_to_contain_text("Jo Carer")
    assert_accessible(sam_page)

    # The pack is issued.
    sg_page.goto(f"{url}/strategy/meetings/{meeting_id}/pack")
    expect(sg_page.get_by_role("alert").filter(has_text="may identify someone")).to_have_count(0)
    sg_page.get_by_role("link", name="Issue pack to the service").click()
    expect(sg_page.get_by_role("heading", level=1)).to_have_text("Issue the pack to the service")
    expect(sg_page.locator("main")).to_contain_text(ATTENDEE.email)
    sg_page.get_by_role("button", name="Issue version 1 to 1 person").click()
    expect(flash(sg_page)).to_contain_text("Version 1 issued and emailed to 1 person from the service")
    expect(sg_page.get_by_role("table")).to_be_visible()
    assert_accessible(sg_page)

    # The service receives it at a real SMTP server, with the PDF attached.
    deliver(app)
    message = smtp.wait_for(ATTENDEE.email)[-1]
    assert "feedback pack" in message["Subject"].lower()
    pdfs = [part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1
    assert pdfs[0].get_content().startswith(b"%PDF")
    assert not smtp.to(jo.email)

    # The meeting takes place (a day ago); then the group records the service's response.
    with app.app_context():
        meeting = db.session.get(ServiceMeeting, meeting_id)
        meeting.held_at = utcnow() - timedelta(days=1)
        db.session.commit()
    sg_page.goto(f"{url}/strategy/meetings/{meeting_id}/outcomes/{item_id}")
    expect(sg_page.get_by_role("heading", level=1)).to_have_text("Record the service's response")
    assert_accessible(sg_page)
    sg_page.get_by_label("What the service said").fill(RESPONSE)
    sg_page.get_by_label("Action agreed").fill(ACTION)
    sg_page.get_by_label("Who will do it").select_option("service")
    sg_page.get_by_label("Status").select_option("open")
    sg_page.get_by_role("button", name="Save the response").click()
    expect(flash(sg_page)).to_contain_text("Recorded.")
    expect(sg_page).to_have_url(f"{url}/strategy/meetings/{meeting_id}/pack")
    assert_accessible(sg_page)

    # Jo sees the response on her items, and everyone on "You said, we did", with no names.
    jo_page.goto(f"{url}/strategy/items/mine")
    jo_main = jo_page.locator("main")
    expect(jo_main).to_contain_text(NAMED[:60])
    expect(jo_main.locator(".strategy-responses")).to_contain_text(RESPONSE)
    expect(jo_main.locator(".strategy-responses")).to_contain_text(ACTION)
    expect(jo_main).not_to_contain_text("Jo Carer")
    assert_accessible(jo_page)
    jo_page.goto(f"{url}/strategy/you-said-we-did")
    jo_main = jo_page.locator("main")
    row = jo_main.locator(".answer-card").filter(has_text=CLEAN)
    expect(row).to_contain_text(RESPONSE)
    expect(row).to_contain_text(ACTION)
    expect(row).to_contain_text("Open")
    expect(jo_main).not_to_contain_text("Jo Carer")
    expect(jo_main).not_to_contain_text("Jamie")
    assert_accessible(jo_page)
