"""Applying to join: the form, the confirmation link, the admin's decision and the emails."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from association.extensions import db
from association.mail.worker import deliver_due
from association.members.models import Member
from tests.smtp import link_path, text_part

GOOD = {
    "name": "Nia Hughes",
    "email": "nia@example.org",
    "phone": "07700 900123",
    "area": "Otley",
    "service_name": "Riverside County Council",
    "service_type": "local_authority",
    "approval_category": "kinship",
    "years_fostering": "3",
    "how_heard": "Another carer",
    "consent": "y",
}


def _members(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Member))


def test_application_waits_for_email_confirmation_then_for_an_admin(app, smtp):
    client = app.test_client()
    response = client.post("/apply", data=GOOD)
    assert response.status_code == 200 and b"nia@example.org" in response.data
    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.email == "nia@example.org"))
        assert (member.status, member.application_state) == ("applicant", "unconfirmed")
        assert member.area == "Otley" and member.approval_category == "kinship" and member.consent_at
        deliver_due()
    [message] = smtp.wait_for("nia@example.org")
    link = link_path(message, "/apply/confirm/")
    assert client.get(link).status_code == 200
    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.email == "nia@example.org"))
        assert member.application_state == "waiting" and member.email_confirmed_at
    # Using the link again is harmless.
    assert client.get(link).status_code == 200


def test_applying_with_a_registered_email_looks_the_same_and_creates_nothing(app, smtp, make_member):
    existing = make_member("Nia Hughes", email="nia@example.org")
    before = _members(app)
    response = app.test_client().post("/apply", data=GOOD)
    assert response.status_code == 200 and b"nia@example.org" in response.data
    assert _members(app) == before
    with app.app_context():
        deliver_due()
    [message] = smtp.wait_for(existing.email)
    assert "already" in text_part(message).lower()


@pytest.mark.parametrize(
    "change, field_message",
    [
        ({"name": ""}, b"Enter your name"),
        ({"name": "x" * 121}, b"120"),
        ({"email": "not-an-email"}, b"Enter an email address like"),
        ({"email": ""}, b"Enter your email address"),
        ({"email": "a" * 250 + "@example.org"}, b"at most 254"),
        ({"phone": "call me maybe"}, b"phone number"),
        ({"area": "12 Acacia Road, Otley LS21 3AB"}, b"not your full address"),
        ({"area": ""}, b"town or postcode district"),
        ({"service_type": "council-ish"}, b"Not a valid choice"),
        ({"approval_category": "whatever"}, b"Not a valid choice"),
        ({"years_fostering": "lots"}, b"years"),
        ({"years_fostering": "200"}, b"from 0 to 80"),
        ({"consent": ""}, b"privacy notice"),
        ({"how_heard": "y" * 201}, b"200"),
    ],
)
def test_bad_application_gets_a_clear_message_and_creates_nothing(app, client, change, field_message):
    response = client.post("/apply", data={**GOOD, **change})
    assert response.status_code == 200
    assert b"Please check the form" in response.data
    assert field_message in response.data
    assert _members(app) == 0


def test_confirmation_link_tampered_or_expired_is_refused(app, client):
    client.post("/apply", data=GOOD)
    with app.test_request_context():
        from association.members.tokens import make_token

        member_id = db.session.scalar(select(Member.id))
        token = make_token("confirm-application", {"id": member_id, "email": "nia@example.org"})
    tampered = client.get(f"/apply/confirm/{token[:-3]}abc")
    assert tampered.status_code == 400 and b"not valid" in tampered.data
    app.config["EMAIL_CONFIRM_MAX_AGE"] = -1
    expired = client.get(f"/apply/confirm/{token}")
    assert expired.status_code == 400 and b"expired" in expired.data
    # A token made for another purpose (a password link) cannot confirm an application.
    with app.test_request_context():
        from association.members.tokens import make_token

        other = make_token("set-password", {"id": member_id, "email": "nia@example.org"})
    app.config["EMAIL_CONFIRM_MAX_AGE"] = 3600
    assert client.get(f"/apply/confirm/{other}").status_code == 400
    with app.app_context():
        assert db.session.get(Member, member_id).application_state == "unconfirmed"


def _waiting_applicant(app, make_member):
    return make_member("Nia Hughes", email="nia@example.org", status="applicant", application_state="waiting")


def test_admin_approves_and_the_carer_sets_a_password(app, smtp, make_member):
    from tests.support import sign_in

    admin = make_member("Ada Admin", roles=["admin"])
    applicant = _waiting_applicant(app, make_member)
    client = sign_in(app.test_client(), admin)
    assert b"Nia Hughes" in client.get("/admin/applications").data
    response = client.post(f"/admin/applications/{applicant.id}/approve", data={"renewal_date": "2027-11-30"})
    assert response.status_code == 302
    with app.app_context():
        member = db.session.get(Member, applicant.id)
        assert (member.status, member.application_state) == ("active", "approved")
        assert str(member.renewal_date) == "2027-11-30" and member.decided_by_id == admin.id
        deliver_due()
    [message] = smtp.wait_for("nia@example.org")
    link = link_path(message, "/password/set/")
    carer = app.test_client()
    weak = carer.post(link, data={"password": "password123", "confirm": "password123"})
    assert b"common password" in weak.data
    short = carer.post(link, data={"password": "abc", "confirm": "abc"})
    assert b"at least 10 characters" in short.data
    mismatch = carer.post(link, data={"password": "kettle-lantern-orchard", "confirm": "kettle-lantern-orchar"})
    assert b"don&#39;t match" in mismatch.data or b"don't match" in mismatch.data
    done = carer.post(link, data={"password": "kettle-lantern-orchard", "confirm": "kettle-lantern-orchard"})
    assert done.status_code == 302
    assert carer.get("/members/").status_code == 200
    # The link worked once; it is now spent.
    again = app.test_client().get(link)
    assert again.status_code == 400 and b"already been used" in again.data
    # Approving twice is refused with a message, not an error.
    client.post(f"/admin/applications/{applicant.id}/approve", data={})
    assert b"Only a confirmed application" in client.get("/admin/applications").data


def test_admin_declines_with_a_reason_the_applicant_is_told(app, smtp, make_member):
    from tests.support import sign_in

    admin = make_member("Ada Admin", roles=["admin"])
    applicant = _waiting_applicant(app, make_member)
    client = sign_in(app.test_client(), admin)
    missing = client.post(f"/admin/applications/{applicant.id}/decline", data={"reason": ""})
    assert missing.status_code == 400 and b"Give a reason" in missing.data
    with app.app_context():
        assert db.session.get(Member, applicant.id).application_state == "waiting"
    client.post(
        f"/admin/applications/{applicant.id}/decline",
        data={"reason": "We are for carers approved by Riverside services only."},
    )
    with app.app_context():
        member = db.session.get(Member, applicant.id)
        assert member.application_state == "declined" and member.status == "applicant"
        deliver_due()
    [message] = smtp.wait_for("nia@example.org")
    assert "Riverside services only" in text_part(message)
    assert client.post("/admin/applications/999999/decline", data={"reason": "x"}).status_code == 404


def test_set_password_token_expires(app, make_member):
    member = make_member("Jo Carer")
    with app.test_request_context():
        from association.members.applications import password_token

        token = password_token(db.session.get(Member, member.id))
    app.config["PASSWORD_TOKEN_MAX_AGE"] = 0
    time.sleep(1.1)
    response = app.test_client().get(f"/password/set/{token}")
    assert response.status_code == 400 and b"expired" in response.data


def test_approving_with_a_malformed_renewal_date_changes_nothing(app, make_member):
    from tests.support import sign_in

    admin = make_member("Ada Admin", roles=["admin"])
    applicant = _waiting_applicant(app, make_member)
    client = sign_in(app.test_client(), admin)
    response = client.post(
        f"/admin/applications/{applicant.id}/approve", data={"renewal_date": "next spring"}, follow_redirects=True
    )
    assert b"renewal date must be a date" in response.data
    with app.app_context():
        assert db.session.get(Member, applicant.id).application_state == "waiting"
    assert client.post("/admin/applications/999999/approve", data={}).status_code == 404


def test_an_erased_applicant_leaves_the_queue_and_cannot_be_approved_or_declined(app, smtp, make_member):
    """Erasing an applicant's record ends their application: there is nobody left to decide on or write to.
    It used to stay in the queue as 'Former member', and approving it made the erased record an active
    member and failed on the email with no address (a 500)."""
    from association.mail.models import OutboxMessage
    from association.members.applications import waiting_count
    from tests.support import sign_in

    admin = make_member("Ada Admin", roles=["admin"])
    applicant = _waiting_applicant(app, make_member)
    client = sign_in(app.test_client(), admin)
    assert f"/admin/applications/{applicant.id}/approve" in client.get("/admin/applications").data.decode()
    assert client.post(f"/admin/members/{applicant.id}/erase").status_code == 302
    queue = client.get("/admin/applications").data.decode()
    assert f"/admin/applications/{applicant.id}/approve" not in queue
    with app.app_context():
        assert db.session.scalar(select(waiting_count())) == 0
    approved = client.post(f"/admin/applications/{applicant.id}/approve", data={}, follow_redirects=True)
    assert approved.status_code == 200 and b"Only a confirmed application" in approved.data
    declined = client.post(f"/admin/applications/{applicant.id}/decline", data={"reason": "x"}, follow_redirects=True)
    assert declined.status_code == 200 and b"Only a confirmed application" in declined.data
    with app.app_context():
        member = db.session.get(Member, applicant.id)
        assert (member.status, member.application_state, member.email) == ("left", "waiting", None)
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
