"""Consent: which kinds of mail follow a preference, and one-click unsubscribe (RFC 8058).

Every message that is not a service message (account, password, approval, changes to an event
you are going to) names the preference a member uses to say no to it. Its unsubscribe link holds
a signed token of (member, preference): it works without signing in, and cannot be made for
another member without the secret key. It does not expire, because an old newsletter's
unsubscribe link must still work.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import column, select, table

from ..core.errors import DomainError
from ..extensions import db
from .preferences import MailPreferences, preferences_for

# outbox kind -> the MailPreferences field that lets a member refuse it
PREFERENCE_FOR_KIND = {
    "news": "association_news",
    "event": "event_reminders",
    "event_reminder": "event_reminders",
    "forum": "forum_notifications",
    "strategy": "strategy_updates",
    "digest": "weekly_digest",
    "training_reminder": "training_reminders",
}

PREFERENCE_LABELS = {
    "association_news": "association news and announcements",
    "event_reminders": "event reminders and event news",
    "forum_notifications": "forum emails",
    "strategy_updates": "strategy group updates",
    "weekly_digest": "the weekly digest",
    "training_reminders": "training reminders",
}


# Members sit above mail, so mail names their table only as its foreign keys do (members.id).
_MEMBERS = table("members", column("id"))


class UnsubscribeError(DomainError):
    """An unsubscribe link that cannot be used; ``str(error)`` says why in plain words."""


@dataclass(frozen=True)
class UnsubscribeRequest:
    member_id: int
    preference: str

    @property
    def label(self) -> str:
        return PREFERENCE_LABELS[self.preference]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="association.unsubscribe")


def preference_for(kind: str) -> str | None:
    """The preference that governs mail of ``kind``; None for service mail, which always goes."""
    return PREFERENCE_FOR_KIND.get(kind)


def unsubscribe_token(member_id: int, preference: str) -> str:
    return _serializer().dumps([member_id, preference])


def read_unsubscribe_token(token: str) -> UnsubscribeRequest:
    try:
        member_id, preference = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError) as error:
        raise UnsubscribeError(
            "This unsubscribe link is not valid. Please check you copied the whole link, "
            "or change your choices on your email preferences page."
        ) from error
    if not isinstance(member_id, int) or preference not in PREFERENCE_LABELS:
        raise UnsubscribeError("This unsubscribe link is not valid.")
    return UnsubscribeRequest(member_id, preference)


def unsubscribe(request: UnsubscribeRequest) -> bool:
    """Turn the preference off (forum mail: none at all). False when the member no longer exists.

    Commits. Saying no twice is fine: the second time changes nothing.
    """
    if db.session.scalar(select(_MEMBERS.c.id).where(_MEMBERS.c.id == request.member_id)) is None:
        return False
    current = preferences_for(request.member_id)
    if db.session.get(MailPreferences, request.member_id) is None:
        db.session.add(current)
    setattr(current, request.preference, "none" if request.preference == "forum_notifications" else False)
    db.session.commit()
    return True
