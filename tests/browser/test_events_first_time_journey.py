"""Issue 13, events, on a 390 px phone with axe: an adults-only evening asks for no children; 25
adults is refused beside the field and stays 25; a family bigger than the places left chooses to
book them and wait for the rest; the month grid shows next month's first days with their events;
a monthly series is one card whose dates open without JavaScript; the organiser's form shows every
problem at once and asks about a long event. No page scrolls sideways."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from association.core.timefmt import local_today
from association.events.rsvps import respond
from association.extensions import db
from association.members.models import Member
from tests.support import add_member

from ..events.helpers import add_event, local_dt
from .support import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url


def test_a_carer_and_an_organiser_get_it_right_first_time(live_app, new_page):
    app, url = live_app.app, live_app.url
    organiser = add_member(app, "Olu Organiser", roles=["committee"])
    jo = add_member(app, "Jo Carer")
    ann = add_member(app, "Ann Early")
    night_out = add_event(app, organiser.id, title="Carers' night out", days_ahead=6, children_welcome=False)
    picnic = add_event(app, organiser.id, title="Summer picnic", days_ahead=9, capacity=20, children_welcome=True)
    with app.app_context():
        respond(picnic, db.session.get(Member, ann.id), True, 1, 0)
        today = local_today()
    edge = date(today.year + 1, 12, 2)  # November's grid ends on Sun 5 Dec next year or so
    add_event(app, organiser.id, title="Advent social", starts_at=local_dt(edge, 19), ends_at=local_dt(edge, 21))
    page = new_page()
    sign_in(page, url, jo.email, jo.password)

    # An adults-only evening: no Children field; 25 adults refused beside the field, kept as typed.
    page.goto(f"{url}/events/{night_out}")
    expect(page.get_by_label("Children", exact=True)).to_have_count(0)
    expect(page.locator("#counts-hint")).to_have_text("This one is for adults only.")
    page.get_by_label("Yes, I'm coming").check()
    page.get_by_label(re.compile("^Adults, including you")).fill("25")
    page.get_by_role("button", name="Send my reply").click()
    adults = page.get_by_label(re.compile("^Adults, including you"))
    expect(adults).to_have_value("25")
    expect(adults).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#adults-error")).to_contain_text("Adults must be from 0 to 20")
    expect(page.locator(".flash")).to_have_count(0)
    assert page.evaluate("document.getElementById('adults-error').nextElementSibling.id") == "adults"
    fits_the_phone(page)
    assert_accessible(page)

    # A family of 20 with 19 places left: asked, and books 19 while 1 waits.
    page.goto(f"{url}/events/{picnic}")
    page.get_by_label("Yes, I'm coming").check()
    page.get_by_label(re.compile("^Adults, including you")).fill("4")
    page.get_by_label("Children", exact=True).fill("16")
    page.get_by_role("button", name="Send my reply").click()
    choice = page.locator(".party-choice")
    expect(choice).to_contain_text("only 19 places left for your party of 20")
    expect(page.get_by_label(re.compile("^Book 19 now"))).to_be_checked()
    expect(page.get_by_label("Put all 20 of us on the waiting list")).to_be_visible()
    expect(page.get_by_label("Children", exact=True)).to_have_value("16")
    fits_the_phone(page)
    assert_accessible(page)
    page.get_by_role("button", name="Send my reply").click()
    expect(page.locator(".flash")).to_contain_text(
        "You're going with 19 people now, and the other 1 is on the waiting list"
    )
    expect(page.locator(".reply-state")).to_contain_text("You're going (4 adults, 15 children)")
    expect(page.locator(".reply-state")).to_contain_text("1 child more on the waiting list")
    fits_the_phone(page)
    assert_accessible(page)

    # November next year: 2 December sits greyed at the end, with its event.
    page.goto(f"{url}/events/?view=month&month={edge.year}-11")
    expect(page.locator("td.other-month").filter(has_text="Advent social")).to_have_count(1)
    expect(page.get_by_text("Nothing in the calendar")).to_have_count(0)
    expect(page.get_by_role("link", name="Previous month")).to_have_text(re.compile(r"←\s+Previous month"))
    fits_the_phone(page)
    assert_accessible(page)

    # The organiser: a monthly series on the first Tuesday, every problem of a bad form at once.
    organiser_page = new_page()
    sign_in(organiser_page, url, organiser.email, organiser.password)
    organiser_page.goto(f"{url}/events/new")
    form = organiser_page
    form.get_by_label(re.compile("^Title")).fill("Tuesday group")
    first_tuesday = today + timedelta(days=40)
    first_tuesday = first_tuesday.replace(day=1)
    while first_tuesday.weekday() != 1:
        first_tuesday += timedelta(days=1)
    form.get_by_label(re.compile("^Date")).fill(first_tuesday.isoformat())
    form.get_by_label(re.compile("^Starts at")).fill("19:00")
    form.get_by_label(re.compile("^Ends at")).fill("18:00")
    form.get_by_label(re.compile("^Places")).fill("0")
    form.get_by_role("button", name="Save event").click()
    expect(form.locator("#kind-error")).to_contain_text("Choose the kind of event")
    expect(form.locator("#capacity-error")).to_contain_text("Places must be from 1")
    expect(form.locator("#end_time-error")).to_contain_text("must end after it starts")
    expect(form.locator(".error-summary li")).to_have_count(3)
    fits_the_phone(form)
    assert_accessible(form)
    form.get_by_label(re.compile("^Kind of event")).select_option("peer_support")
    form.get_by_label(re.compile("^Ends at")).fill("21:00")
    form.get_by_label(re.compile("^Places")).fill("")
    form.get_by_label(re.compile("^Repeats")).select_option("monthly_weekday")
    form.get_by_label(re.compile("^Which one in the month")).select_option("1")
    form.get_by_role("button", name="Save event").click()
    expect(form.locator(".flash")).to_contain_text("The event is in the calendar")
    expect(form.locator(".event-details")).to_contain_text("Every first Tuesday of the month")

    # Jo's list: the series once, its dates behind a disclosure that opens without script.
    page.goto(f"{url}/events/")
    cards = page.locator("ul.event-list > li").filter(has_text="Tuesday group")
    expect(cards).to_have_count(1)
    expect(cards).to_contain_text("Every first Tuesday of the month")
    later = cards.locator("details.later-dates")
    expect(later.locator("li").first).to_be_hidden()
    later.locator("summary").click()
    expect(later.locator("li").first).to_be_visible()
    fits_the_phone(page)
    assert_accessible(page)
