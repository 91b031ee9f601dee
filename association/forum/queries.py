"""Forum listings for a reader, each in a fixed number of queries however much is written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import case, func, null, select

from ..core.database import insert_or_ignore, utcnow
from ..core.paging import Paging, paginate
from ..extensions import db
from ..members.models import FORMER_MEMBER, Member
from .access import category_filter, is_moderator, post_filter, thread_filter
from .models import Category, ForumVisit, Post, Thread, ThreadRead, ThreadWatch
from .posting import mark_read

THREADS_PER_PAGE = 25


VISIT_GAP_SECONDS = 1800  # a visit within half an hour of the last continues it
VISIT_WRITE_EVERY_SECONDS = 60  # don't rewrite last_seen_at on every click of the same visit


@dataclass(frozen=True, slots=True)
class Visit:
    previous: datetime | None  # the visit before this one ('new since your last visit')
    written: bool  # this one was noted: the caller commits it


def record_visit(member) -> Visit:
    """Note this visit; returns the previous one, and whether this one was written.

    A visit within half an hour of the last continues it, so the marker doesn't vanish on the
    next click. Clicks less than a minute apart don't write at all: nothing they would record
    changes what anyone sees."""
    visit = db.session.get(ForumVisit, member.id)
    now = utcnow()
    if visit is None:
        # The first visit may arrive in two tabs at once: the second finds the first's row.
        insert_or_ignore(ForumVisit, member_id=member.id, previous_visit_at=None, last_seen_at=now)
        return Visit(None, written=True)
    previous = visit.previous_visit_at
    gap = (now - visit.last_seen_at).total_seconds()
    if 0 <= gap < VISIT_WRITE_EVERY_SECONDS:
        return Visit(previous, written=False)
    if gap > VISIT_GAP_SECONDS:
        visit.previous_visit_at = previous = visit.last_seen_at
    visit.last_seen_at = now
    db.session.flush()
    return Visit(previous, written=True)


@dataclass(slots=True)
class CategoryRow:
    """A category as the forum index shows it (plain values, not an ORM entity)."""

    id: int
    name: str
    description: str
    restricted_to: str | None
    thread_count: int
    post_count: int
    last_post_at: datetime | None
    new_threads: int


def category_list(viewer, since: datetime | None) -> list[CategoryRow]:
    rows = db.session.execute(
        select(
            Category.id,
            Category.name,
            Category.description,
            Category.restricted_to,
            Category.thread_count,
            Category.post_count,
            Category.last_post_at,
        )
        .where(category_filter(viewer))
        .order_by(Category.position, Category.name)
    ).all()
    new: dict[int, int] = {}
    if since is not None and rows:
        new = dict(
            db.session.execute(
                select(Thread.category_id, func.count())
                .where(Thread.category_id.in_([r.id for r in rows]), Thread.last_post_at > since, thread_filter(viewer))
                .group_by(Thread.category_id)
            ).all()
        )
    return [CategoryRow(*r, new.get(r.id, 0)) for r in rows]


@dataclass(slots=True)
class ThreadRow:
    """A thread as a category page lists it, with the reader's last-read post number."""

    id: int
    title: str
    visible_posts: int
    last_post_at: datetime
    last_post_number: int
    held: bool
    pinned: bool
    locked: bool
    author_name: str
    last_read: int | None
    opening_status: str | None = None

    @property
    def state(self) -> str | None:
        return thread_state(self.held, self.opening_status)

    @property
    def unread(self) -> bool:
        return self.last_read is None or self.last_post_number > self.last_read

    @property
    def first_unread(self) -> int:
        return min((self.last_read or 0) + 1, self.last_post_number)

    @property
    def replies(self) -> int:
        return max(self.visible_posts - 1, 0)


def thread_state(held: bool, opening_status: str | None) -> str | None:
    """What a thread's badge says of its opening post: 'waiting' while a moderator has still to look at
    it, 'hidden' once a moderator has taken it down (the thread stays unlisted for others, but
    nobody is waiting any more), None otherwise."""
    if opening_status == "hidden":
        return "hidden"
    if held and opening_status in ("held", None):
        return "waiting"
    return None


def opening_status(thread: Thread) -> str | None:
    """The status of a thread's opening post (one small query, by the thread and number index)."""
    return db.session.scalar(select(Post.status).where(Post.thread_id == thread.id, Post.number == 1))


def _author_name(name: str | None, erased_at: datetime | None) -> str:
    """What a listing shows for an author (matches Member.display_name; no account left: 'Former member')."""
    return FORMER_MEMBER if name is None or erased_at is not None else name


def threads_in(category: Category, viewer, page: int) -> tuple[list[ThreadRow], Paging]:
    base = select(Thread).where(Thread.category_id == category.id, thread_filter(viewer))
    paging = paginate(base, page, THREADS_PER_PAGE)
    rows = db.session.execute(
        select(
            Thread.id,
            Thread.title,
            Thread.visible_posts,
            Thread.last_post_at,
            Thread.last_post_number,
            Thread.held,
            Thread.pinned,
            Thread.locked,
            Member.name,
            Member.erased_at,
            ThreadRead.last_read_number,
            Post.status,
        )
        .where(Thread.category_id == category.id, thread_filter(viewer))
        .outerjoin(Member, Member.id == Thread.author_id)
        .outerjoin(Post, (Post.thread_id == Thread.id) & (Post.number == 1))
        .outerjoin(ThreadRead, (ThreadRead.thread_id == Thread.id) & (ThreadRead.member_id == viewer.id))
        .order_by(Thread.pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc())
        .offset(paging.offset)
        .limit(THREADS_PER_PAGE)
    ).all()
    return [ThreadRow(*r[:8], _author_name(r[8], r[9]), r[10], r[11]) for r in rows], paging


def page_size() -> int:
    return current_app.config["FORUM_PAGE_SIZE"]


def thread_pages(thread: Thread) -> int:
    return max(1, -(-thread.last_post_number // page_size()))


def mark_read_upto(viewer, thread: Thread, number: int) -> bool:
    """Record that ``viewer`` has read ``thread`` up to post ``number``; writes only when that moves
    their marker forward, so re-reading a page costs no write. True when it wrote: the caller commits."""
    read = db.session.get(ThreadRead, (viewer.id, thread.id))
    if read is None or number > read.last_read_number:
        mark_read(viewer.id, thread.id, number)
        return True
    return False


@dataclass(slots=True)
class PostRow:
    """A post as the thread page shows it. ``readable``: the reader may see its text; when False the
    page shows only a placeholder and never body_html, reasons or author."""

    id: int
    number: int
    author_id: int | None
    status: str
    body_html: str
    held_detail: str | None
    hidden_reason: str | None
    created_at: datetime
    edit_count: int
    held_reason: str | None
    body_md: str | None  # only for a held post: its note marks what was found in the source
    author_name: str
    readable: bool


def posts_on_page(thread: Thread, viewer, page: int) -> list[PostRow]:
    """Posts numbered for this page (stable page numbers): the ones ``viewer`` may read in full,
    and the others as placeholders (the template shows 'hidden' or 'deleted', never their text)."""
    first = (page - 1) * page_size() + 1
    rows = db.session.execute(
        select(
            Post.id,
            Post.number,
            Post.author_id,
            Post.status,
            Post.body_html,
            Post.held_detail,
            Post.hidden_reason,
            Post.created_at,
            Post.edit_count,
            Post.held_reason,
            case((Post.status == "held", Post.body_md), else_=null()).label("body_md"),
            Member.name,
            Member.erased_at,
        )
        .outerjoin(Member, Member.id == Post.author_id)
        .where(Post.thread_id == thread.id, Post.number.between(first, first + page_size() - 1))
        .where(post_filter(viewer) | Post.status.in_(("hidden", "deleted")))
        .order_by(Post.number)
    ).all()
    moderator = is_moderator(viewer)
    posts = []
    for r in rows:
        readable = r.status == "visible" or (r.status != "deleted" and (moderator or r.author_id == viewer.id))
        posts.append(
            PostRow(
                r.id,
                r.number,
                r.author_id,
                r.status,
                r.body_html,
                r.held_detail,
                r.hidden_reason,
                r.created_at,
                r.edit_count,
                r.held_reason,
                r.body_md,
                _author_name(r.name, r.erased_at),
                readable,
            )
        )
    return posts


def is_watching(viewer, thread: Thread) -> bool:
    return db.session.get(ThreadWatch, (viewer.id, thread.id)) is not None
