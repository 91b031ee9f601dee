"""The category list and a thread page cost the same number of queries for 10 posts as for 2,000."""

from __future__ import annotations

from datetime import timedelta

from association.core.database import utcnow
from association.extensions import db
from association.forum.models import Category, Post, Thread
from association.forum.posting import refresh_counts
from tests.support import count_queries, sign_in


def _grow(app, thread_id, authors, upto):
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        start = thread.last_post_number
        for number in range(start + 1, upto + 1):
            db.session.add(
                Post(
                    thread_id=thread.id,
                    number=number,
                    author_id=authors[number % len(authors)],
                    body_md=f"Reply {number}",
                    body_html=f"<p>Reply {number}</p>",
                    status="hidden" if number % 50 == 0 else "visible",
                    created_at=utcnow() - timedelta(minutes=upto - number),
                )
            )
        thread.last_post_number = upto
        refresh_counts(thread)
        db.session.commit()


def test_thread_page_and_category_list_have_fixed_query_counts(app, make_member):
    authors = [make_member(f"Writer {i}").id for i in range(12)]
    reader = make_member("Rita Reader")
    with app.app_context():
        category = Category(name="Peer support")
        db.session.add(category)
        db.session.flush()
        thread = Thread(category_id=category.id, title="Long thread", author_id=authors[0])
        db.session.add(thread)
        db.session.commit()
        thread_id, category_id = thread.id, category.id
    client = sign_in(app.test_client(), reader)
    _grow(app, thread_id, authors, 10)
    urls = ["/forum/", f"/forum/c/{category_id}", f"/forum/t/{thread_id}"]
    for url in urls:
        client.get(url)
    small = {}
    for url in urls:
        with count_queries(app) as counted:
            assert client.get(url).status_code == 200
        small[url] = counted[0]
    _grow(app, thread_id, authors, 2000)
    last_page = f"/forum/t/{thread_id}?page=100"
    client.get(last_page)
    with count_queries(app) as counted:
        page = client.get(last_page)
    assert (
        b"Reply 1999" in page.data and b"Reply 2000" not in page.data and counted[0] == small[f"/forum/t/{thread_id}"]
    )
    for url in urls:
        client.get(url)
        with count_queries(app) as counted:
            assert client.get(url).status_code == 200
        assert counted[0] == small[url], f"{url}: {small[url]} queries with 10 posts, {counted[0]} with 2,000"


def _statements(app):
    """Collect the SQL statements run inside the block."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def collect():
        seen: list[str] = []
        with app.app_context():
            engine = db.engine

        def _note(_conn, _cursor, statement, *_rest):
            seen.append(statement.lstrip().split(None, 1)[0].upper())

        event.listen(engine, "before_cursor_execute", _note)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", _note)

    return collect()


def test_reading_again_writes_nothing(app, make_member):
    """The forum index and a thread page write only when the visit or the read marker changes."""
    authors = [make_member(f"Writer {i}").id for i in range(3)]
    reader = make_member("Rita Reader")
    with app.app_context():
        category = Category(name="Peer support")
        db.session.add(category)
        db.session.flush()
        thread = Thread(category_id=category.id, title="Long thread", author_id=authors[0])
        db.session.add(thread)
        db.session.commit()
        thread_id = thread.id
    _grow(app, thread_id, authors, 30)
    client = sign_in(app.test_client(), reader)
    for url in ("/forum/", f"/forum/t/{thread_id}", f"/forum/t/{thread_id}?page=2"):
        client.get(url)
        with _statements(app) as seen:
            assert client.get(url).status_code == 200
        assert not {"INSERT", "UPDATE", "DELETE"} & set(seen), f"{url} wrote on a repeat visit: {seen}"
    # Going back to page 1 doesn't move the marker back; a new post moves it on (and writes).
    client.get(f"/forum/t/{thread_id}")
    with app.app_context():
        from association.forum.models import ThreadRead

        assert db.session.get(ThreadRead, (reader.id, thread_id)).last_read_number == 30
    _grow(app, thread_id, authors, 31)
    with _statements(app) as seen:
        client.get(f"/forum/t/{thread_id}?page=2")
    assert "UPDATE" in seen
    with app.app_context():
        from association.forum.models import ThreadRead

        assert db.session.get(ThreadRead, (reader.id, thread_id)).last_read_number == 31


def test_moderator_thread_page_has_a_fixed_query_count(app, make_member):
    authors = [make_member(f"Writer {i}").id for i in range(12)]
    moderator = make_member("Mo Derator", roles=["moderator"])
    with app.app_context():
        category = Category(name="Peer support")
        db.session.add(category)
        db.session.flush()
        thread = Thread(category_id=category.id, title="Long thread", author_id=authors[0])
        db.session.add(thread)
        db.session.commit()
        thread_id = thread.id
    client = sign_in(app.test_client(), moderator)
    _grow(app, thread_id, authors, 10)
    url = f"/forum/t/{thread_id}"
    client.get(url)
    with count_queries(app) as small:
        assert client.get(url).status_code == 200
    _grow(app, thread_id, authors, 2000)
    last_page = f"{url}?page=100"
    client.get(last_page)
    with count_queries(app) as counted:
        page = client.get(last_page)
    assert b"Reply 2000" in page.data and b"Hide this post" in page.data  # hidden ones shown in full to moderators
    assert counted[0] == small[0]


def _hold_more(app, category_id, writer_id, newcomer_id, reporter_id, count):
    """``count`` held posts (half for personal data, with marked words; half a newcomer's) and a report each."""
    from association.forum.moderation import report
    from association.forum.posting import reply, start_thread
    from association.members.models import Member

    with app.app_context():
        category = db.session.get(Category, category_id)
        writer, newcomer = db.session.get(Member, writer_id), db.session.get(Member, newcomer_id)
        reporter = db.session.get(Member, reporter_id)
        for index in range(count):
            outcome = start_thread(
                category, writer, f"About my foster son Tyler {index}", f"Ring me on 07700 900{index:03d}"
            )
            assert outcome.held
            visible = start_thread(category, writer, f"Open thread {index}", "Kind words")
            reply(db.session.get(Thread, visible.post.thread_id), newcomer, f"A first reply {index}")
            report(db.session.get(type(visible.post), visible.post.id), reporter, "Please check")


def test_moderation_queue_has_a_fixed_query_count(app, make_member):
    """Held posts show what was found, marked in their text, without a query (or a check) per post."""
    writer, newcomer = make_member("Wren Writer"), make_member("Nia New")
    reporter = make_member("Rita Reporter")
    moderator = make_member("Mo Derator", roles=["moderator"])
    app.config["FORUM_MEMBER_PACE"] = 10_000
    app.config["FORUM_NEW_MEMBER_PACE"] = 10_000
    with app.app_context():
        category = Category(name="Peer support")
        db.session.add(category)
        db.session.commit()
        category_id = category.id
    from .helpers import make_trusted

    make_trusted(app, writer.id)
    client = sign_in(app.test_client(), moderator)
    _hold_more(app, category_id, writer.id, newcomer.id, reporter.id, 2)
    client.get("/forum/moderation")
    with count_queries(app) as small:
        page = client.get("/forum/moderation")
    assert page.data.count(b"<mark") >= 4
    _hold_more(app, category_id, writer.id, newcomer.id, reporter.id, 20)
    with count_queries(app) as counted:
        page = client.get("/forum/moderation")
    assert page.data.count(b"<mark") >= 44 and b"Waiting for a moderator (44)" in page.data
    assert counted[0] == small[0], f"{small[0]} queries with 4 held posts, {counted[0]} with 44"
