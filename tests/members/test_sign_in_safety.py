"""Where sign-in sends you, and why nobody can lock you out of your own account.

Before: ``POST /login?next=/%09/evil.example`` answered ``Location: //evil.example`` (browsers drop
the tab) and ``next=/%0D%0A/x`` gave a 500; moderators' forms followed their ``next`` the same way.
Eight wrong passwords from anyone kept the owner out for 15 minutes, and 20 successful sign-ins
from one venue's Wi-Fi locked the whole room out.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask

from association.core.redirects import safe_next
from association.mail.worker import deliver_due
from tests.support import PASSWORD, sign_in

# Each of these, followed by a browser, would leave this site or is not a plain path here.
BYPASSES = [
    "//evil.example",
    "///evil.example",
    "////evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "\\/evil.example",
    "https://evil.example",
    "http://evil.example/",
    "HTTPS://evil.example",
    "https:evil.example",
    "//evil.example@localhost",
    "http://localhost@evil.example/",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/\u2215evil.example",
    "/\uff0f\uff0fevil.example",
    "\u3002evil.example",
    "/\x00/evil.example",
    "//evil%2Eexample",
    "http://evil.example%23@localhost/",
    "/" + "a" * 3000,
    "//localhost.evil.example",
    "ftp://evil.example",
    "\x0b//evil.example",
    "//\u200b/evil.example",
]
# Paths on this site come back as they were.
KEPT = ["/", "/account/", "/forum/t/3?page=2", "/events/?kind=training&page=2", "/%2F%2Fevil.example"]


@pytest.fixture(scope="module")
def bare_app():
    return Flask(__name__)


@pytest.mark.parametrize("target", BYPASSES)
def test_safe_next_refuses_known_bypasses(bare_app, target):
    with bare_app.test_request_context("/login", base_url="http://localhost"):
        assert safe_next(target, "/fallback") == "/fallback"


@pytest.mark.parametrize("target", KEPT)
def test_safe_next_keeps_paths_on_this_site(bare_app, target):
    with bare_app.test_request_context("/login", base_url="http://localhost"):
        assert safe_next(target, "/fallback") == target


def test_same_site_absolute_urls_become_paths(bare_app):
    with bare_app.test_request_context("/login", base_url="https://association.example"):
        assert safe_next("https://association.example/forum/?page=2#top", "/") == "/forum/?page=2"
        assert safe_next("https://association.example.evil/", "/") == "/"


@pytest.mark.parametrize(
    "raw",
    [
        "/%09/evil.example",
        "/%0D%0A/x",
        "%2F%2Fevil.example",
        "/%5Cevil.example",
        "%E2%88%95evil.example",
        "https%3A%2F%2Fevil.example",
    ],
)
def test_login_never_sends_anyone_off_site(app, make_member, raw):
    member = make_member("Jo Carer")
    response = app.test_client().post(f"/login?next={raw}", data={"email": member.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_moderation_forms_only_go_back_to_this_site(app, make_member):
    from association.extensions import db
    from association.forum.models import Category
    from association.forum.posting import start_thread
    from association.members.models import Member
    from tests.forum.helpers import make_trusted

    author = make_member("Tara Target")
    with app.app_context():
        category = Category(name="Peer support")
        db.session.add(category)
        db.session.commit()
        category_id = category.id
    make_trusted(app, author.id)
    with app.app_context():
        category = db.session.get(Category, category_id)
        post_id = start_thread(category, db.session.get(Member, author.id), "Bedtimes", "What helped?").post.id
    moderator = sign_in(app.test_client(), make_member("Mo Moderator", roles=["moderator"]))
    for target in ("/\t/evil.example", "//evil.example", "https://evil.example", "/\\evil.example"):
        response = moderator.post(f"/forum/moderation/p/{post_id}/approve", data={"next": target})
        assert response.status_code == 302 and "evil" not in response.headers["Location"]
    kept = moderator.post(f"/forum/moderation/p/{post_id}/approve", data={"next": "/forum/moderation"})
    assert kept.headers["Location"] == "/forum/moderation"


def test_successful_sign_ins_from_one_address_never_lock_the_room_out(app, make_member):
    app.config["LOGIN_RATE_LIMIT_ADDRESS"] = "4 per 15 minutes"
    carers = [make_member(f"Carer {n}") for n in range(8)]
    venue = {"REMOTE_ADDR": "192.0.2.10"}
    codes = [
        app.test_client().post("/login", data={"email": c.email, "password": PASSWORD}, environ_base=venue).status_code
        for c in carers
    ]
    assert codes == [302] * 8
    # Failures from that address still count, so guessing from it is still stopped.
    wrong = [
        app.test_client()
        .post("/login", data={"email": f"guess{n}@example.org", "password": "not-it-at-all"}, environ_base=venue)
        .status_code
        for n in range(5)
    ]
    assert wrong == [200, 200, 200, 200, 429]


def _lock(app, member):
    app.config["LOGIN_RATE_LIMIT_ACCOUNT"] = "3 per 15 minutes"
    for n in range(3):
        app.test_client().post(
            "/login",
            data={"email": member.email, "password": "wrong-guess-here"},
            environ_base={"REMOTE_ADDR": f"198.51.100.{n}"},
        )


def test_a_locked_account_can_still_sign_in_by_an_emailed_link(app, smtp, make_member):
    member = make_member("Alex Admin", roles=["admin"])
    _lock(app, member)
    owner = app.test_client()
    locked = owner.post("/login", data={"email": member.email, "password": PASSWORD})
    page = locked.get_data(as_text=True)
    assert locked.status_code == 429
    assert "Email me a sign-in link" in page and f'value="{member.email}"' in page

    sent = owner.post("/login/link", data={"email": member.email})
    assert "we've sent a sign-in link" in sent.get_data(as_text=True)
    with app.app_context():
        deliver_due()
    [message] = smtp.wait_for(member.email)
    link = re.search(r"http://\S+(/login/link/\S+)", message.get_body(("plain",)).get_content()).group(1)

    # Opening the link (as a mail scanner would) spends nothing and signs nobody in.
    opened = owner.get(link)
    assert opened.status_code == 200 and "Sign me in" in opened.get_data(as_text=True)
    assert owner.get("/account/").status_code == 302
    signed_in = owner.post(link)
    assert signed_in.status_code == 302
    assert owner.get("/account/").status_code == 200
    # Once used, the link is spent.
    spent = app.test_client().post(link)
    assert spent.status_code == 400 and "already been used" in spent.get_data(as_text=True)


def test_sign_in_links_tell_nobody_whether_an_account_exists_and_are_limited(app, make_member):
    member = make_member("Jo Carer")
    client = app.test_client()
    known = client.post("/login/link", data={"email": member.email}).get_data(as_text=True)
    unknown = client.post("/login/link", data={"email": "nobody@example.org"}).get_data(as_text=True)
    assert known.replace(member.email, "X") == unknown.replace("nobody@example.org", "X")
    codes = [client.post("/login/link", data={"email": member.email}).status_code for _ in range(3)]
    assert codes[-1] == 429


@pytest.mark.parametrize("token", ["not-a-token", "x" * 5000, "..", "\u202e", "eyJpZCI6MX0.AAAA.BBBB"])
def test_a_bad_sign_in_link_is_explained(app, token):
    response = app.test_client().post(f"/login/link/{token}")
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert "new one" in response.get_data(as_text=True)


def test_a_sign_in_link_stops_working_after_a_password_sign_in(app, make_member):
    from association.extensions import db
    from association.members.accounts import _sign_in_stamp  # noqa: F401 - the link carries this stamp
    from association.members.models import Member
    from association.members.tokens import make_token

    member = make_member("Jo Carer")
    with app.app_context():
        saved = db.session.get(Member, member.id)
        token = make_token("sign-in-link", {"id": member.id, "v": saved.login_version, "at": ""})
    client = app.test_client()
    assert client.get(f"/login/link/{token}").status_code == 200
    sign_in(app.test_client(), member)
    assert client.post(f"/login/link/{token}").status_code == 400
