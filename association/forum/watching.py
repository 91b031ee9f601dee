"""Watching a category: a member hears of its new threads in their weekly digest."""
from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from .models import Category, CategoryWatch


def is_watching_category(member, category: Category) -> bool:
    return db.session.scalar(select(CategoryWatch.member_id).where(
        CategoryWatch.member_id == member.id, CategoryWatch.category_id == category.id)) is not None


def toggle_category_watch(member, category: Category) -> bool:
    """Start watching ``category``, or stop if ``member`` already does; True when they now watch it. Commits.

    The caller has checked that ``member`` may see the category.
    """
    stopped = db.session.execute(delete(CategoryWatch).where(
        CategoryWatch.member_id == member.id, CategoryWatch.category_id == category.id)).rowcount
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
