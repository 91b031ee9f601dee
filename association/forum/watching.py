"""Watching: a member hears of a thread's new replies, or of a category's new threads in their weekly digest."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..core.database import insert_or_ignore, rows_matched
from ..extensions import db
from .models import Category, CategoryWatch, Thread, ThreadWatch


def is_watching_category(member, category: Category) -> bool:
    return (
        db.session.scalar(
            select(CategoryWatch.member_id).where(
                CategoryWatch.member_id == member.id, CategoryWatch.category_id == category.id
            )
        )
        is not None
    )


def toggle_category_watch(member, category: Category) -> bool:
    """Start watching ``category``, or stop if ``member`` already does; True when they now watch it. Commits.

    The caller has checked that ``member`` may see the category.
    """
    stopped = rows_matched(
        delete(CategoryWatch).where(CategoryWatch.member_id == member.id, CategoryWatch.category_id == category.id)
    )
    if stopped:
        db.session.commit()
        return False
    db.session.add(CategoryWatch(member_id=member.id, category_id=category.id))
    try:
        db.session.commit()
    except IntegrityError:
        # A second click got there first: the member watches it, which is what they asked for.
        db.session.rollback()
    return True


def toggle_thread_watch(member, thread: Thread) -> bool:
    """Start watching ``thread``, or stop if ``member`` already does; True when they now watch it.

    Delete-or-insert in SQL rather than look-then-change: of two clicks arriving together, the
    second finds the first's row (or its absence) instead of inserting it twice (a 500). The
    caller has checked that ``member`` may see the thread, and commits.
    """
    stopped = rows_matched(
        delete(ThreadWatch).where(ThreadWatch.member_id == member.id, ThreadWatch.thread_id == thread.id)
    )
    if stopped:
        return False
    # Replies already posted are not news to someone who starts watching now.
    insert_or_ignore(ThreadWatch, member_id=member.id, thread_id=thread.id, notified_number=thread.last_post_number)
    return True
