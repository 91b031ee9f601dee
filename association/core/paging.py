"""Page numbers for long lists: one count query, the requested page kept in range."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from sqlalchemy import Select, func, select

from ..extensions import db


@dataclass(frozen=True)
class Paging:
    page: int
    pages: int
    total: int
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


# Far beyond any list here, and small enough that (page - 1) * size fits every engine's OFFSET.
MAX_PAGE = 100_000


def requested_page() -> int:
    """The ?page= asked for; anything unreadable or below 1 is page 1, anything huge is ``MAX_PAGE``."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


def paginate(query: Select, requested: int, size: int) -> Paging:
    """Count ``query``'s rows and clamp ``requested`` to the pages there are (at least one)."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // size))
    return Paging(min(max(requested, 1), pages), pages, total, size)
