"""The personal-data check in every forum place (titles, posts, replies, edits), what the author and
a moderator are told, and that a held post's words reach no one else (pages, search, emails).

Texts are ones the first detection engine already finds ("my foster son Tyler", a phone number),
so these hold with any engine behind ``check_personal_data``. Expected wording comes from the
check's own functions, not copied here, so a kinder wording needs no change in these tests.
"""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from association.core.personal_data import check_personal_data, explain
from association.extensions import db
from association.forum.models import Category, Post, Thread
from association.forum.posting import edit_post, reply, start_thread
from association.mail.preferences import MailPreferences
from association.mail.worker import deliver_due
from association.members.models import Member
from tests.support import sign_in

from .helpers import add_category, make_trusted
from .test_sanitising import page_problems

NAMED_TITLE = "Advice about my foster son Tyler"
PHONE = "07700 900123"
CODES = ("personal_data", "new_member", "changed_after_hold", "held_reason", "held_detail")


@pytest.fixture
def people(app, make_member):
    add_category(app)
    jo, sam = make_member("Jo Carer"), make_member("Sam Reader")
    mod = make_member("Maya Moderator", roles=["moderator"])
    for person in (jo, sam):
        make_trusted(app, person.id)
    return jo, sam, mod


def _start(app, author_id, title="Bedtime routines", body="What helped?"):
    with app.app_context():
        category = db.session.scalar(select(Category))
        outcome = start_thread(category, db.session.get(Member, author_id), title, body)
        return outcome.post.thread_id, outcome.post.id


def _marked(html: str, words: str) -> bool:
    return re.search(rf"<mark\b[^>]*>{re.escape(str(escape(words)))}</mark>", html) is not None


def _summary_line(text: str) -> str:
    return str(escape(check_personal_data(text, "community")[0].summary))


def test_a_title_with_personal_data_is_held_and_its_words_marked(app, people):
    jo, sam, mod = people
    thread_id, post_id = _start(app, jo.id, title=NAMED_TITLE, body="Any tips for bedtime?")
    with app.app_context():
        assert db.session.get(Post, post_id).status == "held" and db.session.get(Thread, thread_id).held
    jo_client, sam_client, mod_client = (sign_in(app.test_client(), p) for p in people)
    with app.app_context():
        category_id = db.session.scalar(select(Category.id))
    assert "Tyler" not in sam_client.get(f"/forum/c/{category_id}").data.decode()
    assert sam_client.get(f"/forum/t/{thread_id}").status_code == 404
    own = jo_client.get(f"/forum/t/{thread_id}").data.decode()
    assert "Waiting for a moderator" in own and _marked(own, "Tyler")
    queue = mod_client.get("/forum/moderation").data.decode()
    assert _marked(queue, "Tyler") and _summary_line(NAMED_TITLE) in queue


def test_the_author_sees_the_advice_once_with_their_words_marked(app, people):
    jo, *_ = people
    client = sign_in(app.test_client(), jo)
    with app.app_context():
        category_id = db.session.scalar(select(Category.id))
    body = "My foster son Tyler won't settle at night. Ring me on " + PHONE
    page = client.post(
        f"/forum/c/{category_id}/new", data={"title": "Bedtime", "body": body}, follow_redirects=True
    ).data.decode()
    advice = str(escape(explain(check_personal_data(body, "community"))))
    assert page.count(advice) == 1, "the advice is shown once (not as a banner and again on the post)"
    assert "Waiting for a moderator" in page
    assert _marked(page, "Tyler") and _marked(page, PHONE)
    # A reply: the same, once.
    with app.app_context():
        thread_id = db.session.scalar(select(Thread.id).where(Thread.title == "Bedtime"))
    reply_body = "Also my foster daughter Mia"
    page = client.post(f"/forum/t/{thread_id}/reply", data={"body": reply_body}, follow_redirects=True).data.decode()
    assert page.count(str(escape(explain(check_personal_data(reply_body, "community"))))) == 1
    assert _marked(page, "Mia")
    for code in CODES:
        assert code not in page


def test_a_moderator_sees_a_third_person_summary_and_the_marks(app, people):
    jo, _, mod = people
    thread_id, _ = _start(app, jo.id)
    body = f"Our little boy Oliver loves bath time. Text me on {PHONE}"
    with app.app_context():
        reply(db.session.get(Thread, thread_id), db.session.get(Member, jo.id), body)
    findings = check_personal_data(body, "community")
    mod_client = sign_in(app.test_client(), mod)
    for page in (
        mod_client.get("/forum/moderation").data.decode(),
        mod_client.get(f"/forum/t/{thread_id}").data.decode(),
    ):
        assert "This post seems to include" in page
        for finding in findings:
            assert str(escape(finding.summary)) in page
            assert _marked(page, finding.text)
        assert str(escape(explain(findings))) not in page  # the author's advice is for the author
        for code in CODES:
            assert code not in page


def test_highlighting_escapes_hostile_text(app, people):
    jo, _, mod = people
    title = "<img src=x onerror=alert(1)> Help with my foster son Tyler"
    body = '<script>alert(2)</script> <a href="javascript:alert(3)">x</a> my foster son Tyler ' + PHONE
    thread_id, _ = _start(app, jo.id, title=title, body=body)
    for person, url in ((jo, f"/forum/t/{thread_id}"), (mod, f"/forum/t/{thread_id}"), (mod, "/forum/moderation")):
        page = sign_in(app.test_client(), person).get(url).data.decode()
        assert page_problems(page) == [], url
        assert _marked(page, "Tyler") and _marked(page, PHONE), url
        assert "&lt;script&gt;" in page and "<script>alert" not in page, url


def test_an_edit_adding_personal_data_holds_the_post_and_its_thread_again(app, people, smtp):
    jo, sam, mod = people
    thread_id, post_id = _start(app, jo.id, title="Holiday clubs", body="Which holiday clubs are good?")
    with app.app_context():
        db.session.add(MailPreferences(member_id=sam.id, forum_notifications="each"))
        db.session.commit()
    sam_client = sign_in(app.test_client(), sam)
    sam_client.post(f"/forum/t/{thread_id}/watch")
    assert "Holiday clubs" in sam_client.get("/forum/search", query_string={"q": "holiday"}).data.decode()
    with app.app_context():
        outcome = edit_post(
            db.session.get(Post, post_id),
            db.session.get(Member, jo.id),
            f"Which holiday clubs are good? Ring me on {PHONE}",
        )
        assert outcome.held
        assert db.session.get(Post, post_id).status == "held"
        assert db.session.get(Thread, thread_id).held, "an opening post held again takes its thread out of view"
    with app.app_context():
        category_id = db.session.scalar(select(Category.id))
    assert "Holiday clubs" not in sam_client.get(f"/forum/c/{category_id}").data.decode()
    assert "Holiday clubs" not in sam_client.get("/forum/search", query_string={"q": "holiday"}).data.decode()
    assert sam_client.get(f"/forum/t/{thread_id}").status_code == 404
    # A moderator's reply in the held thread tells no watcher (the title is in the email).
    with app.app_context():
        reply(db.session.get(Thread, thread_id), db.session.get(Member, mod.id), "Thanks, holding this for now.")
        deliver_due()
    assert smtp.to(sam.email) == []


def test_a_title_edit_is_checked_too(app, people):
    jo, sam, _ = people
    thread_id, post_id = _start(app, jo.id, title="Bedtime", body="What helped?")
    client = sign_in(app.test_client(), jo)
    form = client.get(f"/forum/p/{post_id}/edit").data.decode()
    assert 'name="title"' in form  # the opening post's editor can change the thread's title
    refused = client.post(f"/forum/p/{post_id}/edit", data={"title": " ", "body": "What helped?"})
    assert refused.status_code == 200 and "Give the thread a title" in refused.data.decode()
    page = client.post(
        f"/forum/p/{post_id}/edit", data={"title": NAMED_TITLE, "body": "What helped?"}, follow_redirects=True
    ).data.decode()
    with app.app_context():
        assert db.session.get(Thread, thread_id).title == NAMED_TITLE
        assert db.session.get(Post, post_id).status == "held" and db.session.get(Thread, thread_id).held
    assert _marked(page, "Tyler")
    assert sign_in(app.test_client(), sam).get(f"/forum/t/{thread_id}").status_code == 404
    # A reply's edit page has no title to change.
    with app.app_context():
        reply_id = reply(db.session.get(Thread, thread_id), db.session.get(Member, jo.id), "More").post.id
    assert 'name="title"' not in client.get(f"/forum/p/{reply_id}/edit").data.decode()


def test_editing_a_held_post_checks_it_again(app, people):
    jo, _, mod = people
    thread_id, _ = _start(app, jo.id)
    with app.app_context():
        post_id = reply(db.session.get(Thread, thread_id), db.session.get(Member, jo.id), f"Call me on {PHONE}").post.id
    client, mod_client = sign_in(app.test_client(), jo), sign_in(app.test_client(), mod)
    # Rewritten without the number: still waits for a moderator, but no stale advice or marks.
    page = client.post(
        f"/forum/p/{post_id}/edit", data={"body": "Message me through the directory"}, follow_redirects=True
    ).data.decode()
    with app.app_context():
        assert db.session.get(Post, post_id).status == "held"
    assert "Waiting for a moderator" in page and "<mark" not in page
    assert str(escape(explain(check_personal_data(f"Call me on {PHONE}", "community")))) not in page
    queue = mod_client.get("/forum/moderation").data.decode()
    assert "<mark" not in queue and "changed" in queue
    # Changed again, now with a name: the new finding is what both of them see.
    page = client.post(
        f"/forum/p/{post_id}/edit", data={"body": "My foster daughter Mia says hi"}, follow_redirects=True
    ).data.decode()
    assert (
        _marked(page, "Mia")
        and page.count(str(escape(explain(check_personal_data("My foster daughter Mia says hi", "community"))))) == 1
    )
    queue = mod_client.get("/forum/moderation").data.decode()
    assert _marked(queue, "Mia") and _summary_line("My foster daughter Mia says hi") in queue


def test_earlier_versions_with_personal_data_are_not_shown_to_others(app, people):
    jo, sam, mod = people
    thread_id, post_id = _start(app, jo.id, body="First version")
    with app.app_context():
        post, author = db.session.get(Post, post_id), db.session.get(Member, jo.id)
        edit_post(post, author, f"Second version, ring {PHONE}")
        edit_post(post, author, "Third version")
    sign_in(app.test_client(), mod).post(f"/forum/moderation/p/{post_id}/approve")
    others = sign_in(app.test_client(), sam).get(f"/forum/p/{post_id}/history").data.decode()
    assert "First version" in others and PHONE not in others
    assert PHONE in sign_in(app.test_client(), jo).get(f"/forum/p/{post_id}/history").data.decode()
