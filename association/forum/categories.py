"""The admins' forum categories: the list, adding one, and changing one. Names are unique whatever
their case, so members never see two "Peer support" categories. The view commits."""

from __future__ import annotations

from sqlalchemy import func, select

from ..core.database import insert_or_ignore
from ..core.errors import DomainError
from ..extensions import db
from .models import Category

NAME_TAKEN = "There is already a category with that name."


def all_categories() -> list[Category]:
    """Every category, in the order members see them."""
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.name)))


def _name_taken(name: str, other_than: int | None = None) -> bool:
    query = select(Category.id).where(func.lower(Category.name) == name.lower())
    if other_than is not None:
        query = query.where(Category.id != other_than)
    return db.session.scalar(query) is not None


def add_category(name: str, description: str = "", position: int = 0, restricted_to: str | None = None) -> None:
    """Add a category; a DomainError on ``name`` when one has that name already."""
    name = name.strip()
    if _name_taken(name):
        raise DomainError(NAME_TAKEN, field="name")
    # Inserted ON CONFLICT DO NOTHING: a double click finds the first click's category.
    if not insert_or_ignore(
        Category, name=name, description=description, position=position, restricted_to=restricted_to
    ):
        raise DomainError(NAME_TAKEN, field="name")


def change_category(
    category: Category, name: str, description: str = "", position: int = 0, restricted_to: str | None = None
) -> None:
    """Rename, describe, reorder or restrict ``category``; a DomainError on ``name`` when another
    category has that name."""
    name = name.strip()
    if _name_taken(name, other_than=category.id):
        raise DomainError(NAME_TAKEN, field="name")
    category.name, category.description = name, description
    category.position, category.restricted_to = position, restricted_to
