"""Posting: pre-moderation of new members, the personal-data check, edits, deletion and pace."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from association.extensions import db
from association.forum.checks import held_note
from association.forum.models import Category, Post, PostRevision, Thread
from association.forum.posting import PostingError, edit_post, reply, start_thread
from association.members.models import Member

from .helpers import add_category, make_trusted


@pytest.fixture
def category_id(app):
    return add_category(app)


def _start(app, member_id, category_id, title="Bedtime routines", body="What helped your family?"):
    """Start a thread in its own app context; returns plain values (ids, held, message)."""
    from types import SimpleNamespace

    with app.app_context():
        outcome = start_thread(db.session.get(Category, category_id), db.session.get(Member, member_id), title, body)
        return SimpleNamespace(
            post_id=outcome.post.id, thread_id=outcome.post.thread_id, held=outcome.held, message=outcome.message
        )


def test_a_new_members_first_posts_wait_for_a_moderator(app, make_member, category_id):
    newbie = make_member("Nia New")
    outcome = _start(app, newbie.id, category_id)
    with app.app_context():
        assert outcome.held and "waiting for a moderator" in outcome.message
        post = db.session.scalar(select(Post))
        assert post.status == "held" and post.held_reason == "new_member"
        note = held_note(post.held_reason, post.held_detail, post.body_md, None, to_author=True)
        assert "first few posts" in note.text
        assert db.session.scalar(select(Thread)).held is True


def test_a_trusted_member_posts_straight_away(app, make_member, category_id):
    jo = make_member("Jo Carer")
    make_trusted(app, jo.id)
    outcome = _start(app, jo.id, category_id, body="Clean and kind words.")
    assert not outcome.held


@pytest.mark.parametrize(
    "body, kind",
    [
        ("My foster son Jamie finally slept through!", "name"),
        ("Ring me on 07700 900123 if you want to chat", "phone number"),
        ("She was born on 12/03/2015", "date that could be a birthday"),
        ("We're at LS6 2AB if anyone is near", "postcode"),
        ("Email me at jo@example.org", "email address"),
    ],
)
def test_personal_data_is_held_and_the_author_told_why(app, make_member, category_id, body, kind):
    jo = make_member("Jo Carer")
    make_trusted(app, jo.id)
    outcome = _start(app, jo.id, category_id, body=body)
    with app.app_context():
        assert outcome.held and "waiting for a moderator" in outcome.message
        post = db.session.scalar(select(Post).where(Post.body_md == body))
        assert post.held_reason == "personal_data"
        # The author is told why on the post itself (once), from what was found and stored with it.
        note = held_note(post.held_reason, post.held_detail, post.body_md, None, to_author=True)
        assert kind in note.text and "<mark" in note.body


def test_editing_keeps_history_and_rechecks_personal_data(app, make_member, category_id):
    jo = make_member("Jo Carer")
    make_trusted(app, jo.id)
    outcome = _start(app, jo.id, category_id, body="First version")
    with app.app_context():
        post = db.session.get(Post, outcome.post_id)
        edit_post(post, db.session.get(Member, jo.id), "Second version")
        assert post.edit_count == 1 and post.status == "visible"
        held = edit_post(post, db.session.get(Member, jo.id), "Second version, my daughter Mia says hi")
        assert held.held and post.status == "held"
        texts = [r.body_md for r in db.session.scalars(select(PostRevision).order_by(PostRevision.id))]
        assert texts == ["First version", "Second version"]
        other = db.session.get(Member, make_member("Sam Other").id)
        with pytest.raises(PostingError, match="your own posts"):
            edit_post(post, other, "vandalism")


@pytest.mark.parametrize(
    "title, body, message",
    [
        ("", "Body", "Give the thread a title"),
        ("x" * 161, "Body", "160 characters"),
        ("Title", "   ", "Write something"),
        ("Title", "x" * 20001, "longer than we can take"),
    ],
)
def test_bad_posts_are_refused_and_nothing_is_stored(app, make_member, category_id, title, body, message):
    jo = make_member("Jo Carer")
    with pytest.raises(PostingError, match=message):
        _start(app, jo.id, category_id, title=title, body=body)
    with app.app_context():
        assert db.session.scalar(select(Post.id)) is None and db.session.scalar(select(Thread.id)) is None


def test_a_flood_is_slowed_not_lost(app, make_member, category_id):
    jo = make_member("Jo Carer")
    make_trusted(app, jo.id)
    app.config["FORUM_MEMBER_PACE"] = 5  # make_trusted wrote 3 posts just now
    from tests.support import sign_in

    client = sign_in(app.test_client(), jo)
    thread_id = _start(app, jo.id, category_id, body="Opening").thread_id
    client.post(f"/forum/t/{thread_id}/reply", data={"body": "Reply one"})
    response = client.post(f"/forum/t/{thread_id}/reply", data={"body": "My carefully written reply"})
    assert response.status_code == 200
    body = response.data.decode()
    assert "posting quickly" in body and "My carefully written reply" in body  # the text is kept
    with app.app_context():
        assert db.session.scalar(select(Post.id).where(Post.body_md == "My carefully written reply")) is None


def test_locked_threads_take_no_replies(app, make_member, category_id):
    jo = make_member("Jo Carer")
    make_trusted(app, jo.id)
    thread_id = _start(app, jo.id, category_id, body="Opening").thread_id
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        thread.locked = True
        db.session.commit()
        with pytest.raises(PostingError, match="locked"):
            reply(thread, db.session.get(Member, jo.id), "Can I still?")
