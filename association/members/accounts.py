"""Signing in, passwords and email changes."""

from __future__ import annotations

from flask import current_app

from ..core.database import increment, utcnow
from ..extensions import db
from ..mail.outbox import external_url, queue_email
from .applications import find_by_email, password_token
from .models import Member, MemberStatus
from .passwords import hash_password, verify_password
from .tokens import TokenError, make_token, read_token


def authenticate(email: str, password: str) -> Member | None:
    """The member these credentials belong to, if they may sign in; None otherwise.

    Always verifies a hash, so a wrong email costs the same time as a wrong password. Notes the
    time of the sign-in (the caller commits).
    """
    member = find_by_email(email)
    ok = verify_password(member.password_hash if member else None, password)
    if not ok or member is None or not member.is_active:
        return None
    member.last_login_at = utcnow()
    return member


# After signing in, the page of what waits for each role; the first role held wins.
LANDING_PAGES = (
    ("admin", "admin.dashboard"),
    ("committee", "admin.dashboard"),
    ("moderator", "forum.moderation_queue"),
)


def landing_endpoint(member: Member) -> str:
    """Where ``member`` starts after signing in (when no page was asked for)."""
    if member.is_active_member:
        held = member.roles
        for role, endpoint in LANDING_PAGES:
            if role in held:
                return endpoint
    return "core.home"


def request_password_reset(email: str) -> None:
    """Email a reset link if the address belongs to a member who can sign in. Commits.

    The page says the same whatever happens here.
    """
    member = find_by_email(email)
    if member is None or member.status not in (MemberStatus.ACTIVE, MemberStatus.LAPSED):
        return
    queue_email(
        member.mail_to,  # found by this address
        "Reset your password",
        "password_reset",
        member=member,
        reset_url=external_url("auth.set_password", token=password_token(member)),
    )
    db.session.commit()


def set_password(member: Member, password: str) -> None:
    """Store a new password and sign out every other session. Commits."""
    first_time = member.password_hash is None
    member.password_hash = hash_password(password)
    # In SQL: two bumps at once must both count, or a session made between them would survive.
    increment(Member.login_version, member.id)
    if not first_time:
        queue_email(
            member.mail_to,  # the member signed in, or opened a link only active and lapsed members get
            "Your password was changed",
            "password_changed",
            member=member,
            reset_url=external_url("auth.password_reset_request"),
        )
    db.session.commit()


def request_email_change(member: Member, new_email: str) -> None:
    """Send a confirmation link to the new address; the old one stays until it is used. Commits."""
    start_email_change(member, new_email)
    db.session.commit()


def start_email_change(member: Member, new_email: str, requested_by: Member | None = None) -> None:
    """Ask the new address to confirm; nothing changes until the link is used. Flushes.

    When someone else (an admin) asks, the old address is told at once as well: a change made
    for you is never silent, so a takeover through the registry would be seen by the owner.
    """
    new_email = new_email.strip().lower()
    member.pending_email = new_email
    token = make_token("change-email", {"id": member.id, "email": new_email})
    by_someone_else = requested_by is not None and requested_by.id != member.id
    asked_by = requested_by.name if by_someone_else and requested_by is not None else None
    queue_email(
        new_email,
        "Confirm your new email address",
        "confirm_email_change",
        member=member,
        confirm_url=external_url("auth.confirm_email_change", token=token),
        requested_by=asked_by,
        member_name=member.name,
    )
    if asked_by and member.email:
        queue_email(
            member.email,
            "A change to your email address was requested",
            "email_change_requested",
            member=member,
            new_email=new_email,
            requested_by=asked_by,
        )
    db.session.flush()


def confirm_email_change(token: str) -> Member:
    """Switch the member to the address the confirmation link was sent to, and tell the old address
    (the caller commits). A TokenError when the link is spent, stale or the address taken meanwhile."""
    payload = read_token("change-email", token, current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    member = db.session.get(Member, payload.get("id"))
    new_email = payload.get("email")
    if member is None or not isinstance(new_email, str) or member.pending_email != new_email:
        raise TokenError("This link has already been used or is no longer valid.")
    if find_by_email(new_email) is not None:
        raise TokenError("That email address is now used by another account, so we could not switch to it.")
    # Erasure clears pending_email too, so a member whose change is pending still has the old address.
    old_email = member.mail_to
    member.email = new_email
    member.pending_email = None
    queue_email(old_email, "Your email address was changed", "email_changed", member=member, new_email=new_email)
    return member


# --- Signing in by a link we email ---------------------------------------------------------------
#
# Sign-in limits stop anyone guessing a password, but anyone can also trip them on purpose and keep
# the owner out. So a locked (or forgotten) password never shuts the owner out: a link sent to the
# account's address signs them in, once, within minutes. It proves what a password reset proves —
# that they read that mailbox — and is spent as soon as it is used or they sign in another way.


def _sign_in_stamp(member: Member) -> str:
    return member.last_login_at.isoformat() if member.last_login_at else ""


def request_sign_in_link(email: str) -> None:
    """Email a one-time sign-in link if the address belongs to someone who can sign in. Commits.

    The page says the same whatever happens here, so it tells nobody whether an account exists.
    """
    member = find_by_email(email)
    if member is None or not member.is_active:
        return
    token = make_token("sign-in-link", {"id": member.id, "v": member.login_version, "at": _sign_in_stamp(member)})
    minutes = current_app.config["SIGN_IN_LINK_MAX_AGE"] // 60
    queue_email(
        member.mail_to,  # found by this address
        "Your sign-in link",
        "sign_in_link",
        member=member,
        minutes=minutes,
        sign_in_url=external_url("auth.sign_in_with_link", token=token),
    )
    db.session.commit()


def member_for_sign_in_link(token: str) -> Member:
    """The member a sign-in link is for, while it is unused and fresh; TokenError otherwise."""
    payload = read_token("sign-in-link", token, current_app.config["SIGN_IN_LINK_MAX_AGE"])
    member_id = payload.get("id")
    member = db.session.get(Member, member_id) if isinstance(member_id, int) else None
    if (
        member is None
        or not member.is_active
        or member.login_version != payload.get("v")
        or _sign_in_stamp(member) != payload.get("at")
    ):
        raise TokenError("This sign-in link has already been used or is no longer valid. You can ask for a new one.")
    return member


def signed_in_by_link(member: Member) -> None:
    """Spend the link: it carried the time of the last sign-in, which this moves on. Commits."""
    member.last_login_at = utcnow()
    db.session.commit()
