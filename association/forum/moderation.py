"""Moderators' actions, each written to the moderation log with who, what and why."""

from __future__ import annotations

from sqlalchemy import func, or_, select, update

from ..core.database import lock_row, utcnow
from ..core.errors import DomainError
from ..extensions import db
from ..mail.outbox import external_url, queue_email
from ..members.models import Member, MemberStatus
from . import search
from .access import can_see_category, category_filter, category_of, thread_of, visible_categories, widens_audience
from .models import Category, ModerationEntry, Post, Report, Thread
from .notify import tell_watchers
from .posting import refresh_counts


class ModerationError(DomainError):
    """An action that can't be taken; ``str(error)`` says why."""


def log(
    moderator,
    action: str,
    *,
    post: Post | None = None,
    thread: Thread | None = None,
    member_id: int | None = None,
    reason: str = "",
) -> None:
    db.session.add(
        ModerationEntry(
            moderator_id=moderator.id,
            action=action,
            post_id=post.id if post else None,
            thread_id=thread.id if thread else (post.thread_id if post else None),
            member_id=member_id if member_id is not None else (post.author_id if post else None),
            reason=reason.strip(),
        )
    )


def _resolve_reports(post: Post, moderator) -> None:
    db.session.execute(
        update(Report)
        .where(Report.post_id == post.id, Report.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=moderator.id)
    )


def approve(post: Post, moderator, reason: str = "") -> None:
    """Let a held post (or a reported one) be seen. Commits."""
    if post.status not in ("held", "visible"):
        raise ModerationError("Only a waiting or reported post can be approved.")
    thread = thread_of(post)
    was_held = post.status == "held"
    post.status, post.held_reason, post.held_detail = "visible", None, None
    if post.number == 1:
        thread.held = False
    search.index_post(post, thread)
    _resolve_reports(post, moderator)
    refresh_counts(thread)
    if was_held and post.number > 1:
        tell_watchers(thread, post)
    log(moderator, "approve", post=post, reason=reason)
    db.session.commit()


def hide(post: Post, moderator, reason: str) -> None:
    """Take a post down; its author sees the reason. Commits."""
    if not reason.strip():
        raise ModerationError("Give a reason: the author will see it.")
    if post.status == "deleted":
        raise ModerationError("The author already deleted this post.")
    post.status, post.hidden_reason = "hidden", reason.strip()
    search.remove_post(post)
    _resolve_reports(post, moderator)
    refresh_counts(thread_of(post))
    log(moderator, "hide", post=post, reason=reason)
    author = db.session.get(Member, post.author_id) if post.author_id else None
    if author is not None and author.email:
        thread = thread_of(post)
        queue_email(
            author.email,
            "A moderator has hidden one of your posts",
            "forum_post_hidden",
            member=author,
            thread=thread,
            reason=post.hidden_reason,
            post_url=external_url("forum.thread", thread_id=thread.id, _anchor=f"post-{post.number}"),
        )
    db.session.commit()


def restore(post: Post, moderator, reason: str = "") -> None:
    """Show a hidden post again (an opening post takes its thread with it). Commits."""
    if post.status != "hidden":
        raise ModerationError("Only a hidden post can be restored.")
    post.status, post.hidden_reason = "visible", None
    thread = thread_of(post)
    if post.number == 1:
        # Restored means seen: an opening post hidden while it waited no longer keeps its thread unlisted.
        thread.held = False
        post.held_reason, post.held_detail = None, None
    search.index_post(post, thread)
    refresh_counts(thread)
    log(moderator, "restore", post=post, reason=reason)
    db.session.commit()


def set_thread_flag(thread: Thread, moderator, flag: str, value: bool, reason: str = "") -> None:
    """Lock or unlock, pin or unpin a thread. Commits."""
    if flag not in ("locked", "pinned"):
        raise ModerationError("Unknown thread setting.")
    setattr(thread, flag, value)
    action = {"locked": "lock", "pinned": "pin"}[flag]
    log(moderator, action if value else f"un{action}", thread=thread, reason=reason)
    db.session.commit()


def move_targets(thread: Thread, moderator) -> list[Category]:
    """The categories a moderator is offered for moving ``thread``: ones they can see, and (unless
    they are an admin) none where more people would read it than read it now."""
    current = category_of(thread)
    return [
        c
        for c in visible_categories(moderator)
        if c.id != current.id and (moderator.has_role("admin") or not widens_audience(current, c))
    ]


def move_thread(thread: Thread, category: Category, moderator, reason: str = "") -> None:
    """Move a thread to another category the moderator can see (to a wider audience: admins only). Commits."""
    if category.id == thread.category_id:
        raise ModerationError("The thread is already in that category.")
    if not can_see_category(moderator, category):
        raise ModerationError("Choose a category to move the thread to.")
    old = category_of(thread)
    # A committee thread moved to an open category would be read by every member: an admin's call.
    if widens_audience(old, category) and not moderator.has_role("admin"):
        raise ModerationError("Only an admin can move a thread where more people can read it.")
    thread.category_id = category.id
    refresh_counts(thread)
    refresh_counts_for_category(old)  # the category it left needs its counts too
    log(moderator, "move", thread=thread, reason=f"{old.name} → {category.name}" + (f": {reason}" if reason else ""))
    db.session.commit()


def refresh_counts_for_category(category: Category) -> None:
    latest = db.session.scalar(
        select(Thread)
        .where(Thread.category_id == category.id, Thread.held.is_(False))
        .order_by(Thread.last_post_at.desc())
        .limit(1)
    )
    if latest is not None:
        refresh_counts(latest)
    else:
        category.thread_count = category.post_count = 0
        category.last_post_at, category.last_thread_id = None, None


def _only_active(member: Member) -> str:
    """The address of ``member``, who must be active. Applicants, lapsed, suspended and erased members
    are not in the forum (and an erased one has no email address left to write to)."""
    if not member.is_active_member or member.erased_at is not None or not member.email:
        raise ModerationError("Warnings and suspensions are only for active members.")
    return member.email


def warn(member: Member, moderator, reason: str) -> None:
    """Email a member a warning from the moderators. Commits."""
    address = _only_active(member)
    if not reason.strip():
        raise ModerationError("Say what the warning is about; the member will read it.")
    queue_email(
        address,
        "A message from the forum moderators",
        "forum_warning",
        member=member,
        reason=reason.strip(),
        guidelines_url=external_url("forum.index"),
    )
    log(moderator, "warn", member_id=member.id, reason=reason)
    db.session.commit()


def suspend(member: Member, admin, reason: str) -> None:
    """Admins only: suspend a member's account (signs them out everywhere). Commits."""
    from ..members.registry import set_status

    if not admin.has_role("admin"):
        raise ModerationError("Only an admin can suspend a member.")
    _only_active(member)
    if not reason.strip():
        raise ModerationError("Give a reason for the suspension.")
    set_status(member, MemberStatus.SUSPENDED, admin, reason)
    log(admin, "suspend", member_id=member.id, reason=reason)
    db.session.commit()


def report(post: Post, reporter, reason: str) -> None:
    """Any member can report a post for the moderators to look at. Commits."""
    reason = reason.strip()
    if not reason:
        raise ModerationError("Tell the moderators briefly what's wrong with the post.", field="reason")
    if len(reason) > 500:
        raise ModerationError("Keep the reason to 500 characters.", field="reason")
    lock_row(Post, post.id)  # a double click: the second report waits and then finds the first
    if db.session.scalar(
        select(Report.id).where(
            Report.post_id == post.id, Report.reporter_id == reporter.id, Report.resolved_at.is_(None)
        )
    ):
        raise ModerationError("You've already reported this post; a moderator will look at it.")
    db.session.add(Report(post_id=post.id, reporter_id=reporter.id, reason=reason))
    db.session.commit()


def _visible_thread_ids(moderator):
    """Threads in the categories ``moderator`` may see, as a subquery: the queue and the log use the
    forum's own category rule, so a moderator never reads posts from a room they are not in."""
    return (
        select(Thread.id)
        .join(Category, Category.id == Thread.category_id)
        .where(category_filter(moderator))
        .scalar_subquery()
    )


def queue(moderator) -> tuple[list[Post], list[Report]]:
    """Held posts and open reports in categories the moderator can see, oldest first."""
    from sqlalchemy.orm import selectinload

    visible = _visible_thread_ids(moderator)
    held = list(
        db.session.scalars(
            select(Post)
            .options(selectinload(Post.thread), selectinload(Post.author))
            .where(Post.status == "held", Post.thread_id.in_(visible))
            .order_by(Post.created_at)
        )
    )
    reports = list(
        db.session.scalars(
            select(Report)
            .options(
                selectinload(Report.post).selectinload(Post.thread),
                selectinload(Report.post).selectinload(Post.author),
                selectinload(Report.reporter),
            )
            .join(Post, Post.id == Report.post_id)
            .where(Report.resolved_at.is_(None), Post.thread_id.in_(visible))
            .order_by(Report.created_at)
        )
    )
    return held, reports


def queue_size(moderator):
    """SQL: held posts plus open reports the moderator can see (the menu's count; the queue's rule)."""
    visible = _visible_thread_ids(moderator)
    held = select(func.count()).select_from(Post).where(Post.status == "held", Post.thread_id.in_(visible))
    reports = (
        select(func.count())
        .select_from(Report)
        .join(Post, Post.id == Report.post_id)
        .where(Report.resolved_at.is_(None), Post.thread_id.in_(visible))
    )
    return held.scalar_subquery() + reports.scalar_subquery()


def held_notes(held: list[Post]) -> dict:
    """For the queue: what each held post seems to hold, said to a moderator, from what was stored
    when it was held (no check and no query per post)."""
    from .checks import held_note

    return {
        post.id: held_note(
            post.held_reason,
            post.held_detail,
            post.body_md,
            post.thread.title if post.number == 1 else None,
            to_author=False,
        )
        for post in held
    }


def log_entries(moderator):
    """The moderation log as ``moderator`` may read it: entries about a thread in a category they
    can't see are left out (entries about a member only, or a thread since removed, stay)."""
    return select(ModerationEntry).where(
        or_(ModerationEntry.thread_id.is_(None), ModerationEntry.thread_id.in_(_visible_thread_ids(moderator)))
    )
