"""Forum set-up for tests."""

from __future__ import annotations

from association.extensions import db
from association.forum.models import Category, Post
from association.forum.posting import refresh_counts
from association.members.models import Member


def add_category(app, name="Peer support", restricted_to=None) -> int:
    with app.app_context():
        category = Category(name=name, restricted_to=restricted_to)
        db.session.add(category)
        db.session.commit()
        return category.id


def make_trusted(app, member_id: int, count: int = 3) -> None:
    """Give a member enough approved posts that they are no longer pre-moderated."""
    from association.forum.models import Thread

    with app.app_context():
        category = db.session.query(Category).first()
        thread = Thread(category_id=category.id, title="Earlier posts", author_id=member_id)
        db.session.add(thread)
        db.session.flush()
        for number in range(1, count + 1):
            db.session.add(
                Post(
                    thread_id=thread.id,
                    number=number,
                    author_id=member_id,
                    body_md="Earlier post",
                    body_html="<p>Earlier post</p>",
                    status="visible",
                )
            )
        thread.last_post_number = count
        refresh_counts(thread)
        db.session.commit()


def member(app, member_id: int) -> Member:
    return db.session.get(Member, member_id)
