"""Two carers and one meetup with few places, on phones: Jo replies with her family, Sam lands on
the waiting list, Jo drops out, and Sam is emailed that the place is his. Every page must pass axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support import add_member

from ..events.helpers import add_event
from ..smtp import text_part
from .support import assert_accessible, deliver, sign_in

pytestmark = pytest.mark.browser

TITLE = "Peer support evening"


def reply(page, adults: int, children: int = 0, note: str = "") -> None:
    page.get_by_label("Yes, I'm coming").check()
    page.get_by_label("Adults, including you").fill(str(adults))
    page.get_by_label("Children", exact=True).fill(str(children))
    if note:
        page.get_by_label(re.compile(r"^A short note")).fill(note)
    page.get_by_role("button", name="Send my reply").click()


def test_a_place_freed_by_one_carer_goes_to_the_next_on_the_waiting_list(live_app, smtp, new_page):
    app, url = live_app.app, live_app.url
    organiser = add_member(app, "Olu Organiser", roles=["committee"])
    jo = add_member(app, "Jo Carer")
    sam = add_member(app, "Sam Waiting")
    meetup = add_event(app, organiser.id, title=TITLE, capacity=6, days_ahead=5, children_welcome=True)
    add_event(
        app, organiser.id, kind="social", title="Summer picnic", days_ahead=20, children_welcome=True, age_bands="0-4"
    )
    add_event(app, organiser.id, title="Carers' coffee", days_ahead=25)  # adults only
    jo_page, sam_page = new_page(), new_page()

    # Jo finds the meetup in the list.
    sign_in(jo_page, url, jo.email, jo.password)
    jo_page.goto(f"{url}/events/")
    expect(jo_page.get_by_role("heading", level=1)).to_have_text("Events")
    cards = jo_page.locator("ul.event-list > li")
    expect(cards).to_have_count(3)
    assert_accessible(jo_page)
    jo_page.get_by_role("link", name=TITLE).click()
    expect(jo_page).to_have_url(f"{url}/events/{meetup}")
    expect(jo_page.get_by_role("heading", level=1)).to_have_text(TITLE)
    places = jo_page.locator(".event-details .places")
    expect(places).to_contain_text("6 places left")
    assert_accessible(jo_page)

    # Jo is going with her family.
    reply(jo_page, adults=2, children=3, note="bringing a curry")
    expect(jo_page.locator(".flash")).to_contain_text("You're going")
    expect(jo_page.locator(".reply-state")).to_contain_text("You're going (2 adults, 3 children)")
    expect(jo_page.locator(".reply-state")).to_contain_text("bringing a curry")
    expect(places).to_contain_text("1 place left")
    expect(jo_page.locator(".badges")).to_contain_text("You're going")
    assert_accessible(jo_page)

    # Sam wants to bring two adults: only one place, so the waiting list.
    sign_in(sam_page, url, sam.email, sam.password)
    sam_page.goto(f"{url}/events/{meetup}")
    expect(sam_page.locator(".event-details .places")).to_contain_text("1 place left")
    assert_accessible(sam_page)
    reply(sam_page, adults=2)
    # Asked what to do with a party bigger than the places left: Sam keeps the two together.
    expect(sam_page.locator(".party-choice")).to_contain_text("only 1 place left for your party of 2")
    assert_accessible(sam_page)
    sam_page.get_by_label("Put all 2 of us on the waiting list").check()
    sam_page.get_by_role("button", name="Send my reply").click()
    expect(sam_page.locator(".flash")).to_contain_text("You're all on the waiting list")
    expect(sam_page.locator(".reply-state")).to_contain_text("You're on the waiting list (2 adults)")
    expect(sam_page.get_by_role("button", name="Take me off the waiting list")).to_be_visible()
    assert_accessible(sam_page)

    # Jo can't come after all.
    jo_page.reload()
    jo_page.get_by_role("button", name="I can't come any more").click()
    expect(jo_page.locator(".flash")).to_contain_text("Thanks for letting us know you can't come")
    expect(jo_page.locator(".reply-state")).to_contain_text("You said you can't come")
    expect(jo_page.get_by_role("button", name="I can't come any more")).to_have_count(0)
    expect(jo_page.locator(".badges")).not_to_contain_text("You're going")
    assert_accessible(jo_page)

    # The place goes to Sam, who is told by email.
    deliver(app)
    message = smtp.wait_for(sam.email)[-1]
    assert TITLE in message["Subject"]
    assert "place has come up" in message["Subject"].lower()
    body = text_part(message)
    assert "you're now going with 2 adults" in body
    assert f"{url}/events/{meetup}" in body
    sam_page.reload()
    expect(sam_page.locator(".reply-state")).to_contain_text("You're going (2 adults)")
    expect(sam_page.get_by_role("button", name="I can't come any more")).to_be_visible()
    expect(sam_page.locator(".event-details .places")).to_contain_text("4 places left")
    assert_accessible(sam_page)

    # The month view and the "children welcome" filter pass axe too.
    sam_page.goto(f"{url}/events/?view=month")
    expect(sam_page.get_by_role("heading", level=1)).to_contain_text("Events in")
    assert_accessible(sam_page)
    sam_page.goto(f"{url}/events/")
    sam_page.get_by_label("Children welcome").check()
    sam_page.get_by_role("button", name="Show events").click()
    expect(sam_page).to_have_url(re.compile(r"/events/\?.*children=1"))
    listed = sam_page.locator("ul.event-list")
    expect(listed.get_by_role("link", name="Summer picnic")).to_be_visible()
    expect(listed.get_by_role("link", name="Carers' coffee")).to_have_count(0)
    assert_accessible(sam_page)
