"""Moderation and who sees what: hidden posts, held posts and restricted categories stay hidden
everywhere — pages, direct URLs, search and notification emails."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from association.extensions import db
from association.forum.models import Category, ModerationEntry, Thread
from association.forum.posting import reply, start_thread
from association.mail.worker import deliver_due
from association.members.models import Member
from tests.support import sign_in

from .helpers import add_category, make_trusted


def _results(client, query: str) -> str:
    """The search results, without the search box (which repeats the query)."""
    page = client.get("/forum/search", query_string={"q": query}).data.decode()
    return page.split('role="search"', 1)[1].split("</form>", 1)[1]


@pytest.fixture
def people(app, make_member):
    add_category(app)
    jo, sam = make_member("Jo Carer"), make_member("Sam Reader")
    mod = make_member("Maya Moderator", roles=["moderator"])
    for person in (jo, sam):
        make_trusted(app, person.id)
    return jo, sam, mod


def _thread(app, author_id, title="Bedtime routines", body="What helped?", category="Peer support"):
    with app.app_context():
        category_row = db.session.scalar(select(Category).where(Category.name == category))
        outcome = start_thread(category_row, db.session.get(Member, author_id), title, body)
        return outcome.post.thread_id, outcome.post.id


def _reply(app, thread_id, author_id, body):
    with app.app_context():
        outcome = reply(db.session.get(Thread, thread_id), db.session.get(Member, author_id), body)
        return outcome.post.id


def test_held_post_is_seen_only_by_its_author_and_moderators_until_approved(app, people, smtp):
    jo, sam, mod = people
    thread_id, _ = _thread(app, jo.id)
    held_id = _reply(app, thread_id, sam.id, "Our little boy Oliver loved the bath-then-story routine")
    jo_client, sam_client, mod_client = (sign_in(app.test_client(), p) for p in people)
    assert "Oliver" not in jo_client.get(f"/forum/t/{thread_id}").data.decode()
    sam_page = sam_client.get(f"/forum/t/{thread_id}").data.decode()
    assert "Oliver" in sam_page and "Waiting for a moderator" in sam_page
    queue = mod_client.get("/forum/moderation").data.decode()
    assert "Oliver" in queue
    with app.app_context():
        deliver_due()
    assert smtp.to(jo.email) == []  # watchers hear nothing of a held post
    mod_client.post(
        f"/forum/moderation/p/{held_id}/approve", data={"reason": "Name is fine: carer confirmed it's changed"}
    )
    assert "Oliver" in jo_client.get(f"/forum/t/{thread_id}").data.decode()
    with app.app_context():
        deliver_due()
        entry = db.session.scalar(select(ModerationEntry))
        assert (entry.action, entry.moderator_id, entry.post_id) == ("approve", mod.id, held_id)
    assert smtp.wait_for(jo.email)  # now the watcher is told


def test_hidden_posts_are_gone_for_others_everywhere(app, people, smtp):
    jo, sam, mod = people
    thread_id, _ = _thread(app, jo.id)
    bad_id = _reply(app, thread_id, sam.id, "Something unkind about zebrafish")
    mod_client = sign_in(app.test_client(), mod)
    missing = mod_client.post(f"/forum/moderation/p/{bad_id}/hide", data={"reason": ""}, follow_redirects=True)
    assert b"Give a reason" in missing.data
    mod_client.post(f"/forum/moderation/p/{bad_id}/hide", data={"reason": "Please keep it kind"})
    jo_client, sam_client = sign_in(app.test_client(), jo), sign_in(app.test_client(), sam)
    page = jo_client.get(f"/forum/t/{thread_id}").data.decode()
    assert "zebrafish" not in page and "hidden by a moderator" in page
    assert "zebrafish" not in _results(jo_client, "zebrafish")
    assert jo_client.get(f"/forum/p/{bad_id}/history").status_code == 404
    assert jo_client.get(f"/forum/p/{bad_id}/edit").status_code == 404
    assert jo_client.get(f"/forum/t/{thread_id}/reply?quote={bad_id}").data.decode().count("zebrafish") == 0
    own = sam_client.get(f"/forum/t/{thread_id}").data.decode()
    assert "zebrafish" in own and "Please keep it kind" in own  # the author sees why
    with app.app_context():
        deliver_due()
    assert "Please keep it kind" in smtp.wait_for(sam.email)[-1].get_body(("plain",)).get_content()
    mod_client.post(f"/forum/moderation/p/{bad_id}/restore")
    assert "zebrafish" in jo_client.get(f"/forum/t/{thread_id}").data.decode()


def test_restricted_categories_are_invisible_to_others(app, people, make_member, smtp):
    jo, sam, mod = people
    add_category(app, "Committee", restricted_to="committee")
    chair = make_member("Cal Committee", roles=["committee"])
    make_trusted(app, chair.id)
    thread_id, post_id = _thread(
        app, chair.id, title="AGM budget secrets", body="Quarterly figures about walruses", category="Committee"
    )
    with app.app_context():
        category_id = db.session.scalar(select(Category.id).where(Category.name == "Committee"))
        from association.forum.models import ThreadWatch

        db.session.add(ThreadWatch(member_id=jo.id, thread_id=thread_id))  # a stale watch must not leak
        db.session.commit()
    _reply(app, thread_id, chair.id, "More about walruses")
    with app.app_context():
        deliver_due()
    assert smtp.to(jo.email) == []
    jo_client = sign_in(app.test_client(), jo)
    assert "Committee" not in jo_client.get("/forum/").data.decode()
    for url in (
        f"/forum/c/{category_id}",
        f"/forum/t/{thread_id}",
        f"/forum/p/{post_id}/history",
        f"/forum/p/{post_id}/report",
        f"/forum/c/{category_id}/new",
        f"/forum/t/{thread_id}/reply",
    ):
        assert jo_client.get(url).status_code == 404, url
    assert "walrus" not in _results(jo_client, "walruses")
    chair_client = sign_in(app.test_client(), chair)
    assert "walruses" in _results(chair_client, "walruses")


def test_reports_reach_the_queue_and_moderators_act(app, people, make_member):
    jo, sam, mod = people
    thread_id, post_id = _thread(app, jo.id)
    sam_client = sign_in(app.test_client(), sam)
    empty = sam_client.post(f"/forum/p/{post_id}/report", data={"reason": ""})
    assert b"Give a reason" in empty.data
    sam_client.post(f"/forum/p/{post_id}/report", data={"reason": "Feels unkind to new carers"})
    again = sam_client.post(f"/forum/p/{post_id}/report", data={"reason": "Again"})
    assert b"already reported" in again.data
    mod_client = sign_in(app.test_client(), mod)
    assert "Feels unkind" in mod_client.get("/forum/moderation").data.decode()
    mod_client.post(f"/forum/moderation/t/{thread_id}/lock", data={"reason": "cooling off"})
    mod_client.post(f"/forum/moderation/t/{thread_id}/pin")
    add_category(app, "Off topic")
    with app.app_context():
        off_topic = db.session.scalar(select(Category.id).where(Category.name == "Off topic"))
    mod_client.post(f"/forum/moderation/t/{thread_id}/move", data={"category_id": str(off_topic)})
    mod_client.post(f"/forum/moderation/m/{jo.id}/warn", data={"reason": "Please be gentle"})
    denied = mod_client.post(f"/forum/moderation/m/{jo.id}/suspend", data={"reason": "x"}, follow_redirects=True)
    assert b"Only an admin" in denied.data
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        assert thread.locked and thread.pinned and thread.category_id == off_topic
        actions = [e.action for e in db.session.scalars(select(ModerationEntry).order_by(ModerationEntry.id))]
        assert actions == ["lock", "pin", "move", "warn"]
        assert db.session.get(Member, jo.id).status == "active"
    assert mod_client.post(f"/forum/moderation/p/{post_id}/explode").status_code == 404
    assert sam_client.post(f"/forum/moderation/p/{post_id}/approve").status_code == 403
    log = mod_client.get("/forum/moderation/log").data.decode()
    assert "warn" in log and "Please be gentle" in log


def test_an_admin_can_suspend_from_the_forum(app, people, make_member):
    jo, sam, mod = people
    admin = make_member("Ada Admin", roles=["admin"])
    client = sign_in(app.test_client(), admin)
    client.post(f"/forum/moderation/m/{sam.id}/suspend", data={"reason": "Repeated abuse"})
    with app.app_context():
        assert db.session.get(Member, sam.id).status == "suspended"


def test_search_highlights_and_never_carries_markup(app, people):
    jo, sam, mod = people
    _thread(app, jo.id, title="Homework battles", body="Homework <b>is</b> hard; try a <script>x</script> timer")
    client = sign_in(app.test_client(), sam)
    page = client.get("/forum/search?q=homework").data.decode()
    assert "<mark>" in page.lower() and "<script>x" not in page
    for query in ('"', "AND OR NOT", "*", "title:x", "a" * 300, ""):
        assert client.get("/forum/search", query_string={"q": query}).status_code == 200


def test_watchers_get_an_email_for_each_reply(app, people, smtp):
    jo, sam, mod = people
    thread_id, _ = _thread(app, jo.id, title="Half-term ideas")
    sam_client = sign_in(app.test_client(), sam)
    sam_client.post(f"/forum/t/{thread_id}/reply", data={"body": "Soft play is great"})
    with app.app_context():
        deliver_due()
    [mail] = smtp.wait_for(jo.email)
    assert "Half-term ideas" in mail["Subject"] and "Soft play is great" in mail.get_body(("plain",)).get_content()
    assert smtp.to(sam.email) == []  # not about your own reply
