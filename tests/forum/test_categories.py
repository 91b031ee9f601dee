"""The admins' categories (forum/categories.py): a name is taken whatever its case, and the refusal
is shown beside the name, when adding a category and when renaming one."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from association.extensions import db
from association.forum.models import Category

from .helpers import add_category


def _beside_name(page: str) -> str:
    found = re.search(r'<ul class="field-error" id="name-error">(.*?)</ul>', page, re.S)
    return found.group(1) if found else ""


def _names(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Category.name).order_by(Category.id)))


def test_a_category_name_in_use_is_refused_beside_the_name(app, admin_client):
    client, _ = admin_client
    added = client.post("/forum/categories", data={"name": "  Peer support ", "position": "2", "restricted_to": ""})
    assert added.status_code == 302
    refused = client.post("/forum/categories", data={"name": "peer SUPPORT", "position": "3", "restricted_to": ""})
    assert refused.status_code == 200
    assert "There is already a category with that name." in _beside_name(refused.get_data(as_text=True))
    assert _names(app) == ["Peer support"]


def test_renaming_to_another_categorys_name_is_refused_and_changes_nothing(app, admin_client):
    client, _ = admin_client
    add_category(app, "Peer support")
    respite = add_category(app, "Respite")
    refused = client.post(
        f"/forum/categories/{respite}", data={"name": "PEER support", "description": "New", "restricted_to": ""}
    )
    assert "There is already a category with that name." in _beside_name(refused.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Category, respite).description == ""
    # Its own name in another case is not a clash.
    renamed = client.post(
        f"/forum/categories/{respite}", data={"name": "RESPITE", "description": "Short breaks", "restricted_to": ""}
    )
    assert renamed.status_code == 302
    assert _names(app) == ["Peer support", "RESPITE"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Category)) == 2
