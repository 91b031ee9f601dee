"""Members, their households, roles and the skills they offer."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, String, Table, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.database import StrEnumType, utcnow
from ..extensions import Model, db


class MemberStatus(StrEnum):
    """Where a person stands with the association (``Member.status``).

    - ``applicant``: has applied (``application_state`` says how far) and is not a member yet.
    - ``active``: a member in good standing: signs in, is in the directory and the forum.
    - ``lapsed``: the renewal date passed; may still sign in, but is not in the directory or forum.
    - ``suspended``: stopped by the committee or a moderator; cannot sign in.
    - ``left``: left the association, or was erased; cannot sign in.
    """

    APPLICANT = "applicant"
    ACTIVE = "active"
    LAPSED = "lapsed"
    SUSPENDED = "suspended"
    LEFT = "left"


class ApplicationState(StrEnum):
    """Where an application is (``Member.application_state``).

    - ``unconfirmed``: applied, has not yet followed the link in the confirmation email.
    - ``waiting``: email confirmed, waiting for an admin to decide.
    - ``approved``: an admin approved it: the person is a member (also every imported member).
    - ``declined``: an admin declined it, with a reason.
    """

    UNCONFIRMED = "unconfirmed"
    WAITING = "waiting"
    APPROVED = "approved"
    DECLINED = "declined"


STATUSES = tuple(MemberStatus)
ROLES = ("admin", "committee", "moderator", "strategy")
APPROVAL_CATEGORIES = {
    "mainstream": "Mainstream",
    "short_breaks": "Short breaks",
    "kinship": "Kinship / family and friends",
    "parent_and_child": "Parent and child",
    "emergency": "Emergency",
    "supported_lodgings": "Supported lodgings",
    "other": "Other",
}
SERVICE_TYPES = {
    "local_authority": "Local authority",
    "independent_agency": "Independent fostering agency",
}
APPLICATION_STATES = tuple(ApplicationState)
FORMER_MEMBER = "Former member"

member_skills = Table(
    "member_skills",
    db.metadata,
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Household(Model):
    """Carers who foster together: a joint membership, shown together in the directory."""

    __tablename__ = "households"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    members: Mapped[list[Member]] = relationship(back_populates="household", order_by="Member.name")


class Skill(Model):
    """Something a carer offers others: 'first aid trainer', 'speaks Polish'."""

    __tablename__ = "skills"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)


class MemberRole(Model):
    __tablename__ = "member_roles"
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class Member(UserMixin, Model):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Bumped by each save through its edit form: see core/versions.py.
    edit_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    name: Mapped[str] = mapped_column(String(120), index=True)
    # Nullable only so erasure can wipe it; unique while it is there.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    pending_email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    area: Mapped[str] = mapped_column(String(80), default="")
    service_name: Mapped[str] = mapped_column(String(120), default="")
    service_type: Mapped[str] = mapped_column(String(30), default="local_authority")
    approval_category: Mapped[str] = mapped_column(String(30), default="mainstream", index=True)
    years_fostering: Mapped[int] = mapped_column(Integer, default=0)
    how_heard: Mapped[str] = mapped_column(String(200), default="")

    status: Mapped[MemberStatus] = mapped_column(
        StrEnumType(MemberStatus, 20), default=MemberStatus.APPLICANT, index=True
    )
    application_state: Mapped[ApplicationState] = mapped_column(
        StrEnumType(ApplicationState, 20), default=ApplicationState.UNCONFIRMED, index=True
    )
    applied_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    consent_at: Mapped[datetime | None] = mapped_column(DateTime)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    joined_on: Mapped[date | None] = mapped_column(Date)
    renewal_date: Mapped[date | None] = mapped_column(Date, index=True)
    renewal_reminder_sent_for: Mapped[date | None] = mapped_column(Date)
    leave_requested_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Renewing is done by the committee: the member asks, and the committee sets the next date.
    renewal_requested_at: Mapped[datetime | None] = mapped_column(DateTime)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)

    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Bumped when the password changes: every other session and remember-me cookie stops working.
    login_version: Mapped[int] = mapped_column(Integer, default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The secret in a member's private calendar feed URL; rotating it kills the old link.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id", ondelete="SET NULL"), index=True)
    buddy_willing: Mapped[bool] = mapped_column(Boolean, default=False)
    # What other members may see; by default only name and area.
    share_email: Mapped[bool] = mapped_column(Boolean, default=False)
    share_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    share_service: Mapped[bool] = mapped_column(Boolean, default=False)
    share_category: Mapped[bool] = mapped_column(Boolean, default=False)

    household: Mapped[Household | None] = relationship(back_populates="members")
    role_rows: Mapped[list[MemberRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=MemberRole.role
    )
    skills: Mapped[list[Skill]] = relationship(secondary=member_skills, order_by=Skill.name)

    # --- Flask-Login -------------------------------------------------------------------------
    def get_id(self) -> str:
        return f"{self.id}.{self.login_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login: may this account sign in at all?
        return self.status in (MemberStatus.ACTIVE, MemberStatus.LAPSED) and self.password_hash is not None

    # --- rules ---------------------------------------------------------------------------------
    @property
    def roles(self) -> set[str]:
        return {row.role for row in self.role_rows}

    @property
    def is_active_member(self) -> bool:
        return self.status == MemberStatus.ACTIVE

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def has_any_role(self, *roles: str) -> bool:
        mine = self.roles
        return "admin" in mine or bool(mine.intersection(roles))

    @property
    def mail_to(self) -> str:
        """The member's email address, for code that writes to members who are applying, active,
        lapsed or signed in. Only erasure clears ``email``, and it also sets the status to 'left' for
        good, so none of them is erased; code that may meet an erased member checks ``email`` itself.
        """
        assert self.email is not None, f"member {self.id} is erased: there is no address to write to"
        return self.email

    @property
    def display_name(self) -> str:
        return FORMER_MEMBER if self.erased_at else self.name

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name else ""

    @property
    def category_label(self) -> str:
        return APPROVAL_CATEGORIES.get(self.approval_category, self.approval_category)

    @property
    def service_type_label(self) -> str:
        return SERVICE_TYPES.get(self.service_type, self.service_type)

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.status}>"


# The directory lists active members by name, case-insensitively, a page at a time.
Index("ix_members_status_lower_name", Member.status, func.lower(Member.name), Member.id)
