"""Signing in and out, rate limits, password reset, and changing password or email."""

from __future__ import annotations

from association.extensions import db
from association.mail.worker import deliver_due
from association.members.models import Member
from tests.smtp import link_path, text_part
from tests.support import PASSWORD, sign_in

NEW_PASSWORD = "lantern-kettle-orchard-7"


def test_sign_in_and_out(app, client, make_member):
    member = make_member("Jo Carer")
    assert client.get("/members/").status_code == 302
    response = client.post("/login", data={"email": member.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/members/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/members/").status_code == 302


def test_remember_me_sets_a_long_lived_http_only_cookie(app, client, make_member):
    member = make_member("Jo Carer")
    response = client.post("/login", data={"email": member.email, "password": PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "Expires=" in remember[0]


def test_wrong_password_unknown_email_and_closed_account_look_the_same(app, client, make_member):
    member = make_member("Jo Carer")
    suspended = make_member("Sue Pended", status="suspended")
    answers = [
        client.post("/login", data={"email": member.email, "password": "wrong-password-here"}),
        client.post("/login", data={"email": "nobody@example.org", "password": "wrong-password-here"}),
        client.post("/login", data={"email": suspended.email, "password": PASSWORD}),
    ]
    assert {r.status_code for r in answers} == {200}
    messages = [r.data.split(b'class="flash')[1].split(b"</")[0] for r in answers]
    assert messages[0] == messages[1] == messages[2]
    assert client.get("/members/").status_code == 302


def test_login_form_rejects_malformed_input(client):
    response = client.post("/login", data={"email": "not an email", "password": ""})
    assert b"Enter an email address like" in response.data and b"Enter your password" in response.data


def test_login_never_redirects_off_site(app, client, make_member):
    member = make_member("Jo Carer")
    response = client.post("/login?next=//evil.example/steal", data={"email": member.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/account/", data={"email": member.email, "password": PASSWORD})
    assert response.headers["Location"] == "/account/"


def test_failed_logins_are_limited_per_account(app, make_member):
    app.config["LOGIN_RATE_LIMIT_ACCOUNT"] = "3 per 15 minutes"
    member = make_member("Jo Carer")
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        client = app.test_client()
        r = client.post(
            "/login",
            data={"email": member.email, "password": "wrong-password-here"},
            environ_base={"REMOTE_ADDR": address},
        )
        assert r.status_code == 200
    # From a fourth address, even the right password waits: the account is being guessed at.
    blocked = app.test_client().post(
        "/login", data={"email": member.email, "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.0.0.4"}
    )
    assert blocked.status_code == 429 and b"too many wrong passwords" in blocked.data
    # Another account from the same address is not affected.
    other = make_member("Sam Other")
    ok = app.test_client().post(
        "/login", data={"email": other.email, "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.0.0.4"}
    )
    assert ok.status_code == 302


def test_logins_are_limited_per_address_and_unknown_emails_count_too(app):
    app.config["LOGIN_RATE_LIMIT_ADDRESS"] = "4 per 15 minutes"
    client = app.test_client()
    codes = [
        client.post("/login", data={"email": f"guess{i}@example.org", "password": "wrong-password-here"}).status_code
        for i in range(5)
    ]
    assert codes == [200, 200, 200, 200, 429]


def test_password_reset_by_email(app, smtp, make_member):
    member = make_member("Jo Carer")
    client = app.test_client()
    for email in (member.email, "nobody@example.org"):
        response = client.post("/password/reset", data={"email": email})
        assert response.status_code == 200 and b"If " in response.data
    with app.app_context():
        deliver_due()
    [message] = smtp.wait_for(member.email)
    assert smtp.to("nobody@example.org") == []
    link = link_path(message, "/password/set/")
    client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    client.post("/logout")
    assert client.post("/login", data={"email": member.email, "password": PASSWORD}).status_code == 200
    assert client.post("/login", data={"email": member.email, "password": NEW_PASSWORD}).status_code == 302
    assert client.get(link).status_code == 400  # spent


def test_password_reset_rejects_a_malformed_email(client):
    response = client.post("/password/reset", data={"email": "jo at example"})
    assert b"Enter an email address like" in response.data


def test_changing_password_signs_out_other_devices(app, make_member):
    member = make_member("Jo Carer")
    phone, laptop = sign_in(app.test_client(), member), sign_in(app.test_client(), member)
    wrong = laptop.post(
        "/account/password", data={"current": "nope-nope-nope", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert b"isn&#39;t your current password" in wrong.data or b"isn't your current password" in wrong.data
    weak = laptop.post(
        "/account/password", data={"current": PASSWORD, "password": "jo carer 1", "confirm": "jo carer 1"}
    )
    assert b"Please check the form" in weak.data
    done = laptop.post(
        "/account/password", data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert laptop.get("/account/").status_code == 200
    assert phone.get("/account/").status_code == 302
    with app.app_context():
        deliver_due()


def test_changing_email_needs_the_new_address_confirmed(app, smtp, make_member):
    member = make_member("Jo Carer")
    client = sign_in(app.test_client(), member)
    bad = client.post("/account/email", data={"email": "nope", "current": PASSWORD})
    assert b"Enter an email address like" in bad.data
    client.post("/account/email", data={"email": "jo.new@example.org", "current": PASSWORD})
    with app.app_context():
        assert db.session.get(Member, member.id).email == member.email  # not yet
        deliver_due()
    [message] = smtp.wait_for("jo.new@example.org")
    link = link_path(message, "/account/email/confirm/")
    tampered = client.get(link[:-4] + "abcd")
    assert tampered.status_code == 400
    assert client.get(link).status_code == 302
    with app.app_context():
        assert db.session.get(Member, member.id).email == "jo.new@example.org"
        deliver_due()
    [notice] = smtp.wait_for(member.email)
    assert "jo.new@example.org" in text_part(notice)
    assert client.get(link).status_code == 400  # already used


def test_applicants_and_suspended_members_cannot_sign_in(app, client, make_member):
    suspended = make_member("Sue Pended", status="suspended")
    assert client.post("/login", data={"email": suspended.email, "password": PASSWORD}).status_code == 200
    assert client.get("/account/").status_code == 302


def test_lapsed_member_keeps_their_account_pages_but_not_the_directory(app, make_member):
    lapsed = make_member("Lap Sed", status="lapsed")
    client = sign_in(app.test_client(), lapsed)
    assert client.get("/account/").status_code == 200
    assert b"lapsed" in client.get("/account/").data
    assert client.get("/members/").status_code == 403


def test_suspending_a_member_ends_their_session(app, make_member):
    member = make_member("Jo Carer")
    client = sign_in(app.test_client(), member)
    with app.app_context():
        from association.members.registry import set_status

        admin = db.session.get(Member, make_member("Ada Admin", roles=["admin"]).id)
        set_status(db.session.get(Member, member.id), "suspended", admin, "test")
        db.session.commit()
    assert client.get("/account/").status_code == 302
