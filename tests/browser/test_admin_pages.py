"""Admin pages read whole on a laptop and a phone: the applications' cards show every email,
service and date without clipping (issue 13, item 19), and the outbox fits the screen (item 22)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.support import add_member

from .support import assert_accessible, sign_in

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# Elements whose content is wider than their box (clipped, or spilling out of the card).
OVERFLOWING = """(selector) => [...document.querySelectorAll(selector)].flatMap(card =>
    [card, ...card.querySelectorAll('*')].filter(el => el.scrollWidth > el.clientWidth + 1
        && getComputedStyle(el).display !== 'inline' && !el.classList.contains('visually-hidden')
        && !['INPUT', 'TEXTAREA', 'SELECT', 'OPTION'].includes(el.tagName))
    .map(el => `${el.tagName.toLowerCase()}.${el.className}: ${el.scrollWidth} > ${el.clientWidth}: `
               + el.textContent.trim().slice(0, 60)))"""


def _page(browser, viewport):
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(10_000)
    return context, context.new_page()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1280px", "390px"])
def test_application_cards_show_email_service_and_dates_whole(live_app, browser, viewport):
    from association.core.database import utcnow

    app, url = live_app.app, live_app.url
    admin = add_member(app, "Ada Admin", roles=["admin"])
    for name, email, service in (
        (
            "Morgan Newcarer",
            "morgan.applicant.with.a.long.address@brightpath-fostering.example.org",
            "Brightpath Independent Fostering Partnership",
        ),
        ("Sam Lee", "sam.lee.applicant@example.org", "Kirklees Council Children's Services"),
    ):
        add_member(
            app,
            name,
            email,
            status="applicant",
            phone="07700 900123",
            service_name=service,
            how_heard="A friend at the Tuesday support group",
            years_fostering=12,
            email_confirmed_at=utcnow() - timedelta(days=1),
        )
    context, page = _page(browser, viewport)
    try:
        sign_in(page, url, admin.email, admin.password)
        page.goto(f"{url}/admin/applications")
        expect(page.get_by_role("heading", name="Morgan Newcarer")).to_be_visible()
        assert page.evaluate(OVERFLOWING, ".card") == []
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert_accessible(page)
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1280px", "390px"])
def test_the_outbox_fits_the_screen_and_its_filters_have_no_bullets(live_app, browser, viewport):
    from association.extensions import db
    from association.mail.outbox import queue_email

    app, url = live_app.app, live_app.url
    admin = add_member(app, "Ada Admin", roles=["admin"])
    with app.app_context():
        queue_email(
            "jo@example.org",
            "Reset your password",
            "password_reset",
            reset_url="https://example.org/reset/" + "a1b2c3d4" * 40,
        )  # one very long unbroken line
        db.session.commit()
    context, page = _page(browser, viewport)
    try:
        sign_in(page, url, admin.email, admin.password)
        page.goto(f"{url}/admin/outbox")
        assert page.evaluate("getComputedStyle(document.querySelector('main nav li')).listStyleType") == "none"
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert_accessible(page)
        page.get_by_role("link", name="Reset your password").click()
        expect(page.get_by_role("heading", name="The email as plain text")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert page.evaluate(OVERFLOWING, "main") == []
        assert_accessible(page)
    finally:
        context.close()
