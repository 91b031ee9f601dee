"""Forum listings for a reader, each in a fixed number of queries however much is written."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..core.database import utcnow
from ..core.paging import Paging, paginate
from ..extensions import db
from .access import category_filter, post_filter, thread_filter
from .models import Category, ForumVisit, Post, Thread, ThreadRead, ThreadWatch

THREADS_PER_PAGE = 25


def record_visit(member) -> datetime | None:
    """Note this visit; returns the previous one ('new since your last visit'). Commits.

    A visit within half an hour of the last continues it, so the marker doesn't vanish on the
    next click."""
    visit = db.session.get(ForumVisit, member.id)
    now = utcnow()
    if visit is None:
        db.session.add(ForumVisit(member_id=member.id, previous_visit_at=None, last_seen_at=now))
        db.session.commit()
        return None
    if (now - visit.last_seen_at).total_seconds() > 1800:
        visit.previous_visit_at = visit.last_seen_at
    visit.last_seen_at = now
    db.session.commit()
    return visit.previous_visit_at


@dataclass
class CategoryRow:
    category: Category
    new_threads: int


def category_list(viewer, since: datetime | None) -> list[CategoryRow]:
    categories = list(db.session.scalars(select(Category).where(category_filter(viewer))
                                         .order_by(Category.position, Category.name)))
    new: dict[int, int] = {}
    if since is not None and categories:
        new = dict(db.session.execute(
            select(Thread.category_id, func.count()).where(
                Thread.category_id.in_([c.id for c in categories]), Thread.last_post_at > since, thread_filter(viewer))
            .group_by(Thread.category_id)).all())
    return [CategoryRow(c, new.get(c.id, 0)) for c in categories]


@dataclass
class ThreadRow:
    thread: Thread
    last_read: int | None

    @property
    def unread(self) -> bool:
        return self.last_read is None or self.thread.last_post_number > self.last_read

    @property
    def first_unread(self) -> int:
        return min((self.last_read or 0) + 1, self.thread.last_post_number)


def threads_in(category: Category, viewer, page: int) -> tuple[list[ThreadRow], Paging]:
    base = select(Thread).where(Thread.category_id == category.id, thread_filter(viewer))
    paging = paginate(base, page, THREADS_PER_PAGE)
    rows = db.session.execute(
        base.add_columns(ThreadRead.last_read_number)
        .outerjoin(ThreadRead, (ThreadRead.thread_id == Thread.id) & (ThreadRead.member_id == viewer.id))
        .options(selectinload(Thread.author))
        .order_by(Thread.pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc())
        .offset(paging.offset).limit(THREADS_PER_PAGE)
    ).all()
    return [ThreadRow(thread, last_read) for thread, last_read in rows], paging


def page_size() -> int:
    return current_app.config["FORUM_PAGE_SIZE"]


def thread_pages(thread: Thread) -> int:
    return max(1, -(-thread.last_post_number // page_size()))


def posts_on_page(thread: Thread, viewer, page: int) -> list[Post]:
    """Posts numbered for this page (stable page numbers): the ones ``viewer`` may read in full,
    and the others as placeholders (the template shows 'hidden' or 'deleted', never their text)."""
    first = (page - 1) * page_size() + 1
    return list(db.session.scalars(
        select(Post).options(selectinload(Post.author))
        .where(Post.thread_id == thread.id, Post.number.between(first, first + page_size() - 1))
        .where(post_filter(viewer) | Post.status.in_(("hidden", "deleted")))
        .order_by(Post.number)))


def is_watching(viewer, thread: Thread) -> bool:
    return db.session.get(ThreadWatch, (viewer.id, thread.id)) is not None
