"""The category list and a thread page cost the same number of queries for 10 posts as for 2,000."""
from __future__ import annotations

from datetime import timedelta

from association.core.database import utcnow
from association.extensions import db
from association.forum.models import Category, Post, Thread
from association.forum.posting import refresh_counts
from tests.conftest import count_queries, sign_in


def _grow(app, thread_id, authors, upto):
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        start = thread.last_post_number
        for number in range(start + 1, upto + 1):
            db.session.add(Post(thread_id=thread.id, number=number, author_id=authors[number % len(authors)],
                                body_md=f"Reply {number}", body_html=f"<p>Reply {number}</p>",
                                status="hidden" if number % 50 == 0 else "visible",
                                created_at=utcnow() - timedelta(minutes=upto - number)))
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
    assert b"Reply 1999" in page.data and b"Reply 2000" not in page.data and counted[0] == small[f"/forum/t/{thread_id}"]
    for url in urls:
        client.get(url)
        with count_queries(app) as counted:
            assert client.get(url).status_code == 200
        assert counted[0] == small[url], f"{url}: {small[url]} queries with 10 posts, {counted[0]} with 2,000"
