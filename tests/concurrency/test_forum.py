"""Forum writes under 30 simultaneous requests: replies numbered 1..N without gaps or clashes,
thread and category counters equal to the rows, and the rows a member can create twice (a
watch, a read marker, a visit) never turning a double click into a 500."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from association.extensions import db
from association.forum.models import Category, Post, PostRevision, Thread, ThreadRead, ThreadWatch
from association.forum.posting import start_thread
from association.members.models import Member

from .support import CROWD, at_once, no_server_errors


def _category(live) -> int:
    with live.app.app_context():
        category = Category(name=f"Peer support {uuid.uuid4().hex[:6]}")
        db.session.add(category)
        db.session.commit()
        return category.id


def _thread(live, category_id: int) -> int:
    with live.app.app_context():
        outcome = start_thread(
            db.session.get(Category, category_id),
            db.session.get(Member, live.admin.id),
            "Respite over the summer",
            "Who has found respite that works?",
        )
        return outcome.post.thread_id


def _counts_match_rows(live, category_id: int) -> None:
    with live.app.app_context():
        for thread in db.session.scalars(select(Thread).where(Thread.category_id == category_id)):
            numbers = list(
                db.session.scalars(select(Post.number).where(Post.thread_id == thread.id).order_by(Post.number))
            )
            assert numbers == list(range(1, len(numbers) + 1)), f"gaps or clashes in {numbers}"
            assert thread.last_post_number == len(numbers)
            visible = db.session.scalar(
                select(func.count()).select_from(Post).where(Post.thread_id == thread.id, Post.status == "visible")
            )
            assert thread.visible_posts == visible
        category = db.session.get(Category, category_id)
        threads, posts = db.session.execute(
            select(func.count(func.distinct(Thread.id)), func.count(Post.id))
            .join(Post, Post.thread_id == Thread.id)
            .where(Thread.category_id == category_id, Post.status == "visible")
        ).one()
        assert (category.thread_count, category.post_count) == (threads, posts)


def test_thirty_members_replying_at_once_are_all_stored_and_numbered_without_gaps(live):
    category_id = _category(live)
    thread_id = _thread(live, category_id)
    replies = at_once(
        *[lambda p=p: p.browser.post(f"/forum/t/{thread_id}/reply", {"body": f"Reply from {p.id}"}) for p in live.crowd]
    )
    no_server_errors(replies)
    assert all(r.status == 302 for r in replies), [r.status for r in replies]
    with live.app.app_context():
        stored = set(db.session.scalars(select(Post.body_md).where(Post.thread_id == thread_id, Post.number > 1)))
        assert stored == {f"Reply from {p.id}" for p in live.crowd}, "a reply's text was lost"
    _counts_match_rows(live, category_id)


def test_one_member_replying_thirty_times_at_once_keeps_one_watch_and_read_marker(live):
    category_id = _category(live)
    thread_id = _thread(live, category_id)
    jo = live.crowd[0]
    replies = at_once(
        *[lambda n=n: jo.browser.post(f"/forum/t/{thread_id}/reply", {"body": f"Thought {n}"}) for n in range(CROWD)]
    )
    no_server_errors(replies)
    assert all(r.status == 302 for r in replies)
    with live.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Post).where(Post.thread_id == thread_id)) == CROWD + 1
        assert db.session.get(ThreadRead, (jo.id, thread_id)).last_read_number == CROWD + 1
        assert db.session.get(ThreadWatch, (jo.id, thread_id)) is not None
    _counts_match_rows(live, category_id)


def test_thirty_new_threads_in_one_category_at_once_are_all_counted(live):
    category_id = _category(live)
    replies = at_once(
        *[
            lambda p=p: p.browser.post(
                f"/forum/c/{category_id}/new", {"title": f"Question {p.id}", "body": "Has anyone tried this?"}
            )
            for p in live.crowd
        ]
    )
    no_server_errors(replies)
    assert all(r.status == 302 for r in replies), [r.status for r in replies]
    with live.app.app_context():
        assert db.session.get(Category, category_id).thread_count == CROWD
    _counts_match_rows(live, category_id)


def test_replies_to_many_threads_of_one_category_at_once_keep_its_counts(live):
    category_id = _category(live)
    threads = [_thread(live, category_id) for _ in range(3)]
    replies = at_once(
        *[
            lambda p=p, n=n: p.browser.post(f"/forum/t/{threads[n % 3]}/reply", {"body": "Same here."})
            for n, p in enumerate(live.crowd)
        ]
    )
    no_server_errors(replies)
    with live.app.app_context():
        assert db.session.get(Category, category_id).post_count == 3 + CROWD
    _counts_match_rows(live, category_id)


def test_a_first_visit_opened_in_thirty_tabs_at_once_is_recorded_once(live):
    category_id = _category(live)
    thread_id = _thread(live, category_id)
    sam = live.crowd[1]
    pages = at_once(
        *(
            [lambda: sam.browser.get(f"/forum/t/{thread_id}")] * (CROWD // 2)
            + [lambda: sam.browser.get("/forum/")] * (CROWD // 2)
        )
    )
    no_server_errors(pages)
    assert all(p.status == 200 for p in pages), [p.status for p in pages]


def test_thirty_clicks_on_watch_at_once_leave_one_answer_and_no_error(live):
    category_id = _category(live)
    thread_id = _thread(live, category_id)
    kim = live.crowd[2]
    clicks = at_once(*[lambda: kim.browser.post(f"/forum/t/{thread_id}/watch")] * CROWD)
    no_server_errors(clicks)
    assert all(c.status == 302 for c in clicks), [c.status for c in clicks]
    with live.app.app_context():
        assert db.session.scalar(
            select(func.count())
            .select_from(ThreadWatch)
            .where(ThreadWatch.thread_id == thread_id, ThreadWatch.member_id == kim.id)
        ) in (0, 1)


def test_thirty_edits_of_one_post_at_once_are_each_counted_and_kept(live):
    category_id = _category(live)
    thread_id = _thread(live, category_id)
    with live.app.app_context():
        post_id = db.session.scalar(select(Post.id).where(Post.thread_id == thread_id, Post.number == 1))
    admin = live.admin.browser
    replies = at_once(
        *[
            lambda n=n: admin.post(f"/forum/p/{post_id}/edit", {"body": f"Who has found respite? ({n})"})
            for n in range(CROWD)
        ]
    )
    no_server_errors(replies)
    assert all(r.status == 302 for r in replies), [r.status for r in replies]
    with live.app.app_context():
        revisions = db.session.scalar(
            select(func.count()).select_from(PostRevision).where(PostRevision.post_id == post_id)
        )
        assert db.session.get(Post, post_id).edit_count == revisions == CROWD


def test_thirty_clicks_adding_one_category_at_once_add_it_once(live):
    name = f"Allegations {uuid.uuid4().hex[:6]}"
    admin = live.admin.browser
    replies = at_once(
        *[lambda: admin.post("/forum/categories", {"name": name, "position": 1, "restricted_to": ""})] * CROWD
    )
    no_server_errors(replies)
    assert sorted(r.status for r in replies) == [200] * (CROWD - 1) + [302], [r.status for r in replies]
    assert all("already a category" in r.body for r in replies if r.status == 200)
    with live.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Category).where(Category.name == name)) == 1


def test_thirty_replies_from_one_member_at_once_keep_to_the_posting_pace(live, monkeypatch):
    pace = 5
    monkeypatch.setitem(live.app.config, "FORUM_MEMBER_PACE", pace)
    monkeypatch.setitem(live.app.config, "FORUM_NEW_MEMBER_PACE", pace)
    category_id = _category(live)
    thread_id = _thread(live, category_id)
    sam = live.newcomer("Sam Newcomer")  # no earlier posts to count
    replies = at_once(
        *[lambda n=n: sam.browser.post(f"/forum/t/{thread_id}/reply", {"body": f"Also {n}"}) for n in range(CROWD)]
    )
    no_server_errors(replies)
    assert sorted(r.status for r in replies) == [200] * (CROWD - pace) + [302] * pace, [r.status for r in replies]
    assert all("slowed things down" in r.body for r in replies if r.status == 200)
    with live.app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Post).where(Post.thread_id == thread_id, Post.author_id == sam.id)
            )
            == pace
        )
    _counts_match_rows(live, category_id)


def test_one_member_reporting_a_post_thirty_times_at_once_files_one_report(live):
    from association.forum.models import Report

    category_id = _category(live)
    thread_id = _thread(live, category_id)
    with live.app.app_context():
        post_id = db.session.scalar(select(Post.id).where(Post.thread_id == thread_id, Post.number == 1))
    jo = live.crowd[0]
    reports = at_once(
        *[lambda: jo.browser.post(f"/forum/p/{post_id}/report", {"reason": "Names a child"}) for _ in range(CROWD)]
    )
    no_server_errors(reports)
    with live.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report).where(Report.post_id == post_id)) == 1
