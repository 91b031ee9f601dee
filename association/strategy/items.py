"""Feedback items: raised by any member, supported by others, triaged by the strategy group.

Anonymity is the author's choice and is kept everywhere: an anonymous item's author is stored only
so they can follow it from their own list; no other page, export, email or audit entry says who.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select, update

from ..core.database import insert_or_ignore, lock_row, utcnow
from ..core.personal_data import check_personal_data
from ..extensions import db
from .models import KINDS, FeedbackItem, ItemSupport, Theme

TEXT_LENGTH = 4000
OPEN_STATUSES = ("new", "under_review", "in_pack", "carried_forward")
# Members may still say "this affects me too" once an item has been raised, until it is answered.
SUPPORTABLE = (*OPEN_STATUSES, "raised")


class ItemError(ValueError):
    """Something we can't do with an item; ``str(error)`` says why in plain words."""


@dataclass
class NewItem:
    kind: str
    what_happened: str
    what_would_help: str = ""
    anonymous: bool = True
    theme_id: int | None = None
    source_post_id: int | None = None


def raise_item(new: NewItem, author) -> FeedbackItem:
    """Record what a carer raised. Commits."""
    if new.kind not in KINDS:
        raise ItemError("Choose whether this is an issue, good practice or a suggestion.")
    if not new.what_happened.strip():
        raise ItemError("Tell us what happened.")
    if len(new.what_happened) > TEXT_LENGTH or len(new.what_would_help) > TEXT_LENGTH:
        raise ItemError(f"Keep each answer to {TEXT_LENGTH:,} characters.")
    if new.theme_id is not None and db.session.get(Theme, new.theme_id) is None:
        raise ItemError("Choose one of the themes listed.")
    item = FeedbackItem(kind=new.kind, what_happened=new.what_happened.strip(),
                        what_would_help=new.what_would_help.strip(), anonymous=new.anonymous,
                        author_id=author.id, theme_id=new.theme_id, source_post_id=new.source_post_id,
                        pack_wording=new.what_happened.strip())
    db.session.add(item)
    db.session.commit()
    return item


def support(item: FeedbackItem, member) -> None:
    """'This affects me too', once per member. Commits."""
    if item.status not in SUPPORTABLE:
        raise ItemError("This item is no longer open for support.")
    if item.author_id == member.id:
        raise ItemError("You raised this item, so it already counts for you.")
    # The item is locked first, so that a merge or another supporter can't change the supporters
    # between the insert and the count; the insert itself can't make a second row for a double click.
    lock_row(FeedbackItem, item.id)
    if not insert_or_ignore(ItemSupport, item_id=item.id, member_id=member.id):
        raise ItemError("You've already said this affects you too.")
    _recount(item)
    db.session.commit()


def _recount(item: FeedbackItem) -> None:
    """Count the supporters again (the caller has locked the item): a count read without the lock
    and written after another supporter's commit would leave that supporter out."""
    item.support_count = db.session.scalar(
        select(func.count(func.distinct(ItemSupport.member_id))).where(ItemSupport.item_id == item.id)) or 0


def raised_by(item: FeedbackItem) -> int:
    """How many carers raised or support it: its author, the authors of items merged into it, supporters."""
    merged_authors = set(db.session.scalars(select(FeedbackItem.author_id).where(
        FeedbackItem.merged_into_id == item.id, FeedbackItem.author_id.is_not(None))))
    supporters = set(db.session.scalars(select(ItemSupport.member_id).where(ItemSupport.item_id == item.id)))
    return len({item.author_id} - {None} | merged_authors | supporters)


def in_strategy_group(viewer) -> bool:
    """An active member of the strategy group (admins pass the role check too)."""
    return viewer is not None and viewer.is_active_member and viewer.has_any_role("strategy")


def named_authors(items: list[FeedbackItem], viewer) -> dict[int, str]:
    """Who raised each item, for the strategy group only and only where the carer chose to be
    named to the group (the raise page promises it, so the group can ask them more). One query
    for any number of items; empty for everyone else and for anonymous items."""
    from ..members.models import FORMER_MEMBER, Member

    ids = [i.id for i in items if not i.anonymous and i.author_id is not None]
    if not ids or not in_strategy_group(viewer):
        return {}
    rows = db.session.execute(select(FeedbackItem.id, Member.name, Member.erased_at)
                              .join(Member, Member.id == FeedbackItem.author_id)
                              .where(FeedbackItem.id.in_(ids), FeedbackItem.anonymous.is_(False)))
    return {item_id: FORMER_MEMBER if erased_at else name for item_id, name, erased_at in rows}


def my_items(member) -> list[FeedbackItem]:
    return list(db.session.scalars(select(FeedbackItem).where(FeedbackItem.author_id == member.id)
                                   .order_by(FeedbackItem.created_at.desc())))


def open_items_for_members() -> list[FeedbackItem]:
    """What other members can see to support: open items, by their pack wording, and only those
    that pass the personal-data check (the strategy group anonymises the rest first)."""
    items = db.session.scalars(select(FeedbackItem).where(FeedbackItem.status.in_(SUPPORTABLE))
                               .order_by(FeedbackItem.support_count.desc(), FeedbackItem.created_at.desc()))
    return [i for i in items if visible_to_members(i)]


def visible_to_members(item: FeedbackItem) -> bool:
    """The rule of ``open_items_for_members`` for one item, without loading the others."""
    return item.status in SUPPORTABLE and (not check_personal_data(item.pack_wording) or bool(item.wording_reviewed_at))


# --- triage (strategy group) -------------------------------------------------------------------

def triage(item: FeedbackItem, by, *, theme_id: int | None, wording: str, meeting_id: int | None) -> None:
    """Set the theme, the words that go in the pack and the meeting it is for. Commits."""
    from .models import ServiceMeeting

    if item.status in ("merged", "declined"):
        raise ItemError("This item has been merged or declined; reopen it first.")
    if not wording.strip():
        raise ItemError("The pack wording can't be empty.")
    if theme_id is not None and db.session.get(Theme, theme_id) is None:
        raise ItemError("Choose one of the themes listed.")
    if meeting_id is not None and db.session.get(ServiceMeeting, meeting_id) is None:
        raise ItemError("Choose one of the meetings listed.")
    if wording.strip() != item.pack_wording:
        item.pack_wording = wording.strip()
        item.wording_reviewed_by_id = item.wording_reviewed_at = None
    item.theme_id, item.meeting_id = theme_id, meeting_id
    item.status = "in_pack" if meeting_id else "under_review"
    item.updated_at = utcnow()
    db.session.commit()


def mark_wording_reviewed(item: FeedbackItem, by) -> None:
    """A strategy member confirms the pack wording identifies nobody. Commits."""
    item.wording_reviewed_by_id, item.wording_reviewed_at = by.id, utcnow()
    db.session.commit()


def merge(source: FeedbackItem, target: FeedbackItem, by) -> None:
    """Fold a duplicate into another item: its author and supporters count for the target. Commits."""
    if source.id == target.id:
        raise ItemError("An item can't be merged into itself.")
    if target.status in ("merged", "declined"):
        raise ItemError("Merge into an item that is still open.")
    if source.status == "merged":
        raise ItemError("That item is already merged.")
    # Both items locked (lower id first, so two merges never wait on each other in a circle): a
    # supporter arriving meanwhile would otherwise be moved twice or left out of the count.
    for item_id in sorted((source.id, target.id)):
        lock_row(FeedbackItem, item_id)
    already = set(db.session.scalars(select(ItemSupport.member_id).where(ItemSupport.item_id == target.id)))
    for row in db.session.scalars(select(ItemSupport).where(ItemSupport.item_id == source.id)):
        if row.member_id in already or row.member_id == target.author_id:
            db.session.delete(row)
        else:
            row.item_id = target.id
    db.session.flush()
    # Items merged into the source now belong to the target too.
    db.session.execute(update(FeedbackItem).where(FeedbackItem.merged_into_id == source.id)
                       .values(merged_into_id=target.id))
    source.status, source.merged_into_id, source.updated_at = "merged", target.id, utcnow()
    target.support_count = raised_by(target) - (1 if target.author_id else 0)
    db.session.commit()


def decline(item: FeedbackItem, by, reason: str) -> None:
    if not reason.strip():
        raise ItemError("Give a reason; the carer who raised it will see it.")
    item.status, item.decline_reason, item.updated_at = "declined", reason.strip(), utcnow()
    db.session.commit()


def triage_queue() -> list[FeedbackItem]:
    return list(db.session.scalars(select(FeedbackItem).where(
        or_(FeedbackItem.status == "new", FeedbackItem.status == "under_review"))
        .order_by(FeedbackItem.created_at)))
