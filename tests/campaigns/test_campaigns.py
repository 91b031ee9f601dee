"""Campaigns: compose, audiences, consent, delivery to a real SMTP server, history."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from association.campaigns.models import Campaign
from association.campaigns.queueing import release_due_campaigns
from association.core.timefmt import local_today
from association.extensions import db
from association.mail.models import OutboxMessage
from association.mail.preferences import MailPreferences
from association.mail.worker import deliver_due
from association.members.models import Member
from tests.smtp import html_part, text_part
from tests.support import count_queries, sign_in


def _compose(client, **fields):
    data = {
        "subject": "Summer social this Saturday",
        "body": "Hello {{ first_name }}, see you there!",
        "topic": "news",
        "audience": "active",
        **fields,
    }
    return client.post("/admin/mail/new", data=data)


def _campaign_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/admin/mail/(\d+)", response.headers["Location"]).group(1))


HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


def confirm_fields(page: str) -> dict[str, str]:
    """The confirmation form's hidden fields, as the page carries them back."""
    return {name: value for name, value in HIDDEN.findall(page) if name != "csrf_token"}


def send(client, campaign_id: int, **kwargs):
    """Open the confirmation page and confirm it, as the sender does."""
    page = client.get(f"/admin/mail/{campaign_id}/send")
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    return client.post(f"/admin/mail/{campaign_id}/send", data=confirm_fields(page.get_data(as_text=True)), **kwargs)


def schedule(client, campaign_id: int, day, at: str = "09:00", **kwargs):
    """Choose a time on the review page, then confirm it."""
    page = client.get(f"/admin/mail/{campaign_id}/schedule?send_date={day.isoformat()}&send_time={at}")
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    return client.post(
        f"/admin/mail/{campaign_id}/schedule", data=confirm_fields(page.get_data(as_text=True)), **kwargs
    )


def _outbox_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def _deliver(app):
    with app.app_context():
        return deliver_due()


def _say_no(app, member_id: int, **choices):
    with app.app_context():
        db.session.add(MailPreferences(member_id=member_id, **choices))
        db.session.commit()


def test_campaign_reaches_every_chosen_recipient_and_no_one_else(app, smtp, admin_client, make_member):
    client, admin = admin_client
    committee = [make_member(f"Committee Person{i}", roles=["committee"]) for i in range(3)]
    outsider = make_member("Olive Outsider")
    said_no = make_member("Nora Noemail", roles=["committee"])
    lapsed = make_member("Larry Lapsed", roles=["committee"], status="lapsed")
    _say_no(app, said_no.id, association_news=False)

    campaign_id = _campaign_id(
        _compose(
            client,
            audience="role",
            role="committee",
            subject="Agenda for {{ first_name }}",
            body="Dear {{ full_name }},\n\n**Bring** the minutes. <script>x()</script>",
        )
    )
    page = client.get(f"/admin/mail/{campaign_id}").get_data(as_text=True)
    assert "<strong>3</strong> members will get this email" in page
    assert "1 left out because they said no" in page and "Nora Noemail" in page

    response = send(client, campaign_id)
    assert response.status_code == 302
    assert _deliver(app).sent == 3

    received = {rcpt for rcpts, _ in smtp.messages for rcpt in rcpts}
    assert received == {m.email for m in committee}
    for person in (outsider, said_no, lapsed, admin):
        assert smtp.to(person.email) == []
    [message] = smtp.to(committee[0].email)
    assert message["Subject"] == "Agenda for Committee"
    assert "Dear Committee Person0," in text_part(message)
    html = html_part(message)
    assert "<strong>Bring</strong>" in html and "<script>" not in html
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # One URL in angle brackets, not RFC 2047 words (the modern email policy encodes long ones).
    assert re.fullmatch(r"<https?://[^>\s]+/unsubscribe/[^>\s]+>", message["List-Unsubscribe"].strip())
    assert "/unsubscribe/" in text_part(message) and "/account/preferences" in text_part(message)

    history = client.get("/admin/mail/").get_data(as_text=True)
    assert "Agenda for {{ first_name }}" in history
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert (campaign.status, campaign.recipient_count, campaign.left_out_count) == ("queued", 3, 1)


def test_merge_values_are_escaped_in_html_and_kept_in_text(app, smtp, admin_client, make_member):
    client, _ = admin_client
    tricky = make_member("<b>Bo</b> & Co", "bo@example.org", roles=["strategy"])
    campaign_id = _campaign_id(_compose(client, audience="role", role="strategy", body="Hi {{ first_name }}"))
    send(client, campaign_id)
    _deliver(app)
    [message] = smtp.to(tricky.email)
    assert "&lt;b&gt;Bo&lt;/b&gt;" in html_part(message) and "<b>Bo</b>" not in html_part(message)
    assert "Hi <b>Bo</b>" in text_part(message)


def test_one_click_unsubscribe_from_the_header_url(app, smtp, admin_client, make_member):
    client, _ = admin_client
    jo = make_member("Jo Carer", roles=["moderator"])
    campaign_id = _campaign_id(_compose(client, audience="role", role="moderator"))
    send(client, campaign_id)
    _deliver(app)
    [message] = smtp.to(jo.email)
    url = urlsplit(message["List-Unsubscribe"].strip().strip("<>")).path

    anonymous = app.test_client()
    page = anonymous.get(url)
    assert page.status_code == 200 and "Stop these emails?" in page.get_data(as_text=True)
    with app.app_context():  # opening the link (as a link scanner would) changes nothing
        assert db.session.get(MailPreferences, jo.id) is None

    # RFC 8058: the mail provider POSTs this body, with no cookies and no CSRF token.
    response = anonymous.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "You're unsubscribed" in response.get_data(as_text=True)
    with app.app_context():
        prefs = db.session.get(MailPreferences, jo.id)
        assert prefs.association_news is False and prefs.event_reminders is True

    second = _campaign_id(_compose(client, audience="role", role="moderator", subject="Again"))
    assert "1 left out" in client.get(f"/admin/mail/{second}").get_data(as_text=True)


def test_unsubscribe_token_cannot_be_forged_or_moved_to_another_member(app, make_member):
    from association.mail.consent import unsubscribe_token

    jo, sam = make_member("Jo Carer"), make_member("Sam Carer")
    with app.test_request_context():
        token = unsubscribe_token(jo.id, "association_news")
    payload, _, signature = token.partition(".")
    forged_payload = payload.replace(str(jo.id), str(sam.id)) if str(jo.id) in payload else payload[:-1] + "x"
    anonymous = app.test_client()
    for bad in (f"{forged_payload}.{signature}", token[:-3] + "abc", "not-a-token"):
        response = anonymous.post(f"/unsubscribe/{bad}", data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 400
        assert "not valid" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MailPreferences)) == 0


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"subject": ""}, "Write a subject."),
        ({"body": "Hello {{ nickname }}"}, "{{ nickname }} is not a merge field we know"),
        ({"body": "See you at {{ event_title }}"}, "only works when the audience is an event"),
        ({"audience": "event_going", "event_id": ""}, "Choose the event"),
        ({"audience": "chosen", "chosen": "nobody@example.org"}, "not members&#39;: nobody@example.org"),
    ],
)
def test_bad_compose_input_is_explained_and_nothing_is_saved(app, admin_client, fields, message):
    client, _ = admin_client
    response = _compose(client, **dict(fields))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0
    assert _outbox_count(app) == 0


def test_an_empty_audience_is_refused_and_nothing_queued(app, admin_client, make_member):
    client, _ = admin_client
    campaign_id = _campaign_id(_compose(client, audience="category", category="emergency"))
    page = client.get(f"/admin/mail/{campaign_id}").get_data(as_text=True)
    assert "Nobody would receive this" in page and "Send now" not in page
    confirm = client.get(f"/admin/mail/{campaign_id}/send").get_data(as_text=True)
    assert "Nobody would receive this" in confirm and "edit_version" not in confirm
    # Sent anyway, with the page's own values (an old tab, a script): refused, and said so.
    with app.app_context():
        from association.campaigns.queueing import audience_of
        from association.campaigns.sending import audience_fingerprint

        campaign = db.session.get(Campaign, campaign_id)
        fields = {
            "edit_version": campaign.edit_version,
            "recipients": audience_fingerprint(campaign, audience_of(campaign)),
        }
    response = client.post(f"/admin/mail/{campaign_id}/send", data=fields, follow_redirects=True)
    assert "there is no one in this audience" in response.get_data(as_text=True)
    # Everyone in it said no: still refused, and said so.
    said_no = make_member("Em Emergency", approval_category="emergency")
    _say_no(app, said_no.id, association_news=False)
    response = client.post(f"/admin/mail/{campaign_id}/send", data=fields, follow_redirects=True)
    assert "all 1 people in this audience have said no" in response.get_data(as_text=True)
    assert _outbox_count(app) == 0
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "draft"


def test_scheduling_in_the_past_is_refused_and_the_future_is_sent_by_the_worker(app, smtp, admin_client, make_member):
    client, _ = admin_client
    jo = make_member("Jo Carer")
    campaign_id = _campaign_id(_compose(client))
    with app.app_context():
        today = local_today()
    yesterday = today - timedelta(days=1)
    response = client.get(
        f"/admin/mail/{campaign_id}/schedule?send_date={yesterday.isoformat()}&send_time=09:00", follow_redirects=True
    )
    assert "Please choose a time in the future." in response.get_data(as_text=True)
    response = client.get(f"/admin/mail/{campaign_id}/schedule?send_date=&send_time=09:00")
    assert response.status_code == 400 and "Choose a date." in response.get_data(as_text=True)
    assert _outbox_count(app) == 0

    tomorrow = today + timedelta(days=1)
    schedule(client, campaign_id, tomorrow)
    with app.app_context():
        assert release_due_campaigns() == 0  # not yet
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.status == "scheduled"
        campaign.scheduled_for = campaign.scheduled_for - timedelta(days=2)  # time passes
        db.session.commit()
    # The worker's round releases it: campaigns do that work for it through hooks.working_each_round.
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and "; campaigns queued 1; sent " in result.output, result.output
    with app.app_context():
        assert release_due_campaigns() == 0  # taken once only
    _deliver(app)
    assert len(smtp.to(jo.email)) == 1


def test_cancelling_a_schedule_makes_it_a_draft_again(app, admin_client, make_member):
    client, _ = admin_client
    make_member("Jo Carer")
    campaign_id = _campaign_id(_compose(client))
    with app.app_context():
        tomorrow = local_today() + timedelta(days=1)
    schedule(client, campaign_id, tomorrow)
    client.post(f"/admin/mail/{campaign_id}/unschedule")
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "draft"
        assert release_due_campaigns() == 0


def test_event_audiences_and_event_merge_fields(app, smtp, admin_client, make_member):
    from association.events.rsvps import respond
    from tests.events.helpers import add_event

    client, admin = admin_client
    going, waiting, other = make_member("Gina Going"), make_member("Walt Waiting"), make_member("Otto Other")
    event_id = add_event(app, admin.id, title="Picnic in the park", capacity=1, venue_name="Riverside Park")
    with app.app_context():
        respond(event_id, db.session.get(Member, going.id), True)
        respond(event_id, db.session.get(Member, waiting.id), True)
    body = "{{ event_title }} is on {{ event_date }} at {{ event_venue }}."
    for audience in ("event_going", "event_waitlist"):
        campaign_id = _campaign_id(
            _compose(
                client,
                audience=audience,
                event_id=str(event_id),
                topic="event",
                subject=f"News for {audience}",
                body=body,
            )
        )
        send(client, campaign_id)
    _deliver(app)
    assert [m["Subject"] for m in smtp.to(going.email)] == ["News for event_going"]
    assert [m["Subject"] for m in smtp.to(waiting.email)] == ["News for event_waitlist"]
    assert smtp.to(other.email) == []
    assert "Picnic in the park is on" in text_part(smtp.to(going.email)[0])
    assert "at Riverside Park." in text_part(smtp.to(going.email)[0])


def test_lapsed_due_to_renew_category_and_chosen_audiences(app, admin_client, make_member):
    from association.campaigns.audiences import resolve

    client, _ = admin_client
    with app.app_context():
        today = local_today()
    lapsed = make_member("Lee Lapsed", status="lapsed")
    due = make_member("Dee Due", renewal_date=today + timedelta(days=5))
    later = make_member("Lou Later", renewal_date=today + timedelta(days=300))
    kin = make_member("Kim Kinship", approval_category="kinship")
    make_member("Ann Applicant", status="applicant")
    with app.app_context():

        def names(audience, value="", chosen=None):
            return sorted(r.name for r in resolve(audience, value, chosen, "news").recipients)

        assert names("lapsed") == ["Lee Lapsed"]
        assert names("due_renewal") == ["Dee Due"]
        assert names("category", "kinship") == ["Kim Kinship"]
        assert names("chosen", chosen=[later.id, lapsed.id]) == ["Lou Later"]  # only active members
        assert "Ann Applicant" not in names("active")
    response = _compose(
        client, audience="chosen", chosen=f"{due.email.upper()}\n\n{kin.email}\n", body="Renew by {{ renewal_date }}"
    )
    with app.app_context():
        campaign = db.session.get(Campaign, _campaign_id(response))
        assert sorted(campaign.chosen_member_ids) == sorted([due.id, kin.id])


def test_preview_and_test_send_go_only_to_the_author(app, smtp, admin_client, make_member):
    client, admin = admin_client
    jo = make_member("Jo Carer")
    campaign_id = _campaign_id(_compose(client, body="Hello {{ first_name }}, **welcome**."))
    preview = client.get(f"/admin/mail/{campaign_id}/preview")
    assert preview.status_code == 200 and "<strong>welcome</strong>" in preview.get_data(as_text=True)
    assert "Hello Alex" in preview.get_data(as_text=True)
    assert "style-src 'unsafe-inline'" in preview.headers["Content-Security-Policy"]
    client.post(f"/admin/mail/{campaign_id}/test")
    _deliver(app)
    [test_copy] = smtp.to(admin.email)
    assert test_copy["Subject"] == "[Test] Summer social this Saturday"
    assert smtp.to(jo.email) == []
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "draft"


def test_a_sent_campaign_cannot_be_changed_or_sent_again(app, admin_client, make_member):
    client, _ = admin_client
    make_member("Jo Carer")
    campaign_id = _campaign_id(_compose(client))
    send(client, campaign_id)
    before = _outbox_count(app)
    response = client.get(f"/admin/mail/{campaign_id}/send", follow_redirects=True)
    assert "already been sent" in response.get_data(as_text=True)
    response = client.post(
        f"/admin/mail/{campaign_id}/send", data={"edit_version": "2", "recipients": "x"}, follow_redirects=True
    )
    assert "already been sent" in response.get_data(as_text=True)
    response = client.get(f"/admin/mail/{campaign_id}/edit", follow_redirects=True)
    assert "Only a draft can be changed" in response.get_data(as_text=True)
    assert _outbox_count(app) == before


def test_permanent_failures_show_in_history_and_on_the_member_record(app, smtp, admin_client, make_member):
    client, _ = admin_client
    good, bad = make_member("Gail Good"), make_member("Bob Bounce")
    smtp.refuse(bad.email)
    campaign_id = _campaign_id(_compose(client))
    send(client, campaign_id)
    report = _deliver(app)
    assert (report.sent, report.failed, report.retrying) == (2, 1, 0)  # admin + good; bad refused with 550
    assert _deliver(app).sent == 0  # a permanent failure is not retried
    page = client.get(f"/admin/mail/{campaign_id}").get_data(as_text=True)
    assert "Not delivered" in page and "Bob Bounce" in page and "550" in page
    record = client.get(f"/admin/members/{bad.id}").get_data(as_text=True)
    assert "Email that could not be delivered" in record and "Summer social" in record
    assert "Email that could not be delivered" not in client.get(f"/admin/members/{good.id}").get_data(as_text=True)


def test_history_runs_a_fixed_number_of_queries(app, admin_client, make_member):
    client, _ = admin_client
    make_member("Jo Carer")

    def history_queries() -> int:
        with count_queries(app) as counter:
            assert client.get("/admin/mail/").status_code == 200
        return counter[0]

    _campaign_id(_compose(client))
    few = history_queries()
    for n in range(12):
        campaign_id = _campaign_id(_compose(client, subject=f"Note {n}"))
        send(client, campaign_id)
    assert history_queries() == few


def test_only_admins_and_the_committee_may_send(app, make_member):
    committee = make_member("Cath Committee", roles=["committee"])
    member = make_member("Mel Member")
    assert sign_in(app.test_client(), committee).get("/admin/mail/new").status_code == 200
    assert sign_in(app.test_client(), member).get("/admin/mail/new").status_code == 403


def test_renewal_date_merge_field(app, smtp, admin_client, make_member):
    client, _ = admin_client
    due = make_member("Dee Due", renewal_date=date(2027, 1, 31))
    campaign_id = _campaign_id(
        _compose(client, audience="chosen", chosen=due.email, body="Your renewal is due on {{ renewal_date }}.")
    )
    send(client, campaign_id)
    _deliver(app)
    assert "Your renewal is due on 31 January 2027." in text_part(smtp.to(due.email)[0])
