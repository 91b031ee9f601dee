"""Crafted input gets a clear 4xx or a message on the form, never a 500 (issue 11, defect 6).

Each case was a 500 on SQLite, PostgreSQL or both before the request guard, the bounded id
converter and the clamped page number in ``association/core``.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from association.extensions import db
from association.forum.models import Post
from association.members.models import Member
from tests.support import sign_in

from ..forum.helpers import add_category, make_trusted

HUGE = 2**63
BEYOND_INTEGER = 2**31  # one past PostgreSQL's ``integer``, the type of every id column


@pytest.fixture
def forum(app, make_member):
    """A signed-in, trusted member with one thread of their own."""
    from association.forum.models import Category
    from association.forum.posting import start_thread

    carer = make_member("Jo Carer")
    add_category(app)
    make_trusted(app, carer.id)
    with app.app_context():
        category = db.session.scalars(select(Category)).first()
        outcome = start_thread(category, db.session.get(Member, carer.id), "Bedtime", "What helped?")
        db.session.commit()
        ids = {"thread": outcome.post.thread_id, "post": outcome.post.id, "category": category.id}
    return sign_in(app.test_client(), carer), carer, ids


def _posts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Post))


@pytest.mark.parametrize("path", ["/members/", "/forum/search?q=bedtime", "/events/"])
@pytest.mark.parametrize("page", [HUGE, 2**64 + 5, 10**30])
def test_a_huge_page_number_shows_the_last_page(forum, path, page):
    client, _, _ = forum
    separator = "&" if "?" in path else "?"
    response = client.get(f"{path}{separator}page={page}")
    assert response.status_code == 200


@pytest.mark.parametrize("value", [HUGE, BEYOND_INTEGER, -1, 0])
def test_a_huge_quote_id_is_ignored(forum, value):
    client, _, ids = forum
    response = client.get(f"/forum/t/{ids['thread']}/reply?quote={value}")
    assert response.status_code == 200


@pytest.mark.parametrize("value", [HUGE, BEYOND_INTEGER, -1, 0])
def test_a_huge_from_post_id_is_ignored(forum, value):
    client, _, _ = forum
    response = client.get(f"/strategy/items/new?from_post={value}")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/forum/t/{n}",
        "/forum/c/{n}",
        "/forum/p/{n}/history",
        "/members/{n}",
        "/events/{n}",
        "/events/{n}.ics",
        "/strategy/items/{n}",
        "/forum/t/{n}/reply?quote={n}",
    ],
)
@pytest.mark.parametrize("value", [HUGE, BEYOND_INTEGER, 10**40])
def test_a_huge_id_in_the_path_is_not_found(forum, path, value):
    client, _, _ = forum
    response = client.get(path.format(n=value))
    assert response.status_code == 404


def test_a_huge_id_in_a_post_path_is_not_found(forum):
    client, _, _ = forum
    assert client.post(f"/forum/t/{HUGE}/reply", data={"body": "Hello all"}).status_code == 404
    assert client.post(f"/forum/t/{HUGE}/watch").status_code == 404


@pytest.mark.parametrize(
    "path", ["/forum/search?q=bed%00time", "/members/?q=Jo%00", "/events/?kind=%00", "/forum/search?q%00=x"]
)
def test_a_nul_byte_in_a_query_string_is_a_bad_request(forum, path):
    client, _, _ = forum
    response = client.get(path)
    assert response.status_code == 400
    assert b"couldn" in response.data  # the plain page, not a traceback


def test_a_nul_byte_in_a_post_is_refused_and_nothing_is_stored(app, forum):
    client, _, ids = forum
    before = _posts(app)
    response = client.post(f"/forum/t/{ids['thread']}/reply", data={"body": "Thanks\x00 all"})
    assert response.status_code == 400
    assert _posts(app) == before


def test_a_nul_byte_in_an_application_name_is_refused(app, client):
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Member))
    response = client.post(
        "/apply",
        data={
            "name": "Sam\x00 Carer",
            "email": "sam@example.org",
            "area": "Riverside",
            "service_name": "County fostering",
        },
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Member)) == before


def test_a_nul_byte_in_the_path_is_a_bad_request(client):
    assert client.get("/calendar/abc%00def.ics").status_code == 400


@pytest.mark.parametrize(
    "path", ["/forum/search?q=%FF%FE", "/members/?q=%C3", "/forum/search?q=%ED%A0%80", "/events/?%FF=1"]
)
def test_invalid_utf8_in_a_query_string_is_a_bad_request(forum, path):
    client, _, _ = forum
    assert client.get(path).status_code == 400


def test_invalid_utf8_in_a_form_is_a_bad_request(app, forum):
    client, _, ids = forum
    before = _posts(app)
    response = client.post(
        f"/forum/t/{ids['thread']}/reply",
        data=b"body=Thanks%FF%FE+all",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert _posts(app) == before


def test_invalid_utf8_in_the_path_is_a_bad_request(client):
    response = client.get("/calendar/%FF%FE.ics")
    assert response.status_code == 400


def test_an_unpaired_surrogate_in_json_is_a_bad_request(client):
    response = client.post("/login", data=json.dumps({"email": "\ud800@example.org"}), content_type="application/json")
    assert response.status_code == 400


def test_ordinary_text_still_passes_the_guard(forum):
    client, _, ids = forum
    body = "Thank you 💛 — “quotes”, ‮RTL‬, tab\tand\nnew line; <b>bold</b> =SUM(1)"
    response = client.post(f"/forum/t/{ids['thread']}/reply", data={"body": body})
    assert response.status_code == 302
    assert client.get("/forum/search?q=%E2%80%9Cquotes%E2%80%9D").status_code == 200


def test_saving_the_account_page_without_the_skills_field_keeps_the_skills(app, member_client):
    client, carer = member_client
    client.post(
        "/account/", data={"area": "Riverside", "service_name": "County fostering", "skills": "Teenagers, Sleep"}
    )
    response = client.post("/account/", data={"area": "Riverside", "service_name": "County fostering"})
    assert response.status_code == 302
    with app.app_context():
        assert sorted(s.name for s in db.session.get(Member, carer.id).skills) == ["Sleep", "Teenagers"]


def test_an_admin_leaving_years_fostering_blank_is_asked_to_fill_it(app, admin_client, make_member):
    client, _ = admin_client
    carer = make_member("Kit Carer")
    data = {
        "name": carer.name,
        "email": carer.email,
        "phone": "",
        "area": "Otley",
        "service_name": "Brightpath",
        "service_type": "local_authority",
        "approval_category": "mainstream",
        "years_fostering": "",
        "renewal_date": "",
        "status": "active",
        "status_reason": "",
    }
    response = client.post(f"/admin/members/{carer.id}", data=data)
    assert response.status_code == 200
    assert b"Enter the years fostering" in response.data


def test_a_nul_byte_at_the_end_of_a_long_form_is_found(app, forum):
    client, _, ids = forum
    before = _posts(app)
    response = client.post(f"/forum/t/{ids['thread']}/reply", data={"body": "x" * 600_000 + "\x00"})
    assert response.status_code == 400
    assert _posts(app) == before


def test_a_body_past_the_size_limit_is_too_large(forum):
    client, _, ids = forum
    response = client.post(f"/forum/t/{ids['thread']}/reply", data={"body": "x" * 6_000_000})
    assert response.status_code == 413
