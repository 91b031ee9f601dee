"""Themes (strategy/themes.py): adding one, and a name already used refused beside the name."""

from __future__ import annotations

import re

from sqlalchemy import select

from association.extensions import db
from association.strategy.models import Theme
from tests.support import sign_in


def test_a_theme_is_added_once_and_a_second_time_is_refused_beside_the_name(app, make_member):
    client = sign_in(app.test_client(), make_member("Sam Strategy", roles=["strategy"]))
    assert client.post("/strategy/themes", data={"name": " Respite "}).status_code == 302
    page = client.post("/strategy/themes", data={"name": "Respite"}).get_data(as_text=True)
    beside = re.search(r'<ul class="field-error" id="name-error">(.*?)</ul>', page, re.S)
    assert beside and "That theme already exists." in beside.group(1)
    with app.app_context():
        assert list(db.session.scalars(select(Theme.name))) == ["Respite"]
