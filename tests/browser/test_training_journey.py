"""Issue 15, training, on a 390 px phone with axe: the organiser takes the register of a training
that has started (one tap per person, a walk-in found by name, a guest from the fostering service),
the carer who came downloads their certificate and their annual-review record, and anyone holding
the paper checks it at /verify without signing in. The register also works with JavaScript off."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from association.core.database import utcnow
from association.events.models import RSVP, Event
from association.extensions import db
from association.members.models import Member
from association.training.courses import save_course
from association.training.models import TrainingTopic
from tests.support import add_member

from ..events.helpers import add_event
from .support import PHONE, assert_accessible, open_menu, sign_in

pytestmark = pytest.mark.browser

COURSE = "Safeguarding refresher"
OUTCOMES = "Spot the signs of exploitation online\nKnow who to call out of hours"


def fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def assert_no_axe_violations(page: Page) -> None:
    """Stricter than ``assert_accessible``: no axe violation of any impact, minor ones included."""
    from axe_playwright_python.sync_playwright import Axe

    assert_accessible(page)  # names the serious ones in detail first
    found = Axe().run(page).response["violations"]
    assert not found, [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in found]


def pdf_text(path) -> str:
    """The text of a PDF, by poppler's pdftotext (which refuses a file that is not a PDF)."""
    with open(path, "rb") as file:
        assert file.read(5) == b"%PDF-", "not a PDF"
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def words(text: str) -> str:
    """Text with its line breaks and runs of spaces made single spaces (PDF lines break anywhere)."""
    return " ".join(text.split())


def started_training(app, organiser_id: int, going: list[int], title: str = COURSE) -> int:
    """A training event that began an hour ago, with its training details and ``going`` replied."""
    now = utcnow().replace(second=0, microsecond=0)
    event_id = add_event(
        app,
        organiser_id,
        kind="training",
        title=title,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=2),
    )
    with app.app_context():
        topics = [
            TrainingTopic(name="Safeguarding", validity_months=36),
            TrainingTopic(name="Online safety", validity_months=None),
        ]
        db.session.add_all(topics)
        db.session.flush()
        event = db.session.get(Event, event_id)
        save_course(event, 150, OUTCOMES, [t.id for t in topics], db.session.get(Member, organiser_id))
        for member_id in going:
            db.session.add(RSVP(event_id=event_id, member_id=member_id, response="going", adults=1, children=0))
        db.session.commit()
    return event_id


def line(page: Page, name: str):
    """One person's line on the register: the group of radios their name is the legend of."""
    return page.get_by_role("group", name=re.compile(rf"^{re.escape(name)}\b"))


def test_a_register_on_a_phone_then_the_certificate_the_review_and_verify(live_app, new_page):
    app, url = live_app.app, live_app.url
    organiser = add_member(app, "Olu Organiser", roles=["committee"])
    jo = add_member(app, "Jo Carer")
    sam = add_member(app, "Sam Absent")
    walker = add_member(app, "Priya Walkin")
    event_id = started_training(app, organiser.id, [jo.id, sam.id])

    # The organiser opens the training from the events list and takes the register.
    page = new_page()
    sign_in(page, url, organiser.email, organiser.password)
    page.goto(f"{url}/events/{event_id}")
    page.get_by_role("link", name="Take the register").click()
    expect(page).to_have_url(f"{url}/events/{event_id}/register")
    expect(page.get_by_role("heading", level=1)).to_have_text("Register")
    expect(page.locator(".lead")).to_contain_text(COURSE)
    expect(page.locator("ul.register-lines > li")).to_have_count(2)
    fits_the_phone(page)
    assert_no_axe_violations(page)

    # One tap each: Jo came, Sam did not.
    line(page, "Jo Carer").get_by_text("Came", exact=True).click()
    line(page, "Sam Absent").get_by_text("Absent", exact=True).click()
    expect(line(page, "Jo Carer").get_by_label("Came")).to_be_checked()
    expect(line(page, "Sam Absent").get_by_label("Absent")).to_be_checked()

    # Priya came without replying: found by part of her name. Finding her saves the taps so far.
    page.get_by_label("Find them by name").fill("walk")
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Register saved (2 changes): 1 came")
    page.get_by_role("button", name="Add Priya Walkin as came").click()
    expect(page.locator(".flash")).to_contain_text("Added to the register as came: Priya Walkin")

    # A social worker from the fostering service came to the joint training.
    page.get_by_label("Guest's name").fill("Helen Price")
    page.get_by_label("Organisation").fill("Riverside Fostering Service")
    page.get_by_role("button", name="Add guest as came").click()
    expect(page.locator(".flash")).to_contain_text("Guest added as came: Helen Price")

    page.get_by_role("button", name="Save register").click()
    # Jo, Priya and Helen came; Sam did not.
    expect(page.locator(".flash")).to_contain_text("Register saved (no changes): 3 came, 3 adults and 0 children")
    expect(page.locator(".register-totals")).to_have_text("3 came (3 adults, 0 children) of 4 on the register.")
    expect(line(page, "Jo Carer").get_by_label("Came")).to_be_checked()
    expect(line(page, "Sam Absent").get_by_label("Absent")).to_be_checked()
    expect(line(page, "Priya Walkin").get_by_label("Came")).to_be_checked()
    expect(line(page, "Helen Price")).to_contain_text("Riverside Fostering Service")
    expect(line(page, "Helen Price")).to_contain_text("Came")
    assert [attended(app, event_id, m.id) for m in (jo, sam, walker)] == [True, False, True]
    fits_the_phone(page)
    assert_no_axe_violations(page)

    # Jo signs in on her own phone and finds the training on her record.
    jo_page = new_page()
    sign_in(jo_page, url, jo.email, jo.password)
    open_menu(jo_page)
    jo_page.get_by_role("link", name="My training").click()
    expect(jo_page.get_by_role("heading", level=1)).to_have_text("My training")
    record = jo_page.locator(".record-lines")
    expect(record.get_by_role("heading", name=COURSE)).to_be_visible()
    expect(record).to_contain_text("2.5 hours")
    expect(record).to_contain_text("Online safety, Safeguarding")
    expect(jo_page.get_by_text(re.compile(r"^1 piece of training"))).to_contain_text("2.5 hours in all")
    fits_the_phone(jo_page)
    assert_no_axe_violations(jo_page)

    # The certificate: a PDF with her name, the course, its outcomes and a code to check it by.
    with jo_page.expect_download() as caught:
        jo_page.get_by_role("link", name=f"Download certificate (PDF) for {COURSE}").click()
    certificate = caught.value
    assert certificate.suggested_filename.startswith("certificate-") and certificate.suggested_filename.endswith(".pdf")
    text = words(pdf_text(certificate.path()))
    assert "Certificate of attendance" in text
    assert "Jo Carer" in text and COURSE in text
    assert "2.5 hours" in text and "Online safety, Safeguarding" in text
    assert "Know who to call out of hours" in text
    found = re.search(r"Verification code: ([A-Za-z0-9_-]{16,64})", text)
    assert found, text
    code = found.group(1)

    # The annual-review record for the last year, from the form on My training.
    with jo_page.expect_download() as caught:
        jo_page.get_by_role("button", name="Download PDF").click()
    review = caught.value
    assert re.fullmatch(r"training-record-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.pdf", review.suggested_filename)
    text = words(pdf_text(review.path()))
    assert "Training record" in text and "Jo Carer" in text and COURSE in text
    assert "1 piece of training, 2.5 hours" in text
    assert f"Certificate code {code}" in text, text  # whole, on one line, to be typed in

    # Anyone holding the paper checks it, without signing in: name, course and date only.
    stranger = new_page()
    stranger.goto(f"{url}/verify/{code}")
    genuine = stranger.get_by_role("status")
    expect(genuine).to_contain_text("This certificate is genuine")
    expect(genuine).to_contain_text("Jo Carer")
    expect(genuine).to_contain_text(COURSE)
    with app.app_context():
        from association.core.timefmt import format_date, to_local

        held_on = format_date(to_local(utcnow() - timedelta(hours=1)).date())
    expect(genuine).to_contain_text(held_on)
    expect(genuine).not_to_contain_text("hours")  # nothing beyond name, course and date
    expect(stranger.get_by_role("button", name="Sign out")).to_have_count(0)
    fits_the_phone(stranger)
    assert_no_axe_violations(stranger)

    # A wrong code: not found, said plainly, and nothing about anyone.
    wrong = code[:-4] + ("AAAA" if not code.endswith("AAAA") else "BBBB")
    response = stranger.goto(f"{url}/verify/{wrong}")
    assert response is not None and response.status == 404
    expect(stranger.get_by_role("alert")).to_contain_text("We can't find a certificate with that code")
    expect(stranger.locator("main")).not_to_contain_text("Jo Carer")
    expect(stranger.get_by_role("status")).to_have_count(0)
    assert_no_axe_violations(stranger)

    # Typing the code into the form from the page finds it too.
    stranger.get_by_label("Verification code").fill(code)
    stranger.get_by_role("button", name="Check").click()
    expect(stranger).to_have_url(f"{url}/verify/{code}")
    expect(stranger.get_by_role("status")).to_contain_text("This certificate is genuine")


def attended(app, event_id: int, member_id: int) -> bool | None:
    """What the register holds for a member now (None: no line, or not marked)."""
    from sqlalchemy import select

    from association.training.models import Register, RegisterEntry

    with app.app_context():
        return db.session.scalar(
            select(RegisterEntry.attended)
            .join(Register, Register.id == RegisterEntry.register_id)
            .where(Register.event_id == event_id, RegisterEntry.member_id == member_id)
        )


def test_the_register_works_with_javascript_off_and_keeps_every_tap(live_app, browser):
    """No script on the page: every button sends the taps with it, and Enter in a box does what
    was typed there (never the first line's "Take … off")."""
    app, url = live_app.app, live_app.url
    organiser = add_member(app, "Olu Organiser", roles=["committee"])
    jo = add_member(app, "Jo Carer")
    sam = add_member(app, "Sam Absent")
    add_member(app, "Priya Walkin")
    event_id = started_training(app, organiser.id, [jo.id, sam.id])
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(f"{url}/login")
        page.get_by_label("Email address").fill(organiser.email)
        page.get_by_label("Password", exact=True).fill(organiser.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda address: "/login" not in address)
        page.goto(f"{url}/events/{event_id}/register")
        expect(page.locator("script")).to_have_count(0)  # the page needs none, and the phone runs none

        # Sam is tapped absent, then everyone else marked as came in one go: Sam stays absent.
        line(page, "Sam Absent").get_by_text("Absent", exact=True).click()
        page.get_by_role("button", name="Mark everyone not marked as came").click()
        expect(page.locator(".flash")).to_contain_text("Register saved (2 changes): 1 came, 1 adult and 0 children")
        expect(line(page, "Jo Carer").get_by_label("Came")).to_be_checked()
        expect(line(page, "Sam Absent").get_by_label("Absent")).to_be_checked()

        # Sam turns up late: one tap, then a search with Enter, which saves the tap on the way.
        line(page, "Sam Absent").get_by_text("Came", exact=True).click()
        page.get_by_label("Find them by name").fill("priya")
        page.get_by_label("Find them by name").press("Enter")
        expect(page.locator(".flash")).to_contain_text("Register saved (1 change): 2 came")
        page.get_by_role("button", name="Add Priya Walkin as came").click()
        expect(page.locator(".flash")).to_contain_text("Added to the register as came: Priya Walkin")
        assert attended(app, event_id, sam.id) is True

        # Jo tapped absent by mistake, and a guest without a name: refused beside the field, the
        # tap still shown as tapped, and nothing saved.
        line(page, "Jo Carer").get_by_text("Absent", exact=True).click()
        page.get_by_label("Organisation").fill("Riverside Fostering Service")
        page.get_by_role("button", name="Add guest as came").click()
        summary = page.locator(".error-summary")
        expect(summary).to_contain_text("Please give the guest's name.")
        box = summary.bounding_box()
        assert box and box["y"] < PHONE["height"], "the refusal is seen where the page opens"
        expect(page.locator("#name-error")).to_contain_text("Please give the guest's name.")
        expect(page.get_by_label("Guest's name")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("Organisation")).to_have_value("Riverside Fostering Service")
        expect(line(page, "Jo Carer").get_by_label("Absent")).to_be_checked()
        expect(page.locator("ul.register-lines > li")).to_have_count(3)
        assert attended(app, event_id, jo.id) is True

        # The name, then Enter in its box: the guest is added, with Jo's tap; Priya stays on.
        page.get_by_label("Guest's name").fill("Helen Price")
        page.get_by_label("Guest's name").press("Enter")
        expect(page.locator(".flash")).to_contain_text("Guest added as came: Helen Price")
        expect(line(page, "Helen Price")).to_contain_text("guest, Riverside Fostering Service")
        expect(line(page, "Priya Walkin").get_by_label("Came")).to_be_checked()
        expect(line(page, "Jo Carer").get_by_label("Absent")).to_be_checked()
        assert attended(app, event_id, jo.id) is False

        # Added by mistake: Priya taken off again.
        page.get_by_role("button", name="Take Priya Walkin off the register").click()
        expect(page.locator(".flash")).to_contain_text("Taken off the register: Priya Walkin")
        expect(page.locator(".register-totals")).to_have_text("2 came (2 adults, 0 children) of 3 on the register.")
        fits_the_phone(page)
    finally:
        context.close()


def test_tabbing_down_a_long_register_never_hides_the_focus_under_the_save_bar(live_app, new_page):
    """WCAG 2.2 focus not obscured: "Save register" stays stuck to the bottom of a phone's screen,
    so the line that Tab moves to must be scrolled clear of it, not under it."""
    app, url = live_app.app, live_app.url
    organiser = add_member(app, "Olu Organiser", roles=["committee"])
    people = [add_member(app, f"Carer Number{i:02d}") for i in range(14)]
    event_id = started_training(app, organiser.id, [p.id for p in people])
    page = new_page()
    page.emulate_media(reduced_motion="reduce")  # no smooth scrolling: measure where Tab lands
    sign_in(page, url, organiser.email, organiser.password)
    page.goto(f"{url}/events/{event_id}/register")
    page.get_by_role("group", name=re.compile("^Carer Number00")).get_by_label("Came").focus()
    hidden = []
    for _ in range(len(people) + 2):
        page.keyboard.press("Tab")
        where = page.evaluate(
            """() => {
                const focused = document.activeElement;
                const shown = focused.labels && focused.labels.length ? focused.labels[0] : focused;
                const bar = document.querySelector('.register-save').getBoundingClientRect();
                const box = shown.getBoundingClientRect();
                return {
                    name: shown.textContent.trim() + ' ' + (focused.id || ''),
                    inBar: focused.closest('.register-save') !== null,
                    stuck: bar.bottom >= innerHeight - 1,
                    underBar: box.top >= bar.top - 0.5,
                };
            }"""
        )
        if where["stuck"] and where["underBar"] and not where["inBar"]:
            hidden.append(where["name"])
    assert not hidden, f"focus hidden under the sticky Save bar: {hidden}"
