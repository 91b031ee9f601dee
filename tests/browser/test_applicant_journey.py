"""An applicant's whole way in, on a phone: apply, confirm by email, approval, password,
directory, sign out and in again. Every page on the way must pass axe."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.support import add_member

from ..smtp import first_link
from .support import assert_accessible, deliver, open_menu, sign_in

pytestmark = pytest.mark.browser

NEW_PASSWORD = "kettle-lantern-orchard-42"


def fill_application(page, name: str, email: str) -> None:
    page.get_by_label("Your full name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Phone number").fill("07700 900123")
    page.get_by_label("Town or postcode district").fill("Ilkley")
    page.get_by_label("Your fostering service").fill("Bradford Council")
    page.get_by_label("Local authority", exact=True).check()
    page.get_by_label("What you are approved for").select_option("short_breaks")
    page.get_by_label("Years fostering").fill("3")
    page.get_by_label("How did you hear about us?").fill("A friend at a support group")
    page.get_by_label("I have read the privacy notice").check()


def test_applicant_applies_is_approved_and_finds_a_buddy(live_app, smtp, new_page):
    app, url = live_app.app, live_app.url
    admin = add_member(app, "Ada Admin", roles=["admin"])
    add_member(app, "Priya Buddy", area="Otley", buddy_willing=True)
    add_member(app, "Sam Elsewhere", area="Harrogate")
    name, email = "Morgan Newcarer", f"morgan.{uuid.uuid4().hex[:6]}@example.org"
    applicant, admin_page = new_page(), new_page()

    # Apply.
    applicant.goto(f"{url}/apply")
    expect(applicant.get_by_role("heading", level=1)).to_have_text("Apply to join")
    assert_accessible(applicant)
    fill_application(applicant, name, email)
    applicant.get_by_role("button", name="Send my application").click()
    expect(applicant.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(applicant.get_by_text(email)).to_be_visible()
    assert_accessible(applicant)

    # Confirm the address from the email.
    deliver(app)
    confirm_url = first_link(smtp.wait_for(email)[-1], "/apply/confirm/")
    applicant.goto(confirm_url)
    expect(applicant.get_by_role("heading", level=1)).to_contain_text("your application is in")
    assert_accessible(applicant)

    # The admin approves, in a browser of their own.
    sign_in(admin_page, url, admin.email, admin.password)
    admin_page.goto(f"{url}/admin/applications")
    card = admin_page.get_by_role("listitem").filter(has=admin_page.get_by_role("heading", name=name))
    expect(card).to_contain_text(email)
    assert_accessible(admin_page)
    card.get_by_role("button", name=f"Approve {name}").click()
    expect(admin_page.get_by_role("status")).to_contain_text(f"{name} is now a member")
    expect(admin_page.get_by_role("heading", name=name)).to_have_count(0)
    assert_accessible(admin_page)

    # The applicant sets a password from the approval email and is signed in.
    deliver(app)
    set_password_url = first_link(smtp.wait_for(email, count=2)[-1], "/password/set/")
    applicant.goto(set_password_url)
    expect(applicant.get_by_role("heading", level=1)).to_have_text("Choose your password")
    assert_accessible(applicant)
    applicant.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    applicant.get_by_label("New password again").fill(NEW_PASSWORD)
    applicant.get_by_role("button", name="Save my password").click()
    expect(applicant.get_by_role("status")).to_contain_text("Your password is set")
    open_menu(applicant)
    expect(applicant.get_by_role("button", name="Sign out")).to_be_visible()
    assert_accessible(applicant)

    # Now a member: the directory finds a buddy nearby.
    applicant.get_by_role("link", name="Members").click()
    expect(applicant).to_have_url(f"{url}/members/")
    assert_accessible(applicant)
    applicant.get_by_label("Town or area").fill("Otley")
    applicant.get_by_role("button", name="Search").click()
    expect(applicant).to_have_url(re.compile(r"/members/\?.*area=Otley"))
    results = applicant.locator("ul.directory")
    expect(results.get_by_role("link", name="Priya Buddy")).to_be_visible()
    expect(results).to_contain_text("Happy to be a buddy")
    expect(results.get_by_role("link", name="Sam Elsewhere")).to_have_count(0)
    assert_accessible(applicant)

    # Sign out, and back in with the new password.
    open_menu(applicant)
    applicant.get_by_role("button", name="Sign out").click()
    expect(applicant.get_by_role("status")).to_contain_text("You have signed out")
    assert_accessible(applicant)
    sign_in(applicant, url, email, NEW_PASSWORD)
    applicant.goto(f"{url}/members/")
    expect(applicant.get_by_role("heading", level=1)).to_have_text("Members")


def test_apply_with_bad_email_and_no_consent_shows_errors(live_app, page):
    page.goto(f"{live_app.url}/apply")
    fill_application(page, "Robin Typo", "robin-at-example")
    page.get_by_label("I have read the privacy notice").uncheck()
    page.get_by_role("button", name="Send my application").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Please check the form")
    expect(summary.get_by_role("link", name="Enter an email address like name@example.com.")).to_be_visible()
    expect(summary.get_by_role("link", name=re.compile("Please agree to the privacy notice"))).to_be_visible()

    email_input = page.get_by_label("Email address")
    expect(email_input).to_have_attribute("aria-invalid", "true")
    expect(email_input).to_have_value("robin-at-example")
    expect(page.locator("#email-error")).to_contain_text("Enter an email address like name@example.com.")
    expect(page.get_by_label("I have read the privacy notice")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#consent-error")).to_contain_text("Please agree to the privacy notice")
    # The other answers survive, so only the mistakes need fixing.
    expect(page.get_by_label("Your full name")).to_have_value("Robin Typo")

    # The summary's links take keyboard and screen-reader users to the field.
    summary.get_by_role("link", name="Enter an email address like name@example.com.").click()
    expect(page).to_have_url(re.compile(r"#email$"))
    assert_accessible(page)
