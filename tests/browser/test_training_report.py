"""The committee's attendance report on a 390 px phone: its charts fit, are images with a name and
a description beside a table with the same numbers, pass axe, and break no rule of the Content
Security Policy (pygal's own script and style sheet would)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from .support import assert_accessible, serve, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def live(tmp_path, smtp):
    with serve(tmp_path, smtp) as live:
        yield live


def _registers(app, member_id: int) -> None:
    from association.core.database import utcnow
    from association.extensions import db
    from association.training.models import Register, RegisterEntry

    with app.app_context():
        for n, kind in enumerate(("training", "peer_support", "social", "training", "peer_support")):
            held = utcnow() - timedelta(days=10 + 37 * n)
            register = Register(
                title=f"Meeting {n}",
                kind=kind,
                held_from=held,
                held_until=held + timedelta(hours=2),
                minutes=150 if kind == "training" else None,
                closes_at=held + timedelta(days=16),
            )
            db.session.add(register)
            db.session.flush()
            db.session.add_all(
                [
                    RegisterEntry(register_id=register.id, member_id=member_id, attended=n != 2, adults=2, children=n),
                    RegisterEntry(register_id=register.id, guest_name=f"Guest {n}", walk_in=True, attended=True),
                ]
            )
        db.session.commit()


def test_the_report_on_a_phone(live, new_page):
    from tests.support import add_member

    person = add_member(live.app, "Cath Committee", roles=["committee"])
    carer = add_member(live.app, "Jo Carer")
    _registers(live.app, carer.id)
    page = new_page()
    blocked = []
    page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    sign_in(page, live.url, person.email, person.password)
    page.goto(f"{live.url}/admin/")
    page.get_by_role("link", name="Attendance and training report").click()
    expect(page.get_by_role("heading", name="Attendance and training report", level=1)).to_be_visible()

    people = page.get_by_role("img", name="People who came each month")
    hours = page.get_by_role("img", name="Hours of training held each month")
    expect(people).to_be_visible()
    expect(hours).to_be_visible()
    # Described for a screen reader: four members' lines of two adults, and five guests.
    assert people.get_attribute("aria-describedby") == "people-chart-desc"
    description = page.locator("#people-chart-desc").text_content()
    assert "13 adults and 8 children in all" in description and "The table beside it has every number." in description
    # The numbers are in the table beside each chart.
    expect(page.get_by_role("table", name="People who came each month")).to_be_visible()
    expect(page.get_by_role("table", name="Training each month")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = people.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert_accessible(page)

    # A period the wrong way round: told beside the field, on the same page.
    page.get_by_label("From (month)").fill("2026-05")
    page.get_by_label("To (month)").fill("2026-01")
    page.get_by_role("button", name="Show the report").click()
    expect(page.get_by_text("The last month is before the first. Please check the months.").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    assert blocked == [], blocked
