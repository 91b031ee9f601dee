"""The header on a phone: the name and a Menu button on one row, so the first event shows above
the fold at 390 x 844; the menu opens from the keyboard without script and passes axe; on a
laptop the links sit in a row as before. Roles see what waits for them in the menu."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support import add_member

from ..events.helpers import add_event
from .support import assert_accessible, open_menu, sign_in

pytestmark = pytest.mark.browser


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_phone_header_is_compact_and_its_menu_works_by_keyboard(live_app, page):
    app, url = live_app.app, live_app.url
    organiser = add_member(app, "Olu Organiser", roles=["committee"])
    carer = add_member(app, "Jo Carer")
    add_event(app, organiser.id, title="Peer support evening", days_ahead=3)
    sign_in(page, url, carer.email, carer.password)
    page.goto(f"{url}/events/")

    header = page.locator("header.site-header").bounding_box()
    assert header["height"] <= 80, f"the header takes {header['height']} px of 844"
    first = page.locator("ul.event-list > li").first.bounding_box()
    assert first["y"] + 40 <= 844, f"the first event starts at {first['y']} px, below the fold"
    expect(page.locator("nav.site-nav-wide")).to_be_hidden()
    _no_sideways_scroll(page)
    assert_accessible(page)

    # Keyboard only: Tab to the Menu button, open it with Enter, Tab into the links, Escape not needed.
    summary = page.locator("details.site-menu > summary")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "SUMMARY":
            break
    expect(summary).to_be_focused()
    menu = page.locator("details.site-menu nav")
    expect(page.get_by_role("link", name="My account")).to_be_hidden()
    page.keyboard.press("Enter")
    expect(page.locator("details.site-menu")).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link", name="Events", exact=True)).to_be_focused()
    for name in ("Members", "Forum", "Strategy group", "My account"):
        expect(menu.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(menu.get_by_role("button", name="Sign out")).to_be_visible()
    _no_sideways_scroll(page)
    assert_accessible(page)
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")  # closes again
    expect(page.get_by_role("link", name="My account")).to_be_hidden()

    # The links work from the menu.
    open_menu(page)
    page.get_by_role("link", name="My account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")


def test_signed_out_phone_header_and_laptop_header(live_app, browser):
    url = live_app.url
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    phone.goto(f"{url}/events/")
    assert phone.locator("header.site-header").bounding_box()["height"] <= 80
    open_menu(phone)
    expect(phone.locator("details.site-menu nav").get_by_role("link", name="Apply to join")).to_be_visible()
    _no_sideways_scroll(phone)
    assert_accessible(phone)
    phone.context.close()

    laptop = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    laptop.goto(f"{url}/events/")
    expect(laptop.locator("details.site-menu")).to_be_hidden()
    for name in ("Home", "Events", "Apply to join", "Sign in"):
        expect(laptop.locator("nav.site-nav-wide").get_by_role("link", name=name, exact=True)).to_be_visible()
    assert laptop.locator("header.site-header").bounding_box()["height"] <= 80
    assert_accessible(laptop)
    laptop.context.close()


def test_strategy_member_reaches_the_workspace_with_its_count(live_app, page):
    app, url = live_app.app, live_app.url
    from ..strategy.helpers import add_item

    carer = add_member(app, "Jo Carer")
    strategist = add_member(app, "Sam Strategy", roles=["strategy"])
    add_item(app, carer.id, "Mileage claims take two months to be paid")
    sign_in(page, url, strategist.email, strategist.password)
    expect(page.locator("details.site-menu > summary")).to_contain_text("1")
    open_menu(page)
    link = page.get_by_role("link", name="Strategy group 1 item to triage")
    expect(link).to_be_visible()
    assert_accessible(page)
    link.click()
    expect(page).to_have_url(f"{url}/strategy/")
