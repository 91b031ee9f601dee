"""A thread's badge tells the truth about its opening post: waiting for a moderator while one has
still to look at it, hidden once a moderator took it down (issue 13, item 17)."""

from __future__ import annotations

from sqlalchemy import select

from association.extensions import db
from association.forum.models import Category, Thread
from association.forum.posting import start_thread
from association.members.models import Member
from tests.support import sign_in

from .helpers import add_category


def _held_thread(app, author_id) -> tuple[int, int, int]:
    with app.app_context():
        category = db.session.scalar(select(Category))
        outcome = start_thread(category, db.session.get(Member, author_id), "First time fostering", "Hello all")
        assert outcome.held  # a new member's first post waits
        return category.id, outcome.post.thread_id, outcome.post.id


def _badges(page: str) -> str:
    return page.split("<h1>", 1)[1].split("</ul>", 1)[0] if '<ul class="badges">' in page else ""


def test_a_hidden_thread_is_never_badged_waiting(app, make_member):
    add_category(app)
    newcomer = make_member("Nia Newcomer")
    mod = make_member("Maya Moderator", roles=["moderator"])
    category_id, thread_id, post_id = _held_thread(app, newcomer.id)
    mod_client, author_client = sign_in(app.test_client(), mod), sign_in(app.test_client(), newcomer)

    for client in (mod_client, author_client):
        assert "Waiting for a moderator" in client.get(f"/forum/t/{thread_id}").data.decode()
        assert "Waiting for a moderator" in client.get(f"/forum/c/{category_id}").data.decode()

    mod_client.post(f"/forum/moderation/p/{post_id}/hide", data={"reason": "Please start again without the name"})
    with app.app_context():
        assert db.session.get(Thread, thread_id).held  # still unlisted for other members

    for client in (mod_client, author_client):
        thread_page = client.get(f"/forum/t/{thread_id}").data.decode()
        listing = client.get(f"/forum/c/{category_id}").data.decode()
        for page in (thread_page, listing):
            assert "Waiting for a moderator" not in page
            assert "Hidden by a moderator" in page


def test_restoring_a_hidden_opening_post_lists_the_thread_again(app, make_member):
    add_category(app)
    newcomer, reader = make_member("Nia Newcomer"), make_member("Sam Reader")
    mod = make_member("Maya Moderator", roles=["moderator"])
    category_id, thread_id, post_id = _held_thread(app, newcomer.id)
    mod_client, reader_client = sign_in(app.test_client(), mod), sign_in(app.test_client(), reader)
    mod_client.post(f"/forum/moderation/p/{post_id}/hide", data={"reason": "Checking"})
    assert reader_client.get(f"/forum/t/{thread_id}").status_code == 404
    mod_client.post(f"/forum/moderation/p/{post_id}/restore")
    page = reader_client.get(f"/forum/t/{thread_id}").data.decode()
    assert "Hello all" in page and "Waiting for a moderator" not in page and "Hidden by a moderator" not in page
    assert "First time fostering" in reader_client.get(f"/forum/c/{category_id}").data.decode()
