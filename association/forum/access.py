"""Who sees which categories, threads and posts."""

from __future__ import annotations

from sqlalchemy import or_, select

from ..extensions import db
from .models import Category, Post, Thread

MODERATOR_ROLES = ("moderator",)


def is_moderator(viewer) -> bool:
    return viewer is not None and viewer.is_active_member and viewer.has_any_role(*MODERATOR_ROLES)


def category_filter(viewer):
    """SQL condition: categories ``viewer`` may see (restricted ones need the role; admins see all)."""
    roles = [r for r in ("committee", "moderator", "strategy") if viewer.has_any_role(r)]
    return or_(Category.restricted_to.is_(None), Category.restricted_to.in_(roles))


def visible_categories(viewer) -> list[Category]:
    return list(
        db.session.scalars(select(Category).where(category_filter(viewer)).order_by(Category.position, Category.name))
    )


def thread_of(post: Post) -> Thread:
    """The thread ``post`` is in (from the session when already loaded; Post.thread itself is lazy="raise")."""
    thread = db.session.get(Thread, post.thread_id)
    # thread_id is a foreign key (ON DELETE CASCADE), and threads are never deleted: a post's thread exists.
    assert thread is not None, "a post's thread exists while the post does"
    return thread


def category_of(thread: Thread) -> Category:
    """The category ``thread`` is in (from the session when already loaded)."""
    category = db.session.get(Category, thread.category_id)
    # category_id is a foreign key, and categories are never deleted: a thread's category exists.
    assert category is not None, "a thread's category exists while the thread does"
    return category


def can_see_category(viewer, category: Category) -> bool:
    return category.restricted_to is None or viewer.has_any_role(category.restricted_to)


def thread_filter(viewer):
    """Threads listed for ``viewer``: a thread whose opening post waits is shown to its author and moderators."""
    if is_moderator(viewer):
        return Thread.id.is_not(None)
    return or_(Thread.held.is_(False), Thread.author_id == viewer.id)


def post_filter(viewer):
    """Posts whose text ``viewer`` may read: visible ones; their own held or hidden ones; all for moderators."""
    if is_moderator(viewer):
        return Post.status != "deleted"
    return or_(Post.status == "visible", (Post.author_id == viewer.id) & Post.status.in_(("held", "hidden")))


def can_read_post(viewer, post: Post) -> bool:
    if post.status == "visible":
        return True
    if post.status == "deleted":
        return False
    return is_moderator(viewer) or post.author_id == viewer.id


def can_see_thread(viewer, thread: Thread) -> bool:
    """The thread page's own rule, used by every action on a thread: its category is visible, and
    a thread whose opening post waits is seen only by its author and moderators."""
    category = db.session.get(Category, thread.category_id)
    if category is None or not can_see_category(viewer, category):
        return False
    return not thread.held or thread.author_id == viewer.id or is_moderator(viewer)


def can_see_post(viewer, post: Post, thread: Thread) -> bool:
    """A post ``viewer`` may read where it stands: its thread visible to them, and its text readable."""
    return post.thread_id == thread.id and can_see_thread(viewer, thread) and can_read_post(viewer, post)


def widens_audience(source: Category, target: Category) -> bool:
    """Would moving a thread from ``source`` to ``target`` let people read it who could not before?
    Restricted categories are for one role each, so only a move within the same restriction, or out
    of an open category, keeps the readers the same or fewer."""
    return source.restricted_to is not None and target.restricted_to != source.restricted_to
