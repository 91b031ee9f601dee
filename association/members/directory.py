"""The members' directory: who is in the association, and what they chose to share."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import selectinload

from ..core.paging import Paging, paginate
from ..extensions import db
from .models import Member, Skill, member_skills

PAGE_SIZE = 40


@dataclass
class DirectoryFilters:
    q: str = ""
    area: str = ""
    service: str = ""
    skill: str = ""
    buddy: bool = False


@dataclass
class DirectoryEntry:
    """One line of the directory: a single member, or a household of carers who foster together."""

    members: list[Member] = field(default_factory=list)

    @property
    def is_household(self) -> bool:
        return len(self.members) > 1


def _like(value: str) -> str:
    escaped = value.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(filters: DirectoryFilters):
    query = select(Member).where(Member.status == "active")
    if filters.q:
        query = query.where(func.lower(Member.name).like(_like(filters.q), escape="\\"))
    if filters.area:
        query = query.where(func.lower(Member.area).like(_like(filters.area), escape="\\"))
    if filters.service:
        # Only members who chose to share their fostering service can be found by it.
        query = query.where(
            Member.share_service.is_(True),
            func.lower(Member.service_name).like(_like(filters.service), escape="\\"),
        )
    if filters.skill:
        query = query.where(exists().where(and_(
            member_skills.c.member_id == Member.id,
            member_skills.c.skill_id == Skill.id,
            func.lower(Skill.name).like(_like(filters.skill), escape="\\"),
        )))
    if filters.buddy:
        query = query.where(Member.buddy_willing.is_(True))
    return query


def search_directory(filters: DirectoryFilters, page: int = 1) -> tuple[list[DirectoryEntry], Paging]:
    """Entries for one page and where it stands; a fixed number of queries at any size.

    Household partners are shown beside a matching member even when only one of them matched.
    """
    base = _filtered(filters)
    paging = paginate(base, page, PAGE_SIZE)
    matched = list(db.session.scalars(
        base.options(selectinload(Member.skills))
        .order_by(func.lower(Member.name), Member.id)
        .offset(paging.offset).limit(PAGE_SIZE)
    ))
    household_ids = {m.household_id for m in matched if m.household_id}
    partners: dict[int, list[Member]] = {}
    if household_ids:
        for partner in db.session.scalars(
            select(Member).options(selectinload(Member.skills))
            .where(Member.household_id.in_(household_ids), Member.status == "active")
            .order_by(func.lower(Member.name), Member.id)
        ):
            partners.setdefault(partner.household_id, []).append(partner)
    entries: list[DirectoryEntry] = []
    seen_households: set[int] = set()
    for member in matched:
        if member.household_id:
            if member.household_id in seen_households:
                continue
            seen_households.add(member.household_id)
            entries.append(DirectoryEntry(partners.get(member.household_id, [member])))
        else:
            entries.append(DirectoryEntry([member]))
    return entries, paging


def shared_contact(member: Member) -> dict[str, str]:
    """What other members may see beyond name and area, as the member chose."""
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
    return list(db.session.scalars(
        select(Skill.name).where(exists().where(member_skills.c.skill_id == Skill.id)).order_by(Skill.name)
    ))


def set_skills(member: Member, names: list[str]) -> None:
    """Replace the member's skills with ``names``, creating skills not seen before."""
    wanted = {n.strip()[:60] for n in names if n.strip()}
    by_lower = {n.lower(): n for n in wanted}
    existing = {s.name.lower(): s for s in db.session.scalars(
        select(Skill).where(func.lower(Skill.name).in_(list(by_lower)))
    )} if by_lower else {}
    member.skills = [existing.get(key) or Skill(name=name) for key, name in sorted(by_lower.items())]

