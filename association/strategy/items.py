"""Feedback items: raised by any member, supported by others, triaged by the strategy group.

Anonymity is the author's choice and is kept everywhere: an anonymous item's author is stored only
so they can follow it from their own list; no other page, export, email or audit entry says who.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select, update

from ..core.audit import record
from ..core.database import insert_or_ignore, lock_row, rows_matched, utcnow
from ..core.errors import DomainError
from ..core.personal_data import Finding
from ..extensions import db
from .models import KINDS, FeedbackItem, ItemSupport, Theme
from .wording import findings, refusal

TEXT_LENGTH = 4000
OPEN_STATUSES = ("new", "under_review", "in_pack", "carried_forward")
# Members may still say "this affects me too" once an item has been raised, until it is answered.
SUPPORTABLE = (*OPEN_STATUSES, "raised")


class ItemError(DomainError):
    """Something we can't do with an item; ``str(error)`` says why in plain words, and ``field``
    names the form field it is about (None for the item as a whole)."""


@dataclass
class NewItem:
    kind: str
    what_happened: str
    what_would_help: str = ""
    anonymous: bool = True
    theme_id: int | None = None
    source_post_id: int | None = None


def raise_item(new: NewItem, author) -> FeedbackItem:
    """Record what a carer raised. Commits.

    Words that may identify someone are accepted (the carer has told us something that matters)
    but held: the pack wording starts as their words, so the item stays with the strategy group
    until a member rewords it or marks it reviewed (``visible_to_members``). The view tells the
    carer once, with ``raised_findings``. A linked forum post is kept only for a named item."""
    if new.kind not in KINDS:
        raise ItemError("Choose whether this is an issue, good practice or a suggestion.", field="kind")
    if not new.what_happened.strip():
        raise ItemError("Tell us what happened.", field="what_happened")
    for answer in ("what_happened", "what_would_help"):
        if len(getattr(new, answer)) > TEXT_LENGTH:
            raise ItemError(f"Keep each answer to {TEXT_LENGTH:,} characters.", field=answer)
    if new.theme_id is not None and db.session.get(Theme, new.theme_id) is None:
        raise ItemError("Choose one of the themes listed.", field="theme_id")
    item = FeedbackItem(
        kind=new.kind,
        what_happened=new.what_happened.strip(),
        what_would_help=new.what_would_help.strip(),
        anonymous=new.anonymous,
        author_id=author.id,
        theme_id=new.theme_id,
        source_post_id=None if new.anonymous else new.source_post_id,
        pack_wording=new.what_happened.strip(),
    )
    db.session.add(item)
    db.session.commit()
    return item


def raised_findings(item: FeedbackItem) -> list[Finding]:
    """What may identify someone in the carer's own words (both answers)."""
    return findings(item.what_happened, item.what_would_help)


def wording_findings(item: FeedbackItem) -> list[Finding]:
    """What may identify someone in the pack wording: what members and the service would read."""
    return findings(item.pack_wording)


def wording_resolved(item: FeedbackItem) -> bool:
    """The pack wording passes the check, or a strategy member reviewed it (with a reason)."""
    return bool(item.wording_reviewed_at) or not wording_findings(item)


def reviewer_name(item: FeedbackItem) -> str:
    """Who marked the wording reviewed, for the strategy group's page."""
    from ..members.models import FORMER_MEMBER, Member

    if item.wording_reviewed_by_id is None:
        return ""
    reviewer = db.session.get(Member, item.wording_reviewed_by_id)
    return FORMER_MEMBER if reviewer is None or reviewer.erased_at else reviewer.name


@dataclass(frozen=True)
class SourcePost:
    title: str
    url: str


def source_post_link(item: FeedbackItem) -> SourcePost | None:
    """The forum post a named item was raised from, for the strategy group (never stored for an
    anonymous item: the post carries its author's name)."""
    from flask import url_for

    from ..forum.access import thread_of
    from ..forum.models import Post
    from ..forum.notify import page_of

    if item.source_post_id is None or item.anonymous:
        return None
    post = db.session.get(Post, item.source_post_id)
    if post is None:
        return None
    thread = thread_of(post)
    return SourcePost(
        thread.title,
        url_for("forum.thread", thread_id=thread.id, page=page_of(post.number), _anchor=f"post-{post.number}"),
    )


def support(item: FeedbackItem, member) -> bool:
    """'This affects me too', once per member. Commits.

    True when this call added the member; False when they had already said so (a double click,
    a second tab): nothing changes and nothing is wrong, so it is not an error."""
    if item.status not in SUPPORTABLE:
        raise ItemError("This item is no longer open for support.")
    if item.author_id == member.id:
        raise ItemError("You raised this item, so it already counts for you.")
    # The item is locked first, so that a merge or another supporter can't change the supporters
    # between the insert and the count; the insert itself can't make a second row for a double click.
    lock_row(FeedbackItem, item.id)
    added = insert_or_ignore(ItemSupport, item_id=item.id, member_id=member.id)
    _recount(item)
    db.session.commit()
    return added


def withdraw_support(item: FeedbackItem, member) -> bool:
    """Undo 'this affects me too'. Commits. True when this call removed the member's support;
    False when there was none to remove (an Undo pressed twice).

    Under the item's lock like ``support``, so a withdrawal and a support racing each other leave
    the count equal to the rows. Refused once the item is answered: the count went to the service
    with the pack and is part of the record."""
    if item.status not in SUPPORTABLE:
        raise ItemError("This item has been answered, so its count can no longer change.")
    lock_row(FeedbackItem, item.id)
    removed = (
        rows_matched(delete(ItemSupport).where(ItemSupport.item_id == item.id, ItemSupport.member_id == member.id)) > 0
    )
    _recount(item)
    db.session.commit()
    return removed


def supports(item: FeedbackItem, member) -> bool:
    """Whether ``member`` has said this item affects them too."""
    return (
        db.session.scalar(
            select(ItemSupport.id).where(ItemSupport.item_id == item.id, ItemSupport.member_id == member.id).limit(1)
        )
        is not None
    )


def _recount(item: FeedbackItem) -> None:
    """Count the supporters again (the caller has locked the item): a count read without the lock
    and written after another supporter's commit would leave that supporter out.

    Written with an UPDATE, not by setting the attribute: the item was loaded before the lock, and
    when the new count happens to equal that stale value (1, then a withdrawal and a support by
    others, then 1 again) the ORM sees no change and writes nothing, leaving the others' count."""
    _store_support_count(
        item,
        db.session.scalar(
            select(func.count(func.distinct(ItemSupport.member_id))).where(ItemSupport.item_id == item.id)
        )
        or 0,
    )


def _store_support_count(item: FeedbackItem, count: int) -> None:
    """Write the count with an UPDATE whatever the loaded value (see _recount for why)."""
    from sqlalchemy.orm.attributes import set_committed_value

    db.session.execute(
        update(FeedbackItem)
        .where(FeedbackItem.id == item.id)
        .values(support_count=count)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(item, "support_count", count)


def raised_by(item: FeedbackItem) -> int:
    """How many carers raised or support it: its author, the authors of items merged into it, supporters."""
    merged_authors = set(
        db.session.scalars(
            select(FeedbackItem.author_id).where(
                FeedbackItem.merged_into_id == item.id, FeedbackItem.author_id.is_not(None)
            )
        )
    )
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
    rows = db.session.execute(
        select(FeedbackItem.id, Member.name, Member.erased_at)
        .join(Member, Member.id == FeedbackItem.author_id)
        .where(FeedbackItem.id.in_(ids), FeedbackItem.anonymous.is_(False))
    )
    return {item_id: FORMER_MEMBER if erased_at else name for item_id, name, erased_at in rows}


def my_items(member) -> list[FeedbackItem]:
    return list(
        db.session.scalars(
            select(FeedbackItem).where(FeedbackItem.author_id == member.id).order_by(FeedbackItem.created_at.desc())
        )
    )


def open_items_for_members() -> list[FeedbackItem]:
    """What other members can see to support: open items, by their pack wording, and only those
    that pass the personal-data check (the strategy group anonymises the rest first)."""
    items = db.session.scalars(
        select(FeedbackItem)
        .where(FeedbackItem.status.in_(SUPPORTABLE))
        .order_by(FeedbackItem.support_count.desc(), FeedbackItem.created_at.desc())
    )
    return [i for i in items if visible_to_members(i)]


def visible_to_members(item: FeedbackItem) -> bool:
    """The rule of ``open_items_for_members`` for one item, without loading the others."""
    return item.status in SUPPORTABLE and wording_resolved(item)


# --- triage (strategy group) -------------------------------------------------------------------


def triage(item: FeedbackItem, by, *, theme_id: int | None, wording: str, meeting_id: int | None) -> list[Finding]:
    """Set the theme, the words that go in the pack and the meeting it is for. Commits.

    Returns what may still identify someone in the wording: it is saved (the group works on it in
    steps) but members don't see it and the pack can't be issued until it is resolved. New words
    clear an earlier review: they have to pass the check, or be reviewed again."""
    from .models import ServiceMeeting

    if item.status in ("merged", "declined"):
        raise ItemError("This item has been merged or declined; reopen it first.")
    if not wording.strip():
        raise ItemError("The pack wording can't be empty.", field="pack_wording")
    if theme_id is not None and db.session.get(Theme, theme_id) is None:
        raise ItemError("Choose one of the themes listed.", field="theme_id")
    if meeting_id is not None and db.session.get(ServiceMeeting, meeting_id) is None:
        raise ItemError("Choose one of the meetings listed.", field="meeting_id")
    if wording.strip() != item.pack_wording:
        item.pack_wording = wording.strip()
        if item.wording_reviewed_at is not None:
            record("strategy.wording_review_cleared", item, "pack wording changed after its review", actor=by)
        item.wording_reviewed_by_id = item.wording_reviewed_at = None
        item.wording_review_reason = ""
    item.theme_id, item.meeting_id = theme_id, meeting_id
    item.status = "in_pack" if meeting_id else "under_review"
    item.updated_at = utcnow()
    db.session.commit()
    return [] if item.wording_reviewed_at else wording_findings(item)


REASON_LENGTH = 1000


def mark_wording_reviewed(item: FeedbackItem, by, reason: str) -> None:
    """A strategy member confirms the pack wording identifies nobody, and says why (the check
    flagged words that are not personal data, say). Who, when and why are kept on the item and in
    the audit log; rewording the item clears the review. Commits."""
    reason = (reason or "").strip()
    if not reason:
        raise ItemError("Say why the wording identifies nobody; it is kept with the review.", field="reason")
    if len(reason) > REASON_LENGTH:
        raise ItemError(f"Keep the reason to {REASON_LENGTH:,} characters.", field="reason")
    kinds = ", ".join(dict.fromkeys(f.kind for f in wording_findings(item))) or "nothing"
    item.wording_reviewed_by_id, item.wording_reviewed_at = by.id, utcnow()
    item.wording_review_reason = reason
    record("strategy.wording_reviewed", item, f"flagged: {kinds}. Reason: {reason}", actor=by)
    db.session.commit()


def merge(source: FeedbackItem, target: FeedbackItem, by) -> list[Finding]:
    """Fold a duplicate into another item: its author and supporters count for the target. Commits.

    Returns what may identify someone in the target's wording, which is what the merged item now
    says to members and the service (held like any wording until resolved)."""
    if source.id == target.id:
        raise ItemError("An item can't be merged into itself.", field="target_id")
    if target.status in ("merged", "declined"):
        raise ItemError("Merge into an item that is still open.", field="target_id")
    if source.status == "merged":
        raise ItemError("That item is already merged.", field="target_id")
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
    db.session.execute(
        update(FeedbackItem).where(FeedbackItem.merged_into_id == source.id).values(merged_into_id=target.id)
    )
    source.status, source.merged_into_id, source.updated_at = "merged", target.id, utcnow()
    _store_support_count(target, raised_by(target) - (1 if target.author_id else 0))
    db.session.commit()
    return [] if target.wording_reviewed_at else wording_findings(target)


def decline(item: FeedbackItem, by, reason: str) -> None:
    """Not taken forward, with a reason the carer reads: refused if the reason may identify someone. Commits."""
    if not reason.strip():
        raise ItemError("Give a reason; the carer who raised it will see it.", field="reason")
    found = findings(reason)
    if found:
        raise ItemError(refusal(found, "The carer who raised it"), field="reason")
    item.status, item.decline_reason, item.updated_at = "declined", reason.strip(), utcnow()
    db.session.commit()


def triage_queue_size(_viewer=None):
    """SQL: how many items wait in the triage queue (the strategy group's menu count)."""
    return (
        select(func.count())
        .select_from(FeedbackItem)
        .where(or_(FeedbackItem.status == "new", FeedbackItem.status == "under_review"))
        .scalar_subquery()
    )


def triage_queue() -> list[FeedbackItem]:
    return list(
        db.session.scalars(
            select(FeedbackItem)
            .where(or_(FeedbackItem.status == "new", FeedbackItem.status == "under_review"))
            .order_by(FeedbackItem.created_at)
        )
    )
