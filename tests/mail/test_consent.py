"""Unsubscribe links work for the members the association holds, and say so for anyone else."""

from __future__ import annotations

from sqlalchemy import func, select

from association.extensions import db
from association.mail.consent import unsubscribe_token
from association.mail.preferences import MailPreferences


def test_a_link_for_a_member_no_longer_held_says_so_and_changes_nothing(app, make_member):
    jo = make_member("Jo Carer")
    with app.test_request_context():
        gone = unsubscribe_token(jo.id + 1000, "association_news")
        held = unsubscribe_token(jo.id, "weekly_digest")
    client = app.test_client()
    response = client.post(f"/unsubscribe/{gone}")
    assert response.status_code == 404 and "We no longer hold this address." in response.get_data(as_text=True)
    assert client.post(f"/unsubscribe/{held}").status_code == 200
    with app.app_context():
        assert db.session.get(MailPreferences, jo.id).weekly_digest is False
        assert db.session.scalar(select(func.count()).select_from(MailPreferences)) == 1
