"""A moderator acts only on what they can see (issue 11, defect 4): moderation checks a category's
visibility through the same functions the forum's pages use, a thread never moves to a wider
audience unless an admin moves it, and warnings go only to active members."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from association.extensions import db
from association.forum.models import ModerationEntry, Post, Report, Thread
from association.mail.models import OutboxMessage
from association.members.models import Member
from tests.support import sign_in

from .helpers import add_category, make_trusted
from .test_moderation_and_access import _reply, _thread


@pytest.fixture
def forum(app, make_member):
    """A public category, a committee-only one with a thread in it, and a held and a reported post there."""
    ids = {
        "public": add_category(app, "Peer support"),
        "committee": add_category(app, "Committee room", "committee"),
        "moderators": add_category(app, "Moderators' room", "moderator"),
    }
    chair = make_member("Chris Chair", roles=["committee"])
    newcomer = make_member("Nina Newcomer", roles=["committee"])
    make_trusted(app, chair.id)
    ids["thread"], ids["post"] = _thread(
        app, chair.id, "Budget for next year", "Quotes from two venues", category="Committee room"
    )
    ids["held"] = _reply(app, ids["thread"], newcomer.id, "A first post, waiting for a moderator: zanzibar")
    ids["reported"] = _reply(app, ids["thread"], chair.id, "Reported words: quokka")
    with app.app_context():
        db.session.add(Report(post_id=ids["reported"], reporter_id=newcomer.id, reason="Rude about quokkas"))
        db.session.commit()
    ids["mod"] = make_member("Maya Moderator", roles=["moderator"])
    ids["admin"] = make_member("Ada Admin", roles=["admin"])
    ids["chair"] = chair
    return ids


def _thread_row(app, thread_id) -> Thread:
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        db.session.expunge(thread)
        return thread


def _log_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ModerationEntry))


@pytest.mark.parametrize("action", ["lock", "pin", "move"])
def test_a_moderator_cannot_act_on_a_thread_in_a_category_they_cannot_see(app, forum, action):
    client = sign_in(app.test_client(), forum["mod"])
    response = client.post(
        f"/forum/moderation/t/{forum['thread']}/{action}", data={"category_id": forum["public"], "reason": "tidying"}
    )
    assert response.status_code == 404
    thread = _thread_row(app, forum["thread"])
    assert (thread.locked, thread.pinned, thread.category_id) == (False, False, forum["committee"])
    assert _log_count(app) == 0


@pytest.mark.parametrize("action", ["approve", "hide", "restore"])
def test_a_moderator_cannot_act_on_a_post_in_a_category_they_cannot_see(app, forum, action):
    client = sign_in(app.test_client(), forum["mod"])
    response = client.post(f"/forum/moderation/p/{forum['held']}/{action}", data={"reason": "because"})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Post, forum["held"]).status == "held"
    assert _log_count(app) == 0


def test_a_committee_moderator_cannot_move_a_committee_thread_into_a_wider_category(app, forum, make_member):
    both = make_member("Bo Both", roles=["committee", "moderator"])
    client = sign_in(app.test_client(), both)
    page = client.get(f"/forum/t/{forum['thread']}").data.decode()
    assert "Peer support</option>" not in page and "Moderators&#39; room</option>" not in page
    response = client.post(
        f"/forum/moderation/t/{forum['thread']}/move", data={"category_id": forum["public"]}, follow_redirects=True
    )
    assert "Only an admin can move a thread where more people can read it." in response.data.decode()
    assert _thread_row(app, forum["thread"]).category_id == forum["committee"]
    assert _log_count(app) == 0


def test_a_moderator_cannot_move_a_thread_into_a_category_they_cannot_see(app, forum, make_member):
    author = make_member("Pat Public")
    make_trusted(app, author.id)
    public_thread, _ = _thread(app, author.id, "Half-term ideas", "Anything local?")
    client = sign_in(app.test_client(), forum["mod"])
    page = client.get(f"/forum/t/{public_thread}").data.decode()
    assert "Committee room" not in page
    response = client.post(
        f"/forum/moderation/t/{public_thread}/move", data={"category_id": forum["committee"]}, follow_redirects=True
    )
    assert "Choose a category to move the thread to." in response.data.decode()
    assert _thread_row(app, public_thread).category_id == forum["public"]
    # Into a narrower category the moderator can see is still fine.
    client.post(f"/forum/moderation/t/{public_thread}/move", data={"category_id": forum["moderators"]})
    assert _thread_row(app, public_thread).category_id == forum["moderators"]


def test_an_admin_may_move_a_thread_to_a_wider_audience(app, forum):
    client = sign_in(app.test_client(), forum["admin"])
    assert "Peer support</option>" in client.get(f"/forum/t/{forum['thread']}").data.decode()
    client.post(f"/forum/moderation/t/{forum['thread']}/move", data={"category_id": forum["public"]})
    assert _thread_row(app, forum["thread"]).category_id == forum["public"]


def test_the_queue_and_log_leave_out_categories_the_moderator_cannot_see(app, forum):
    admin = sign_in(app.test_client(), forum["admin"])
    admin.post(f"/forum/moderation/t/{forum['thread']}/pin", data={"reason": "keep this on top: wombat"})
    admin_queue = admin.get("/forum/moderation").data.decode()
    assert "zanzibar" in admin_queue and "quokka" in admin_queue
    assert "wombat" in admin.get("/forum/moderation/log").data.decode()
    client = sign_in(app.test_client(), forum["mod"])
    queue = client.get("/forum/moderation").data.decode()
    assert "zanzibar" not in queue and "quokka" not in queue and "Budget for next year" not in queue
    assert "wombat" not in client.get("/forum/moderation/log").data.decode()


@pytest.mark.parametrize("status", ["applicant", "erased", "suspended", "lapsed"])
@pytest.mark.parametrize("action", ["warn", "suspend"])
def test_warnings_and_suspensions_go_only_to_active_members(app, forum, make_member, status, action):
    other = make_member("Olly Other", status="applicant" if status == "applicant" else "active")
    with app.app_context():
        member = db.session.get(Member, other.id)
        if status == "erased":
            from association.members.registry import erase_member

            erase_member(member, db.session.get(Member, forum["admin"].id))
        elif status != "applicant":
            member.status = status
        db.session.commit()
        status_before = db.session.get(Member, other.id).status
        outbox_before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    client = sign_in(app.test_client(), forum["admin"])
    response = client.post(
        f"/forum/moderation/m/{other.id}/{action}", data={"reason": "Please be kinder"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "Warnings and suspensions are only for active members." in response.data.decode()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == outbox_before
        assert db.session.get(Member, other.id).status == status_before
    assert _log_count(app) == 0


def test_a_warning_to_an_active_member_is_sent(app, forum, make_member):
    other = make_member("Olly Other")
    client = sign_in(app.test_client(), forum["mod"])
    response = client.post(
        f"/forum/moderation/m/{other.id}/warn", data={"reason": "Please be kinder"}, follow_redirects=True
    )
    assert "has been sent the warning" in response.data.decode()
    assert _log_count(app) == 1
