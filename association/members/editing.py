"""Who may change a member's record, and how a change is made and written down.

The registry is kept by admins and the committee, but a record is also the key to an account:
whoever controls its email address controls the password reset. So only admins change another
member's sign-in email, and even then the change waits for the new address to confirm it while
the old address is told. Nobody edits a member whose roles outrank their own, so a committee
member cannot touch an admin's record at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..core.audit import record
from ..core.errors import DomainError
from ..core.versions import claim_edit
from . import registry
from .accounts import start_email_change
from .applications import find_by_email
from .models import Member
from .renewals import renewal_settled

# Higher outranks lower; a member with no role is 0.
ROLE_RANK = {"admin": 3, "committee": 2, "moderator": 1, "strategy": 1}
DETAIL_FIELDS = {
    "name": "name",
    "phone": "phone",
    "area": "area",
    "service_name": "fostering service",
    "service_type": "kind of service",
    "approval_category": "approved for",
    "years_fostering": "years fostering",
    "renewal_date": "renewal date",
}


class EditRefused(DomainError):
    """A change this editor may not make; ``str(error)`` says why in plain words."""


@dataclass
class MemberChanges:
    """What an edit form asks for. ``roles`` and ``status`` are None when the editor can't set them."""

    details: dict
    email: str
    roles: set[str] | None = None
    status: str | None = None
    status_reason: str = ""


def rank(member: Member) -> int:
    return max((ROLE_RANK.get(role, 0) for role in member.roles), default=0)


def may_edit(editor: Member, member: Member) -> bool:
    """An editor may change their own record, or one whose roles don't outrank theirs."""
    return editor.id == member.id or rank(editor) >= rank(member)


def may_change_email(editor: Member) -> bool:
    return editor.has_role("admin")


def _shown(value) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, date):
        return value.isoformat()
    return repr(str(value)) if isinstance(value, str) else str(value)


def edit_member(member: Member, changes: MemberChanges, editor: Member, seen_version: int | None) -> list[str]:
    """Apply ``changes`` as ``editor``; what changed, as written to the audit log. Flushes.

    Raises EditRefused when the editor may not make a change, and core.versions.EditConflict
    when someone saved the record after the editor's form was filled.
    """
    if not may_edit(editor, member):
        raise EditRefused("Only an admin can change the record of someone whose role is above yours.")
    new_email = changes.email.strip().lower()
    email_asked = bool(new_email) and new_email != (member.email or "")
    if email_asked and not may_change_email(editor):
        raise EditRefused("Only an admin can change a member's sign-in email address.")
    if email_asked:
        other = find_by_email(new_email)
        if other is not None and other.id != member.id:
            raise EditRefused("That email address belongs to another member.")
    claim_edit(member, seen_version)

    described = []
    before_renewal = member.renewal_date
    for attribute, label in DETAIL_FIELDS.items():
        before, after = getattr(member, attribute), changes.details.get(attribute, getattr(member, attribute))
        if attribute == "phone":
            after = (after or "").strip() or None
        if before != after:
            described.append(f"{label} from {_shown(before)} to {_shown(after)}")
            setattr(member, attribute, after)
    if described:
        record("member.edited", member, "changed " + "; ".join(described), actor=editor)
    if (
        member.renewal_requested_at is not None
        and "renewal_date" in changes.details
        and changes.details["renewal_date"] != before_renewal
    ):
        renewal_settled(member)
    if email_asked:
        record(
            "member.email_change_requested",
            member,
            f"sign-in email change from {_shown(member.email)} to {_shown(new_email)} sent for confirmation "
            "to the new address; the old address was told",
            actor=editor,
        )
        start_email_change(member, new_email, requested_by=editor)
        described.append("email (waiting for confirmation)")
    try:
        if changes.roles is not None:
            if changes.roles != member.roles and any(
                ROLE_RANK.get(r, 0) > rank(editor) for r in changes.roles ^ member.roles
            ):
                raise EditRefused("You can't give or take away a role above your own.")
            registry.set_roles(member, changes.roles, editor)
        if changes.status is not None:
            registry.set_status(member, changes.status, editor, changes.status_reason)
    except DomainError as error:
        raise EditRefused(str(error), error.field) from error
    return described
