"""The members' forum: categories, threads, posts, their edit history, reports and moderation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.database import utcnow
from ..extensions import Model

# visible: everyone who may see the category; held: waiting for a moderator (the author sees it);
# hidden: taken down by a moderator (the author sees why); deleted: removed by its author.
POST_STATUSES = ("visible", "held", "hidden", "deleted")
HELD_REASONS = {
    "new_member": "new member's first posts",
    "personal_data": "may contain personal details",
    "reported": "reported",
}


class Category(Model):
    __tablename__ = "forum_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Only members with this role (and admins) see the category; None for every member.
    restricted_to: Mapped[str | None] = mapped_column(String(20))
    thread_count: Mapped[int] = mapped_column(Integer, default=0)
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    last_post_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_thread_id: Mapped[int | None] = mapped_column(Integer)


class Thread(Model):
    __tablename__ = "forum_threads"
    __table_args__ = (Index("ix_forum_threads_listing", "category_id", "pinned", "last_post_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("forum_categories.id"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Counters kept by the posting functions so listings never count rows per thread.
    last_post_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_post_number: Mapped[int] = mapped_column(Integer, default=0)
    visible_posts: Mapped[int] = mapped_column(Integer, default=0)
    # Set while the opening post waits for a moderator: the thread is not listed for others.
    held: Mapped[bool] = mapped_column(Boolean, default=False)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)

    category: Mapped[Category] = relationship(lazy="raise")
    author = relationship("Member", lazy="raise")


class Post(Model):
    __tablename__ = "forum_posts"
    __table_args__ = (
        UniqueConstraint("thread_id", "number", name="uq_forum_posts_thread_number"),
        Index("ix_forum_posts_status", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_threads.id", ondelete="CASCADE"))
    # 1, 2, 3 … within the thread, never reused: page numbers stay stable.
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="visible")
    held_reason: Mapped[str | None] = mapped_column(String(20))
    held_detail: Mapped[str | None] = mapped_column(Text)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime)
    edit_count: Mapped[int] = mapped_column(Integer, default=0)

    thread: Mapped[Thread] = relationship(lazy="raise")
    author = relationship("Member", lazy="raise")


class PostRevision(Model):
    """An earlier text of an edited post."""

    __tablename__ = "forum_post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id", ondelete="CASCADE"), index=True)
    body_md: Mapped[str] = mapped_column(Text)
    replaced_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))


class Report(Model):
    __tablename__ = "forum_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    # Written in a text area, so it may hold line breaks (see core/plain_text.py).
    reason: Mapped[str] = mapped_column(String(500), info={"multiline": True})
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))

    post: Mapped[Post] = relationship(lazy="raise")
    reporter = relationship("Member", foreign_keys=[reporter_id], lazy="raise")


class ModerationEntry(Model):
    """The moderation log: who did what, to which post, thread or member, and why."""

    __tablename__ = "forum_moderation_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(30))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("forum_posts.id", ondelete="SET NULL"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("forum_threads.id", ondelete="SET NULL"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")

    moderator = relationship("Member", foreign_keys=[moderator_id], lazy="raise")


class ThreadWatch(Model):
    __tablename__ = "forum_watches"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("forum_threads.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # For the daily digest: the last post number already told about.
    notified_number: Mapped[int] = mapped_column(Integer, default=0)


class CategoryWatch(Model):
    """A member who wants to hear of new threads in a category (in the weekly digest)."""

    __tablename__ = "forum_category_watches"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("forum_categories.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ThreadRead(Model):
    """How far a member has read a thread: unread markers and the link to the first unread post."""

    __tablename__ = "forum_reads"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_threads.id", ondelete="CASCADE"), primary_key=True)
    last_read_number: Mapped[int] = mapped_column(Integer, default=0)
    read_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ForumVisit(Model):
    """When a member last looked at the forum: 'new since your last visit'."""

    __tablename__ = "forum_visits"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    previous_visit_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
