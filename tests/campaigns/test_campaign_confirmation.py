"""Sending a campaign is deliberate: a confirmation page shows who gets it, what it says and what the
personal-data check found, and only what that page showed is sent."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from association.campaigns.models import Campaign
from association.core.timefmt import local_today
from association.extensions import db
from association.mail.models import OutboxMessage
from association.mail.worker import deliver_due
from tests.support import sign_in

from .test_campaigns import _campaign_id, _compose, confirm_fields, schedule, send


def _queued(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.campaign_id.is_not(None))
        )


def _status(app, campaign_id: int) -> str:
    with app.app_context():
        return db.session.get(Campaign, campaign_id).status


@pytest.fixture
def strategy_pair(make_member):
    return [make_member("Jo Carer", roles=["strategy"]), make_member("Sam Carer", roles=["strategy"])]


def test_the_confirmation_page_shows_who_what_and_the_findings(app, smtp, admin_client, strategy_pair):
    client, _ = admin_client
    campaign_id = _campaign_id(
        _compose(
            client,
            audience="role",
            role="strategy",
            subject="News about my foster son Tyler",
            body="Hello {{ first_name }}, ring me on 07700 900123 or jo@example.org.",
        )
    )
    review = client.get(f"/admin/mail/{campaign_id}").get_data(as_text=True)
    assert "Check before sending: this may identify someone" in review
    assert "<mark" in review and "07700 900123</mark>" in review and "Tyler</mark>" in review
    # The review page only leads to the confirmation: no form there sends anything.
    assert f'action="/admin/mail/{campaign_id}/send"' not in review
    assert f'href="/admin/mail/{campaign_id}/send"' in review

    response = client.get(f"/admin/mail/{campaign_id}/send")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Send this email now?" in page
    assert "<strong>2</strong> members (Members with a role: Strategy group)" in page
    assert "Jo Carer" in page and "Sam Carer" in page
    assert "News about my foster son Tyler" in page  # the subject
    assert "Hello Alex, ring me on" in page  # the preview, as the sender would get it
    assert "This may identify someone" in page and "07700 900123</mark>" in page and "jo@example.org</mark>" in page
    assert "Send anyway to 2 members" in page
    assert _queued(app) == 0 and _status(app, campaign_id) == "draft"  # opening it sends nothing

    assert client.post(f"/admin/mail/{campaign_id}/send", data=confirm_fields(page)).status_code == 302
    with app.app_context():
        assert deliver_due().sent == 2
    assert {r for rcpts, _ in smtp.messages for r in rcpts} == {m.email for m in strategy_pair}


def test_a_clean_email_is_sent_with_a_plain_button(app, admin_client, strategy_pair):
    client, _ = admin_client
    campaign_id = _campaign_id(_compose(client, audience="role", role="strategy"))
    assert "Check before sending" not in client.get(f"/admin/mail/{campaign_id}").get_data(as_text=True)
    page = client.get(f"/admin/mail/{campaign_id}/send").get_data(as_text=True)
    assert "Send now to 2 members" in page and "may identify someone" not in page


def test_a_page_opened_before_a_change_is_refused_and_shows_the_new_version(app, admin_client, strategy_pair):
    client, _ = admin_client
    campaign_id = _campaign_id(_compose(client, audience="role", role="strategy", body="Meeting on Friday."))
    stale = confirm_fields(client.get(f"/admin/mail/{campaign_id}/send").get_data(as_text=True))
    # Another tab (or another committee member) changes the wording meanwhile.
    edit = client.get(f"/admin/mail/{campaign_id}/edit").get_data(as_text=True)
    version = re.search(r'name="edit_version" type="hidden" value="(\d+)"', edit).group(1)
    client.post(
        f"/admin/mail/{campaign_id}/edit",
        data={
            "subject": "Summer social this Saturday",
            "body": "Meeting moved to Monday.",
            "topic": "news",
            "audience": "role",
            "role": "strategy",
            "edit_version": version,
        },
    )

    response = client.post(f"/admin/mail/{campaign_id}/send", data=stale)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "changed after you opened this page" in page and "Meeting moved to Monday." in page
    assert _queued(app) == 0 and _status(app, campaign_id) == "draft"
    # The fresh page, confirmed, sends the new version.
    assert client.post(f"/admin/mail/{campaign_id}/send", data=confirm_fields(page)).status_code == 302
    with app.app_context():
        assert {m.text_body.count("Meeting moved to Monday.") for m in db.session.scalars(select(OutboxMessage))} == {1}


def test_a_change_of_recipients_is_shown_before_sending(app, admin_client, make_member, strategy_pair):
    client, _ = admin_client
    campaign_id = _campaign_id(_compose(client, audience="role", role="strategy"))
    stale = confirm_fields(client.get(f"/admin/mail/{campaign_id}/send").get_data(as_text=True))
    make_member("Newly Joined", roles=["strategy"])

    response = client.post(f"/admin/mail/{campaign_id}/send", data=stale)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Who gets this email, or when, changed after you opened this page" in page
    assert "<strong>3</strong> members" in page and "Newly Joined" in page
    assert _queued(app) == 0
    client.post(f"/admin/mail/{campaign_id}/send", data=confirm_fields(page))
    assert _queued(app) == 3


@pytest.mark.parametrize(
    "tamper",
    [
        {"edit_version": None},
        {"edit_version": "abc"},
        {"edit_version": "99999999999999999999"},
        {"edit_version": "-1"},
        {"edit_version": "0"},
        {"recipients": None},
        {"recipients": ""},
        {"recipients": "x" * 65},
        {"recipients": "0" * 24},
    ],
)
def test_bad_or_tampered_confirmations_send_nothing(app, admin_client, strategy_pair, tamper):
    client, _ = admin_client
    campaign_id = _campaign_id(_compose(client, audience="role", role="strategy"))
    fields = confirm_fields(client.get(f"/admin/mail/{campaign_id}/send").get_data(as_text=True))
    for name, value in tamper.items():
        if value is None:
            fields.pop(name)
        else:
            fields[name] = value
    response = client.post(f"/admin/mail/{campaign_id}/send", data=fields)
    assert response.status_code in (400, 409)
    page = response.get_data(as_text=True)
    assert "Send this email now?" in page and ("incomplete" in page or "changed after you opened" in page)
    assert _queued(app) == 0 and _status(app, campaign_id) == "draft"


def test_scheduling_is_confirmed_too(app, admin_client, strategy_pair):
    client, _ = admin_client
    campaign_id = _campaign_id(_compose(client, audience="role", role="strategy", body="Call 07700 900123"))
    with app.app_context():
        day = local_today() + timedelta(days=3)
    response = client.get(f"/admin/mail/{campaign_id}/schedule?send_date={day.isoformat()}&send_time=10:30")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Schedule this email?" in page and f"{day.day} {day:%b %Y}, 10:30" in page
    assert "Schedule anyway for 2 members" in page and "07700 900123</mark>" in page
    assert _status(app, campaign_id) == "draft"  # choosing a time schedules nothing

    fields = confirm_fields(page)
    # The time can't be moved on the way: another time is shown to be confirmed again; a past one is refused.
    moved = client.post(f"/admin/mail/{campaign_id}/schedule", data={**fields, "send_time": "11:45"})
    assert moved.status_code == 409 and f"{day.day} {day:%b %Y}, 11:45" in moved.get_data(as_text=True)
    assert _status(app, campaign_id) == "draft"
    past = {**fields, "send_date": (day - timedelta(days=10)).isoformat()}
    response = client.post(f"/admin/mail/{campaign_id}/schedule", data=past, follow_redirects=True)
    assert "Please choose a time in the future." in response.get_data(as_text=True)
    assert _status(app, campaign_id) == "draft"
    for bad in ({**fields, "send_date": "31/12/2030"}, {k: v for k, v in fields.items() if k != "send_time"}):
        response = client.post(f"/admin/mail/{campaign_id}/schedule", data=bad, follow_redirects=True)
        assert "incomplete" in response.get_data(as_text=True)
        assert _status(app, campaign_id) == "draft"

    assert client.post(f"/admin/mail/{campaign_id}/schedule", data=fields).status_code == 302
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.status == "scheduled" and campaign.scheduled_for.minute == 30
    assert _queued(app) == 0


def test_a_stale_schedule_confirmation_is_refused(app, admin_client, strategy_pair, make_member):
    client, _ = admin_client
    campaign_id = _campaign_id(_compose(client, audience="role", role="strategy"))
    with app.app_context():
        day = local_today() + timedelta(days=3)
    page = client.get(f"/admin/mail/{campaign_id}/schedule?send_date={day.isoformat()}&send_time=10:30")
    make_member("Newly Joined", roles=["strategy"])
    response = client.post(f"/admin/mail/{campaign_id}/schedule", data=confirm_fields(page.get_data(as_text=True)))
    assert response.status_code == 409 and "Schedule this email?" in response.get_data(as_text=True)
    assert _status(app, campaign_id) == "draft"


def test_bad_schedule_choices_are_explained_on_the_review_page(app, admin_client, strategy_pair):
    client, _ = admin_client
    campaign_id = _campaign_id(_compose(client, audience="role", role="strategy"))
    for query in (
        "send_date=&send_time=09:00",
        "send_date=2031-02-30&send_time=09:00",
        "send_date=2031-01-01",
        "send_date=2031-01-01&send_time=25:99",
        "send_date=%00&send_time=%00",
    ):
        response = client.get(f"/admin/mail/{campaign_id}/schedule?{query}")
        assert response.status_code in (400, 302), query
    response = client.get(f"/admin/mail/{campaign_id}/schedule?send_date=&send_time=09:00")
    assert "Choose a date." in response.get_data(as_text=True) and "Or send it later" in response.get_data(as_text=True)
    assert _status(app, campaign_id) == "draft"


def test_the_recipients_page_lists_everyone_with_pages(app, admin_client, make_member, monkeypatch):
    from association.campaigns import views as campaign_views

    client, _ = admin_client
    people = [make_member(f"Person {letter}", roles=["strategy"]) for letter in "ABC"]
    campaign_id = _campaign_id(_compose(client, audience="role", role="strategy"))
    monkeypatch.setattr(campaign_views, "RECIPIENTS_PAGE_SIZE", 2)
    first = client.get(f"/admin/mail/{campaign_id}/recipients").get_data(as_text=True)
    second = client.get(f"/admin/mail/{campaign_id}/recipients?page=2").get_data(as_text=True)
    assert "Person A" in first and people[0].email in first and "Person C" not in first and "Page 1 of 2" in first
    assert "Person C" in second and people[2].email in second
    assert client.get(f"/admin/mail/{campaign_id}/recipients?page=99999999999").status_code == 200

    send(client, campaign_id)
    sent = client.get(f"/admin/mail/{campaign_id}/recipients").get_data(as_text=True)
    assert "Who it went to" in sent and "Waiting to send" in sent and people[0].email not in sent


@pytest.mark.parametrize("role", [None, "strategy", "moderator"])
def test_only_admins_and_the_committee_may_confirm_or_cancel(app, make_member, strategy_pair, role):
    outsider = make_member("Mel Member", roles=[role] if role else [])
    committee = make_member("Cath Committee", roles=["committee"])
    writer = sign_in(app.test_client(), committee)
    campaign_id = _campaign_id(_compose(writer, audience="role", role="strategy"))
    fields = confirm_fields(writer.get(f"/admin/mail/{campaign_id}/send").get_data(as_text=True))

    client = sign_in(app.test_client(), outsider)
    for method, path, data in (
        ("get", "send", None),
        ("post", "send", fields),
        ("get", "schedule?send_date=2031-01-01&send_time=09:00", None),
        ("post", "schedule", {**fields, "send_date": "2031-01-01", "send_time": "09:00"}),
        ("get", "recipients", None),
        ("post", "cancel", None),
    ):
        response = getattr(client, method)(f"/admin/mail/{campaign_id}/{path}", data=data)
        assert response.status_code == 403, (method, path)
    assert _queued(app) == 0 and _status(app, campaign_id) == "draft"
    # The committee member who wrote it may.
    assert writer.post(f"/admin/mail/{campaign_id}/send", data=fields).status_code == 302
    assert _queued(app) == (3 if role == "strategy" else 2)


def test_schedule_uses_the_same_helpers(app, admin_client, strategy_pair):
    """The helpers other tests use to schedule go through the confirmation page too."""
    client, _ = admin_client
    campaign_id = _campaign_id(_compose(client, audience="role", role="strategy"))
    with app.app_context():
        day = local_today() + timedelta(days=2)
    assert schedule(client, campaign_id, day).status_code == 302
    assert _status(app, campaign_id) == "scheduled"
