"""On a 390 px phone: "You said, we did" with four answered meetings shows them all as cards, the
service's whole answer readable without scrolling sideways; "This affects me too" turns into
"You said this affects you too · Undo" and back; the outcome form keeps a refused past due date
beside its field. Every page passes axe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from association.core.database import utcnow
from association.extensions import db
from association.members.models import Member
from association.strategy.items import NewItem, raise_item
from association.strategy.models import FeedbackItem, ItemOutcome, ServiceMeeting, Theme
from tests.support import add_member

from .support import PHONE, assert_accessible, sign_in

pytestmark = pytest.mark.browser

LONG_ANSWER = (
    "The service has agreed that from April every mileage claim sent before the fifth working day of "
    "the month is paid in that month's run, and that the finance team will write to carers when a "
    "claim is queried instead of holding it without a word; a quarterly report will show how many "
    "claims were paid on time."
)


def _four_answered_meetings(app, author_id: int) -> None:
    with app.app_context():
        theme = Theme(name="Allowances and finance and everything that goes with paying carers on time")
        db.session.add(theme)
        db.session.flush()
        for n in range(4):
            held = utcnow() - timedelta(weeks=7 * (4 - n))
            meeting = ServiceMeeting(held_at=held, cutoff_at=held - timedelta(days=7))
            db.session.add(meeting)
            db.session.flush()
            item = FeedbackItem(
                kind="issue",
                what_happened=f"Meeting {n}",
                status="responded",
                anonymous=True,
                pack_wording=f"Mileage claims at meeting {n} take over two months to be paid",
                author_id=author_id,
                theme_id=theme.id,
                meeting_id=meeting.id,
            )
            db.session.add(item)
            db.session.flush()
            db.session.add(
                ItemOutcome(
                    item_id=item.id,
                    meeting_id=meeting.id,
                    owner="service",
                    response=LONG_ANSWER if n == 3 else f"Answer {n}",
                    action="Finance to report on payment times every quarter",
                    due_on=(held + timedelta(weeks=20)).date(),
                    status="in_progress",
                )
            )
        db.session.commit()


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide at {PHONE['width']} px"


def test_you_said_we_did_and_me_too_on_a_phone(live_app, new_page):
    app, url = live_app.app, live_app.url
    jo = add_member(app, "Jo Carer")
    sam = add_member(app, "Sam Other")
    _four_answered_meetings(app, jo.id)
    with app.app_context():
        open_item = raise_item(
            NewItem(kind="issue", what_happened="Respite is hard to book for sibling groups"),
            db.session.get(Member, jo.id),
        ).id

    page = new_page()
    sign_in(page, url, sam.email, sam.password)
    page.goto(f"{url}/strategy/you-said-we-did")
    main = page.locator("main")
    expect(main.locator("h2[id^=meeting-]")).to_have_count(4)
    expect(main).to_contain_text("All 4 meetings the service has answered, newest first.")
    expect(main).not_to_contain_text("Page 1")
    expect(main.locator("nav.pagination")).to_have_count(0)
    expect(main.locator("table")).to_have_count(0)
    answer = main.locator(".answer-card dd", has_text="The service has agreed that from April")
    expect(answer).to_have_text(LONG_ANSWER)
    box = answer.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    # Nothing of the answer is clipped: its box holds all of its text.
    assert answer.evaluate("e => e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight + 1")
    _no_sideways_scroll(page)
    assert_accessible(page)

    # "This affects me too" shows what was done, and can be undone.
    page.goto(f"{url}/strategy/items/{open_item}")
    page.get_by_role("button", name="This affects me too", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("it now counts you as affected too")
    state = page.locator(".strategy-supported")
    expect(state).to_contain_text("You said this affects you too")
    expect(page.get_by_role("button", name="This affects me too", exact=True)).to_have_count(0)
    expect(main).to_contain_text("Raised by 2 carers")
    _no_sideways_scroll(page)
    assert_accessible(page)
    undo = state.get_by_role("button", name="Undo")
    undo_box = undo.bounding_box()
    assert undo_box["height"] >= 24 and undo_box["width"] >= 24, undo_box  # WCAG 2.2 target size
    undo.click()
    expect(page.locator(".flash")).to_contain_text("it no longer counts you as affected")
    expect(page.get_by_role("button", name="This affects me too", exact=True)).to_be_visible()
    expect(main).to_contain_text("Raised by 1 carer")
    assert_accessible(page)


def test_a_past_due_date_is_refused_beside_its_field_on_a_phone(live_app, new_page):
    from ..strategy.helpers import add_item, add_meeting

    app, url = live_app.app, live_app.url
    strategist = add_member(app, "Stella Strategy", roles=["strategy"])
    meeting_id = add_meeting(app, days_ahead=-2)
    item_id = add_item(app, strategist.id, "Mileage claims take over two months to be paid", meeting_id=meeting_id)
    page = new_page()
    sign_in(page, url, strategist.email, strategist.password)

    # A meeting still to come: said plainly, and no form to fill.
    coming = add_meeting(app, days_ahead=30, date_reason="An extra meeting")
    page.goto(f"{url}/strategy/meetings/{coming}/outcomes/{item_id}")
    expect(page.locator("main")).to_contain_text("hasn't happened yet")
    expect(page.get_by_role("button", name="Save the response")).to_have_count(0)
    assert_accessible(page)

    page.goto(f"{url}/strategy/meetings/{meeting_id}/outcomes/{item_id}")
    page.get_by_label("What the service said").fill("Finance will pay within 30 days")
    page.get_by_label("Due by").fill("2020-03-01")
    page.get_by_role("button", name="Save the response").click()
    due = page.get_by_label("Due by")
    expect(due).to_have_value("2020-03-01")
    expect(due).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#due_on-error")).to_contain_text("Choose a date after the meeting on")
    expect(page.get_by_label("What the service said")).to_have_value("Finance will pay within 30 days")
    _no_sideways_scroll(page)
    assert_accessible(page)
