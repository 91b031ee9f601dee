"""Reading the forum: unread markers, 'new since your last visit', stable pages, quotes, digest, demo."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from association.core.database import utcnow
from association.extensions import db
from association.forum.models import Category, ForumVisit, Post, Thread
from association.forum.posting import reply, start_thread
from association.mail.jobs import run_due_jobs
from association.mail.preferences import MailPreferences
from association.mail.worker import deliver_due
from association.members.models import Member
from tests.support import sign_in

from .helpers import add_category, make_trusted


def _setup(app, make_member):
    category_id = add_category(app)
    jo, sam = make_member("Jo Carer"), make_member("Sam Reader")
    for person in (jo, sam):
        make_trusted(app, person.id)
    with app.app_context():
        outcome = start_thread(
            db.session.get(Category, category_id),
            db.session.get(Member, jo.id),
            "Holiday clubs",
            "Which holiday clubs take children at short notice?",
        )
        thread_id = outcome.post.thread_id
    return category_id, thread_id, jo, sam


def test_unread_markers_and_first_unread_link(app, make_member):
    category_id, thread_id, jo, sam = _setup(app, make_member)
    client = sign_in(app.test_client(), sam)
    listing = client.get(f"/forum/c/{category_id}").data.decode()
    assert "New" in listing
    client.get(f"/forum/t/{thread_id}")
    with app.app_context():
        reply(db.session.get(Thread, thread_id), db.session.get(Member, jo.id), "Any more ideas?")
    listing = client.get(f"/forum/c/{category_id}").data.decode()
    assert f"/forum/t/{thread_id}?page=1#post-2" in listing  # straight to the first unread post
    client.get(f"/forum/t/{thread_id}")
    assert "#post-2" not in client.get(f"/forum/c/{category_id}").data.decode()


def test_new_since_your_last_visit(app, make_member):
    category_id, thread_id, jo, sam = _setup(app, make_member)
    client = sign_in(app.test_client(), sam)
    client.get("/forum/")
    with app.app_context():
        visit = db.session.get(ForumVisit, sam.id)
        visit.last_seen_at = utcnow() - timedelta(hours=2)
        for thread in db.session.scalars(select(Thread)):
            thread.last_post_at = utcnow() - timedelta(hours=3)  # all read before the last visit
        db.session.commit()
        reply(db.session.get(Thread, thread_id), db.session.get(Member, jo.id), "Fresh reply")
    assert "1 new since your last visit" in client.get("/forum/").data.decode()
    assert "1 new since your last visit" in client.get("/forum/").data.decode()  # same visit: still marked


def test_page_numbers_stay_stable_when_posts_are_hidden(app, make_member):
    app.config["FORUM_PAGE_SIZE"] = 5
    category_id, thread_id, jo, sam = _setup(app, make_member)
    app.config["FORUM_MEMBER_PACE"] = 100
    with app.app_context():
        for i in range(2, 12):
            reply(db.session.get(Thread, thread_id), db.session.get(Member, jo.id), f"Reply number {i}")
        for post in db.session.scalars(select(Post).where(Post.number.in_((2, 3)))):
            post.status = "hidden"
            post.hidden_reason = "test"
        db.session.commit()
    client = sign_in(app.test_client(), sam)
    second = client.get(f"/forum/t/{thread_id}?page=2").data.decode()
    assert "Reply number 6" in second and "Reply number 10" in second and "Reply number 11" not in second
    assert "Reply number 11" in client.get(f"/forum/t/{thread_id}?page=3").data.decode()


def test_quote_prefills_the_reply(app, make_member):
    category_id, thread_id, jo, sam = _setup(app, make_member)
    with app.app_context():
        first = db.session.scalar(select(Post.id).where(Post.thread_id == thread_id, Post.number == 1))
    client = sign_in(app.test_client(), sam)
    form = client.get(f"/forum/t/{thread_id}/reply?quote={first}").data.decode()
    assert "&gt; **Jo Carer** wrote:" in form and "&gt; Which holiday clubs" in form
    assert "wrote:" not in client.get(f"/forum/t/{thread_id}/reply?quote=999999").data.decode()


def test_daily_digest_instead_of_one_mail_per_reply(app, smtp, make_member):
    category_id, thread_id, jo, sam = _setup(app, make_member)
    with app.app_context():
        db.session.add(MailPreferences(member_id=jo.id, forum_notifications="digest"))
        db.session.commit()
        for text in ("First idea", "Second idea"):
            reply(db.session.get(Thread, thread_id), db.session.get(Member, sam.id), text)
        deliver_due()
    assert smtp.to(jo.email) == []
    with app.app_context():
        assert "forum-digest" in run_due_jobs()
        deliver_due()
    [digest] = smtp.wait_for(jo.email)
    assert "Holiday clubs" in digest.get_body(("plain",)).get_content()


def test_seed_demo_adds_a_forum(app):
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Thread)) >= 28
        assert db.session.scalar(select(Post.id).where(Post.status == "held")) is not None
        from association.forum.models import Report

        assert db.session.scalar(select(Report.id)) is not None
        assert db.session.scalar(select(Category.id).where(Category.restricted_to == "committee"))
    client = app.test_client()
    client.post("/login", data={"email": "carer@example.org", "password": "demo-pass-2026"})
    assert client.get("/forum/search?q=bedtime").status_code == 200


def test_daily_digest_reads_a_fixed_number_of_times_whatever_the_watches(app, make_member):
    from sqlalchemy import event

    from association.forum.models import ThreadWatch
    from association.forum.notify import send_digests

    def selects_for(threads: int) -> int:
        category_id = add_category(app, name=f"Topic {threads}")
        reader = make_member(f"Rae Reader{threads}")
        with app.app_context():
            db.session.add(MailPreferences(member_id=reader.id, forum_notifications="digest"))
            db.session.commit()
        for n in range(threads):
            author = make_member(f"Author {threads}x{n}")
            make_trusted(app, author.id)
            with app.app_context():
                outcome = start_thread(
                    db.session.get(Category, category_id),
                    db.session.get(Member, author.id),
                    f"Question {n}",
                    "Has anyone found a good respite carer?",
                )
                db.session.add(ThreadWatch(member_id=reader.id, thread_id=outcome.post.thread_id))
                db.session.commit()
        statements = []
        with app.app_context():
            engine = db.engine

            def keep(_conn, _cursor, statement, *_args):
                if statement.lstrip().upper().startswith("SELECT"):
                    statements.append(statement)

            event.listen(engine, "before_cursor_execute", keep)
            try:
                assert send_digests() == 1
            finally:
                event.remove(engine, "before_cursor_execute", keep)
        return len(statements)

    assert selects_for(1) == selects_for(6)
