"""The members' directory: who is in the association, and what they chose to share."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, case, exists, func, inspect, select

from ..core.database import contains_pattern, insert_or_ignore, lock_row
from ..core.paging import Paging, paginate
from ..extensions import db
from .models import Member, MemberStatus, Skill, member_skills

PAGE_SIZE = 40


@dataclass
class DirectoryFilters:
    q: str = ""
    area: str = ""
    service: str = ""
    skill: str = ""
    buddy: bool = False


@dataclass(slots=True)
class DirectoryCard:
    """One member as other members see them in the directory. Read as plain columns, and what a
    member did not choose to share is never read at all: the database returns None for it."""

    id: int
    name: str
    area: str
    buddy_willing: bool
    household_id: int | None
    share_email: bool
    email: str | None
    share_phone: bool
    phone: str | None
    share_service: bool
    service_name: str | None
    share_category: bool
    approval_category: str | None
    skills: list[str] = field(default_factory=list)

    category_label = Member.category_label  # the model's own wording, not a copy of it


def _if_shared(choice, column):
    return case((choice.is_(True), column), else_=None)


CARD_COLUMNS = (
    Member.id,
    Member.name,
    Member.area,
    Member.buddy_willing,
    Member.household_id,
    Member.share_email,
    _if_shared(Member.share_email, Member.email),
    Member.share_phone,
    _if_shared(Member.share_phone, Member.phone),
    Member.share_service,
    _if_shared(Member.share_service, Member.service_name),
    Member.share_category,
    _if_shared(Member.share_category, Member.approval_category),
)


@dataclass
class DirectoryEntry:
    """One line of the directory: a single member, or a household of carers who foster together."""

    members: list[DirectoryCard] = field(default_factory=list)

    @property
    def is_household(self) -> bool:
        return len(self.members) > 1


def _filtered(filters: DirectoryFilters):
    query = select(Member.id).where(Member.status == MemberStatus.ACTIVE)
    if filters.q:
        query = query.where(func.lower(Member.name).like(contains_pattern(filters.q), escape="\\"))
    if filters.area:
        query = query.where(func.lower(Member.area).like(contains_pattern(filters.area), escape="\\"))
    if filters.service:
        # Only members who chose to share their fostering service can be found by it.
        query = query.where(
            Member.share_service.is_(True),
            func.lower(Member.service_name).like(contains_pattern(filters.service), escape="\\"),
        )
    if filters.skill:
        query = query.where(
            exists().where(
                and_(
                    member_skills.c.member_id == Member.id,
                    member_skills.c.skill_id == Skill.id,
                    func.lower(Skill.name).like(contains_pattern(filters.skill), escape="\\"),
                )
            )
        )
    if filters.buddy:
        query = query.where(Member.buddy_willing.is_(True))
    return query


def _page_of_cards(base, offset: int) -> tuple[list[DirectoryCard], int | None]:
    """One page of matching members and, on every row, how many match in all (an uncorrelated
    subquery, worked out once); an empty page brings no count."""
    total = select(func.count()).select_from(base.subquery()).scalar_subquery()
    rows = db.session.execute(
        base.with_only_columns(*CARD_COLUMNS, total)
        .order_by(func.lower(Member.name), Member.id)
        .offset(offset)
        .limit(PAGE_SIZE)
    ).all()
    return [DirectoryCard(*row[:-1]) for row in rows], (rows[0][-1] if rows else None)


def _partners(household_ids: set[int]) -> dict[int, list[DirectoryCard]]:
    """The active members of these households, by household, in directory order. Status is
    checked here rather than in SQL: a household has two or three members, and with it in the
    WHERE clause SQLite walks every active member by the status index instead."""
    partners: dict[int, list[DirectoryCard]] = {}
    for *columns, status in db.session.execute(
        select(*CARD_COLUMNS, Member.status)
        .where(Member.household_id.in_(household_ids))
        .order_by(func.lower(Member.name), Member.id)
    ):
        if status == MemberStatus.ACTIVE:
            card = DirectoryCard(*columns)
            assert card.household_id is not None, "selected by household"
            partners.setdefault(card.household_id, []).append(card)
    return partners


def _add_skills(cards: list[DirectoryCard]) -> None:
    by_id = {card.id: card for card in cards}
    for member_id, name in db.session.execute(
        select(member_skills.c.member_id, Skill.name)
        .join(Skill, Skill.id == member_skills.c.skill_id)
        .where(member_skills.c.member_id.in_(list(by_id)))
        .order_by(Skill.name)
    ):
        by_id[member_id].skills.append(name)


def search_directory(filters: DirectoryFilters, page: int = 1) -> tuple[list[DirectoryEntry], Paging]:
    """Entries for one page and where it stands; a fixed number of queries and rows at any size.

    Household partners are shown beside a matching member even when only one of them matched.
    """
    base = _filtered(filters)
    page = max(page, 1)
    matched, total = _page_of_cards(base, (page - 1) * PAGE_SIZE)
    if total is None and page > 1:  # past the last page (an edited link): show the last one
        paging = paginate(base, page, PAGE_SIZE)
        matched, _ = _page_of_cards(base, paging.offset)
    else:
        total = total or 0
        paging = Paging(page, max(1, -(-total // PAGE_SIZE)), total, PAGE_SIZE)
    household_ids = {card.household_id for card in matched if card.household_id}
    partners = _partners(household_ids) if household_ids else {}
    entries: list[DirectoryEntry] = []
    seen_households: set[int] = set()
    for card in matched:
        if card.household_id:
            if card.household_id in seen_households:
                continue
            seen_households.add(card.household_id)
            entries.append(DirectoryEntry(partners.get(card.household_id, [card])))
        else:
            entries.append(DirectoryEntry([card]))
    shown = [card for entry in entries for card in entry.members]
    if shown:
        _add_skills(shown)
    return entries, paging


def shared_contact(member) -> dict[str, str]:
    """What other members may see beyond name and area, as the member chose: of a Member, or of a
    DirectoryCard."""
    shown: dict[str, str] = {}
    if member.share_email and member.email:
        shown["Email"] = member.email
    if member.share_phone and member.phone:
        shown["Phone"] = member.phone
    if member.share_service and member.service_name:
        shown["Fostering service"] = member.service_name
    if member.share_category:
        shown["Approved for"] = member.category_label
    return shown


def skill_names_in_use() -> list[str]:
    return list(
        db.session.scalars(
            select(Skill.name).where(exists().where(member_skills.c.skill_id == Skill.id)).order_by(Skill.name)
        )
    )


def set_skills(member: Member, names: list[str]) -> None:
    """Replace the member's skills with ``names``, creating skills not seen before."""
    wanted = {n.strip()[:60] for n in names if n.strip()}
    by_lower = {n.lower(): n for n in wanted}
    if inspect(member).persistent:
        # The member's own save clicked twice: the second waits for the first and starts from the
        # skills it saved, rather than adding the same member_skills rows again (a 500).
        lock_row(Member, member.id)
        db.session.refresh(member, ["skills"])
    with db.session.no_autoflush:  # a member being imported is flushed with the others, later
        existing = _skills_named(by_lower)
        if len(existing) < len(by_lower):
            # New skills are inserted ON CONFLICT DO NOTHING: another member may be adding the
            # same new skill at this moment, and the name is unique.
            for key, name in by_lower.items():
                if key not in existing:
                    insert_or_ignore(Skill, name=name)
            existing = _skills_named(by_lower)
    member.skills = [existing[key] for key in sorted(by_lower) if key in existing]


def _skills_named(by_lower: dict[str, str]) -> dict[str, Skill]:
    return (
        {s.name.lower(): s for s in db.session.scalars(select(Skill).where(func.lower(Skill.name).in_(list(by_lower))))}
        if by_lower
        else {}
    )
