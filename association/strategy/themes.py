"""The themes items are grouped under in each pack: the list, and adding one. The view commits."""

from __future__ import annotations

from sqlalchemy import select

from ..core.database import insert_or_ignore
from ..core.errors import DomainError
from ..extensions import db
from .models import Theme


def all_themes() -> list[Theme]:
    """Every theme, in the order packs and forms show them."""
    return list(db.session.scalars(select(Theme).order_by(Theme.position, Theme.name)))


def add_theme(name: str) -> None:
    """Add a theme after the others; a DomainError on ``name`` when it exists already."""
    # Inserted ON CONFLICT DO NOTHING: a double click finds the first click's theme.
    if not insert_or_ignore(Theme, name=name.strip(), position=100):
        raise DomainError("That theme already exists.", field="name")
