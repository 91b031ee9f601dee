"""Writing in the forum: threads, replies, edits and deletions, and the checks that hold a post back.

A post is held for a moderator when its author is new (their first few posts) or when it, or an
opening post's title, looks like it holds personal data (checks.py) — when written and again when
edited; the author sees it, marked as waiting, and the note on it says why. Counters on threads and
categories are kept here so that listings never count rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from ..core.database import increment, insert_or_ignore, lock_row, utcnow
from ..core.errors import DomainError
from ..core.markdown import render_markdown
from ..extensions import db
from ..members.models import Member
from . import checks, search
from .access import is_moderator, thread_of
from .models import Category, Post, PostRevision, Thread, ThreadRead, ThreadWatch

TITLE_LENGTH = 160
BODY_LENGTH = 20000


class PostingError(DomainError):
    """Something we can't post; ``str(error)`` says why in plain words, and ``field`` which part of
    the post (``title`` or ``body``) it is about, if one is."""


class SlowDown(PostingError):
    """Posting too fast: the text is kept and can be sent again in a moment."""


@dataclass
class Outcome:
    post: Post
    held: bool
    message: str


def _check_text(body: str, title: str | None = None) -> None:
    if title is not None:
        if not title.strip():
            raise PostingError("Give the thread a title.", field="title")
        if len(title) > TITLE_LENGTH:
            raise PostingError(f"Keep the title to {TITLE_LENGTH} characters.", field="title")
    if not body.strip():
        raise PostingError("Write something before posting.", field="body")
    if len(body) > BODY_LENGTH:
        raise PostingError(
            f"That's longer than we can take ({BODY_LENGTH:,} characters). Could you split it?", field="body"
        )


def _check_pace(author) -> None:
    """New members may post a few times in ten minutes, others more: a flood is slowed, not lost."""
    if is_moderator(author):
        return
    # Counted under the author's lock: ten posts sent at the same instant would otherwise all
    # count the same earlier posts and all pass.
    lock_row(Member, author.id)
    window = utcnow() - timedelta(minutes=10)
    recent = (
        db.session.scalar(
            select(func.count()).select_from(Post).where(Post.author_id == author.id, Post.created_at >= window)
        )
        or 0
    )
    limit = current_app.config["FORUM_NEW_MEMBER_PACE"] if _is_new(author) else current_app.config["FORUM_MEMBER_PACE"]
    if recent >= limit:
        raise SlowDown(
            "You're posting quickly, so we've slowed things down for a few minutes. Your text is "
            "kept below: press Post again in a little while.",
            field="body",
        )


def _is_new(author) -> bool:
    approved = (
        db.session.scalar(
            select(func.count()).select_from(Post).where(Post.author_id == author.id, Post.status == "visible")
        )
        or 0
    )
    return approved < current_app.config["FORUM_PREMODERATION_POSTS"]


# The banner after posting only points to the post: why it waits is said once, in the note on it.
HELD_MESSAGE = "Your post is saved and waiting for a moderator. The note on it says why."
EDIT_HELD_MESSAGE = "Your changes are saved. The post is waiting for a moderator; the note on it says why."


def _hold_reason(author, body: str, title: str | None = None) -> tuple[str | None, str | None]:
    """Why a new post waits, and what was found (stored with it), or (None, None) to show it now."""
    found = checks.check(body, title)
    if found:
        return checks.PERSONAL_DATA, checks.dump(found)
    if not is_moderator(author) and _is_new(author):
        return checks.NEW_MEMBER, None
    return None, None


def refresh_counts(thread: Thread) -> None:
    """Recount the thread's and its category's visible posts, threads and last post.

    Each row is locked before it is counted (thread, then category: always that order, so two
    writers never wait on each other in a circle). A count read before another writer commits
    and written after it would undo that writer's change; under the lock the count includes it.
    """
    db.session.flush()
    lock_row(Thread, thread.id)
    # "status || ''" keeps SQLite on the thread's own posts: matched bare, it may walk the status
    # index through every visible post in the forum (50-280 ms at 50,000 posts).
    count, last = db.session.execute(
        select(func.count(Post.id), func.max(Post.created_at)).where(
            Post.thread_id == thread.id, Post.status.concat("") == "visible"
        )
    ).one()
    thread.visible_posts = count
    thread.last_post_at = last or thread.created_at
    db.session.flush()
    lock_row(Category, thread.category_id)
    category = db.session.scalars(
        select(Category).where(Category.id == thread.category_id).execution_options(populate_existing=True)
    ).one()
    # From the threads' own counts (kept by this function), not by reading every post again.
    threads, posts, latest = db.session.execute(
        select(
            func.count(Thread.id), func.coalesce(func.sum(Thread.visible_posts), 0), func.max(Thread.last_post_at)
        ).where(Thread.category_id == category.id, Thread.held.is_(False), Thread.visible_posts > 0)
    ).one()
    category.thread_count, category.post_count, category.last_post_at = threads, posts, latest
    if latest is not None:
        category.last_thread_id = db.session.scalar(
            select(Thread.id)
            .where(Thread.category_id == category.id, Thread.held.is_(False))
            .order_by(Thread.last_post_at.desc())
            .limit(1)
        )


def start_thread(category: Category, author, title: str, body: str) -> Outcome:
    """A new thread with its opening post. Commits."""
    _check_text(body, title)
    _check_pace(author)
    thread = Thread(category_id=category.id, title=title.strip(), author_id=author.id)
    db.session.add(thread)
    db.session.flush()
    outcome = _add_post(thread, author, body, title=thread.title)
    thread.held = outcome.held
    db.session.add(ThreadWatch(member_id=author.id, thread_id=thread.id))
    refresh_counts(thread)
    db.session.commit()
    return outcome


def reply(thread: Thread, author, body: str) -> Outcome:
    """Add a reply and tell watchers if it's visible. Commits."""
    if thread.locked and not is_moderator(author):
        raise PostingError("This thread is locked, so no new replies can be added.")
    _check_text(body)
    _check_pace(author)
    outcome = _add_post(thread, author, body)
    # The author's second reply sent at the same moment may be adding the same watch.
    insert_or_ignore(ThreadWatch, member_id=author.id, thread_id=thread.id)
    refresh_counts(thread)
    if not outcome.held:
        from .notify import tell_watchers

        tell_watchers(thread, outcome.post)
    db.session.commit()
    return outcome


def _add_post(thread: Thread, author, body: str, title: str | None = None) -> Outcome:
    reason, detail = _hold_reason(author, body, title)
    # The number is taken in the database (UPDATE … RETURNING), not from the thread as this request
    # read it: 30 members replying at once each get their own number, 1..N without gaps. The
    # update also locks the thread row until commit, which serialises the rest of the reply.
    number = increment(Thread.last_post_number, thread.id)
    post = Post(
        thread_id=thread.id,
        number=number,
        author_id=author.id,
        body_md=body,
        body_html=render_markdown(body),
        status="held" if reason else "visible",
        held_reason=reason,
        held_detail=detail,
    )
    db.session.add(post)
    db.session.flush()
    if not reason:
        search.index_post(post, thread)
        mark_read(author.id, thread.id, post.number)
        return Outcome(post, False, "Posted.")
    return Outcome(post, True, HELD_MESSAGE)


def edit_post(post: Post, editor, body: str, title: str | None = None) -> Outcome:
    """Change a post's text (and, for an opening post, its thread's title when ``title`` is given),
    keeping the old text in its history. Both are checked again: a visible post that now looks like
    it holds personal data goes back to the moderators (an opening post takes its thread with it),
    and a held one is held for what its new text holds. Commits."""
    if post.status == "deleted":
        raise PostingError("A deleted post can't be edited.")
    if post.author_id != editor.id and not is_moderator(editor):
        raise PostingError("You can only edit your own posts.")
    thread = thread_of(post)
    if post.number != 1:
        title = None  # only an opening post carries its thread's title
    _check_text(body, title)
    title = title.strip() if title is not None else None
    new_title = title if title is not None and title != thread.title else None
    body_changed, title_changed = body != post.body_md, new_title is not None
    if not (body_changed or title_changed):
        return Outcome(post, post.status == "held", "Nothing changed.")
    if body_changed:
        db.session.add(PostRevision(post_id=post.id, body_md=post.body_md, editor_id=editor.id))
        post.body_md, post.body_html = body, render_markdown(body)
        increment(Post.edit_count, post.id)  # in SQL: an author and a moderator may save at once
    if new_title is not None:
        thread.title = new_title
    post.edited_at = utcnow()
    found = checks.check(body, thread.title if post.number == 1 else None)
    if found.title and title_changed and post.status == "hidden":
        # A hidden post can't be held, and its thread's title is still listed for everyone.
        raise PostingError(checks.explain(found.everything), field="title")
    if found and post.status in ("visible", "held"):
        post.status, post.held_reason, post.held_detail = "held", checks.PERSONAL_DATA, checks.dump(found)
    elif post.status == "held" and post.held_reason == checks.PERSONAL_DATA:
        # Rewritten without the personal details: it still waits, for a moderator to read the change.
        post.held_reason, post.held_detail = checks.CHANGED, None
    if post.status == "held":
        search.remove_post(post)
        if post.number == 1:
            thread.held = True  # the title is no one else's to read until a moderator has looked
    elif post.status == "visible":
        search.index_post(post, thread)
    refresh_counts(thread)
    db.session.commit()
    if post.status == "held":
        return Outcome(post, True, EDIT_HELD_MESSAGE)
    return Outcome(post, False, "Your changes are saved.")


def delete_own_post(post: Post, author) -> None:
    """Soft-delete: the post's place stays, its text goes from every page. Commits."""
    if post.author_id != author.id:
        raise PostingError("You can only delete your own posts.")
    post.status = "deleted"
    search.remove_post(post)
    refresh_counts(thread_of(post))
    db.session.commit()


def mark_read(member_id: int, thread_id: int, number: int) -> None:
    """Move the member's read marker on to ``number`` (never back).

    In SQL, not read-then-write: the same member's two tabs or two replies may both arrive first
    (the insert of one finds the other's row) or both move the marker (the larger number wins).
    """
    if insert_or_ignore(
        ThreadRead, member_id=member_id, thread_id=thread_id, last_read_number=number, read_at=utcnow()
    ):
        return
    db.session.execute(
        update(ThreadRead)
        .where(
            ThreadRead.member_id == member_id, ThreadRead.thread_id == thread_id, ThreadRead.last_read_number < number
        )
        .values(last_read_number=number, read_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
