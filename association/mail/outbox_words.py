"""The outbox in people's words: what each email is for and where it stands (found by recipient in admin/).

Rows keep their codes (status, kind, template): the admin pages filter by them and show these words."""

from __future__ import annotations

from .models import OutboxStatus

# What an admin may filter by: (value in the address, label, the statuses it covers).
FILTERS = (
    ("", "All", ()),
    (OutboxStatus.QUEUED, "Waiting to send", (OutboxStatus.QUEUED,)),
    (OutboxStatus.SENDING, "Being sent", (OutboxStatus.CLAIMED, OutboxStatus.SENDING)),
    (OutboxStatus.SENT, "Sent", (OutboxStatus.SENT,)),
    (OutboxStatus.FAILED, "Not delivered", (OutboxStatus.FAILED,)),
    (OutboxStatus.WITHDRAWN, "Withdrawn", (OutboxStatus.WITHDRAWN,)),
)
STATUS_WORDS: dict[str, str] = {
    OutboxStatus.QUEUED: "Waiting to send",
    OutboxStatus.CLAIMED: "Being sent",
    OutboxStatus.SENDING: "Being sent",
    OutboxStatus.SENT: "Sent",
    OutboxStatus.FAILED: "Not delivered",
    OutboxStatus.WITHDRAWN: "Withdrawn, not sent",
}
KIND_WORDS = {
    "service": "About their account or membership (always sent)",
    "news": "Association news",
    "event": "About an event",
    "event_reminder": "Event reminder",
    "event_update": "About an event",
    "forum": "Forum",
    "strategy": "Strategy group",
    "digest": "Weekly digest",
    "training_reminder": "Training reminder",
}
DELIVERED_WORDS = {"smtp": "by the mail server", "catcher": "kept here only (no mail server is set up)"}
PURPOSES = {
    "already_registered": "Tells someone who applied again that they already have an account",
    "application_approved": "Tells an applicant they are approved, with a link to set a password",
    "application_declined": "Tells an applicant their application was declined, and why",
    "campaign": "An email to members written by the committee",
    "confirm_application": "Asks an applicant to confirm their email address",
    "confirm_email_change": "Asks a member to confirm their new email address",
    "email_change_requested": "Tells a member their sign-in email is being changed",
    "email_changed": "Tells a member their sign-in email was changed",
    "event_cancelled": "Tells a guest an event was cancelled",
    "event_changed": "Tells a guest an event's time or place changed",
    "event_place_available": "Tells someone on a waitlist a place came free",
    "event_reminder": "Reminds a guest of an event the next day",
    "forum_digest": "Forum replies in threads a member watches",
    "forum_post_hidden": "Tells a member a moderator hid their post, and why",
    "forum_reply": "Tells a member of a reply in a thread they watch",
    "forum_warning": "A warning from the forum moderators",
    "imported_welcome": "Welcomes an imported member, with a link to set a password",
    "membership_lapsed": "Tells a member their membership has lapsed",
    "password_changed": "Tells a member their password was changed",
    "password_reset": "A link to reset a password",
    "renewal_reminder": "Reminds a member to renew their membership",
    "renewal_requested": "Tells the committee a member asked to renew",
    "sign_in_link": "A link to sign in",
    "strategy_cutoff": "Reminds members of the cut-off for raising items for a service meeting",
    "strategy_pack": "The feedback pack sent to the fostering service",
    "strategy_raise_reminder": "Invites members to raise items for the strategy group",
    "training_reminder": "Reminds a member that training they need to renew (first aid, say) runs out soon",
    "weekly_digest": "The weekly digest",
}


def status_words(status: str) -> str:
    return STATUS_WORDS.get(status, status.replace("_", " ").capitalize())


def kind_words(kind: str) -> str:
    return KIND_WORDS.get(kind, kind.replace("_", " ").capitalize())


def purpose(template: str, campaign_id: int | None = None) -> str:
    """What the email is, in a sentence; '' for one we have no words for (the subject says it)."""
    if campaign_id:
        return PURPOSES["campaign"]
    return PURPOSES.get(template, "")


def delivered_words(via: str | None) -> str:
    return DELIVERED_WORDS.get(via or "", via or "")
