"""Finding outbox rows for the admin's outbox page: by where they stand and by recipient.

Here rather than in mail/ because a recipient is found by a member's name: mail sits below members.
"""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select

from ..core.database import contains_pattern
from ..extensions import db
from ..mail.models import OutboxMessage
from ..mail.outbox_words import FILTERS
from ..members.models import Member

RECIPIENT_MATCHES = 50  # members a search term may match; the outbox is then read by their ids (indexed)


def outbox_query(status: str = "", recipient: str = "") -> Select:
    """The outbox rows an admin asked for: by status filter (FILTERS) and by recipient (a member's name
    or address, in part; or an exact address for someone who is not a member). Costs one bounded query
    on members when a recipient is given; the outbox itself is read by indexed columns."""
    query = select(OutboxMessage)
    statuses = next((covered for value, _, covered in FILTERS if value == status and covered), None)
    if statuses:
        query = query.where(OutboxMessage.status.in_(statuses))
    term = " ".join(recipient.split())[:120].lower()
    if term:
        like = contains_pattern(term)
        member_ids = list(
            db.session.scalars(
                select(Member.id)
                .where(
                    or_(
                        func.lower(Member.name).like(like, escape="\\"),
                        func.lower(Member.email).like(like, escape="\\"),
                    )
                )
                .order_by(Member.id)
                .limit(RECIPIENT_MATCHES)
            )
        )
        query = query.where(or_(OutboxMessage.member_id.in_(member_ids), OutboxMessage.to_address == term))
    return query
