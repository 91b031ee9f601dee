"""Watching a category (for the weekly digest): a POST button that toggles, with a CSRF token,
and only for categories the member may see."""

from __future__ import annotations

import re

from sqlalchemy import select

from association.extensions import db
from association.forum.models import CategoryWatch
from tests.support import sign_in

from .helpers import add_category


def _watches(app, member_id):
    with app.app_context():
        return set(db.session.scalars(select(CategoryWatch.category_id).where(CategoryWatch.member_id == member_id)))


def test_watch_and_stop_watching_from_the_category_page(app, member_client):
    client, jo = member_client
    category_id = add_category(app)
    page = client.get(f"/forum/c/{category_id}").data.decode()
    assert "Watch this category" in page and f'action="/forum/c/{category_id}/watch"' in page

    response = client.post(f"/forum/c/{category_id}/watch")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/forum/c/{category_id}")
    assert _watches(app, jo.id) == {category_id}
    page = client.get(f"/forum/c/{category_id}").data.decode()
    assert "Stop watching" in page and "You&#39;re watching this category" in page

    client.post(f"/forum/c/{category_id}/watch")
    assert _watches(app, jo.id) == set()
    page = client.get(f"/forum/c/{category_id}").data.decode()
    assert "Watch this category" in page and "stopped watching" in page


def test_a_restricted_category_cannot_be_watched_without_its_role(app, member_client, make_member):
    client, jo = member_client
    restricted = add_category(app, "Committee room", restricted_to="committee")
    assert client.post(f"/forum/c/{restricted}/watch").status_code == 404
    assert _watches(app, jo.id) == set()
    assert client.post("/forum/c/9999/watch").status_code == 404

    committee = make_member("Cal Committee", roles=["committee"])
    committee_client = sign_in(app.test_client(), committee)
    assert committee_client.post(f"/forum/c/{restricted}/watch").status_code == 302
    assert _watches(app, committee.id) == {restricted}


def test_watching_needs_a_post_with_a_csrf_token(app_factory):
    from tests.support import add_member

    app = app_factory(WTF_CSRF_ENABLED=True)
    category_id = add_category(app)
    jo = add_member(app, "Jo Carer")
    client = app.test_client()

    def token(url):
        return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', client.get(url).data.decode())[1]

    signed_in = client.post("/login", data={"email": jo.email, "password": jo.password, "csrf_token": token("/login")})
    assert signed_in.status_code == 302

    assert client.get(f"/forum/c/{category_id}/watch").status_code == 405
    assert client.post(f"/forum/c/{category_id}/watch").status_code == 400  # no token
    assert _watches(app, jo.id) == set()
    response = client.post(f"/forum/c/{category_id}/watch", data={"csrf_token": token(f"/forum/c/{category_id}")})
    assert response.status_code == 302
    assert _watches(app, jo.id) == {category_id}
