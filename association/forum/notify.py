"""Emails about watched threads: one per reply, or a daily digest, as each member chose."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..mail.outbox import external_url, queue_email
from ..mail.preferences import MailPreferences
from ..members.models import Member, MemberStatus
from .access import can_see_category, category_of
from .models import Category, Post, Thread, ThreadWatch


def _watchers(thread: Thread, exclude_id: int | None):
    rows = db.session.execute(
        select(ThreadWatch, Member, MailPreferences.forum_notifications)
        .join(Member, Member.id == ThreadWatch.member_id)
        .outerjoin(MailPreferences, MailPreferences.member_id == Member.id)
        .where(ThreadWatch.thread_id == thread.id, Member.status == MemberStatus.ACTIVE, Member.email.is_not(None))
    ).all()
    return [(watch, member, choice or "each") for watch, member, choice in rows if member.id != exclude_id]


def tell_watchers(thread: Thread, post: Post) -> int:
    """Queue an email to each watcher who wants one per reply (in the caller's transaction).

    None while the thread's opening post waits for a moderator: its title is in every email."""
    if thread.held:
        return 0
    category = category_of(thread)
    author = db.session.get(Member, post.author_id) if post.author_id else None
    told = 0
    for watch, member, choice in _watchers(thread, post.author_id):
        if choice != "each" or not can_see_category(member, category):
            continue
        queue_email(
            member.mail_to,  # an active member (the query wants an address)
            f"New reply: {thread.title}",
            "forum_reply",
            member=member,
            kind="forum",
            thread=thread,
            post=post,
            author_name=author.display_name if author else "A member",
            post_url=external_url(
                "forum.thread", thread_id=thread.id, _anchor=f"post-{post.number}", page=page_of(post.number)
            ),
            preferences_url=external_url("mail.preferences"),
        )
        watch.notified_number = max(watch.notified_number, post.number)
        told += 1
    return told


def page_of(number: int) -> int:
    from flask import current_app

    return (number - 1) // current_app.config["FORUM_PAGE_SIZE"] + 1


def send_digests() -> int:
    """One email per member who chose the digest, listing new replies in threads they watch.
    Commits: a daily job."""
    # Replies since the member was last told, by others, counted in the same statement.
    new_replies = (
        select(db.func.count())
        .select_from(Post)
        .where(
            Post.thread_id == ThreadWatch.thread_id,
            Post.number > ThreadWatch.notified_number,
            Post.status == "visible",
            Post.author_id != ThreadWatch.member_id,
        )
        .correlate(ThreadWatch)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(ThreadWatch, Member, Thread, Category, new_replies)
        .join(Member, Member.id == ThreadWatch.member_id)
        .join(MailPreferences, MailPreferences.member_id == Member.id)
        .join(Thread, Thread.id == ThreadWatch.thread_id)
        .join(Category, Category.id == Thread.category_id)
        .where(
            MailPreferences.forum_notifications == "digest",
            Member.status == MemberStatus.ACTIVE,
            Member.email.is_not(None),
            Thread.last_post_number > ThreadWatch.notified_number,
            Thread.held.is_(False),
        )  # told once a moderator lets the opening post (and title) be seen
    ).all()
    by_member: dict[int, tuple[Member, list]] = {}
    for watch, member, thread, category, new in rows:
        if not can_see_category(member, category):
            continue
        watch.notified_number = thread.last_post_number
        if new:
            by_member.setdefault(member.id, (member, []))[1].append(
                (thread, new, external_url("forum.thread", thread_id=thread.id))
            )
    for member, threads in by_member.values():
        queue_email(
            member.mail_to,  # an active member (the query wants an address)
            "New replies in threads you watch",
            "forum_digest",
            member=member,
            kind="forum",
            threads=threads,
            preferences_url=external_url("mail.preferences"),
        )
    db.session.commit()
    return len(by_member)
