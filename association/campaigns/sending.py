"""Sending a campaign deliberately, and stopping one part-way.

Nothing leaves the association without a confirmation page showing who receives what (DESIGN.md,
"Rules that protect people"). The page is built by :func:`confirmation_for`; its form sends back
two things it was made from, and the send goes ahead only if both still hold:

- the campaign's ``edit_version`` (core/versions.py): a change saved since the page was opened
  stops the send, so nobody sends a wording they have not seen;
- a fingerprint of the recipients (:func:`audience_fingerprint`): if who would receive it changed
  in between (someone joined, said no, was erased), the sender sees the new list first.

A campaign being sent can be cancelled while any of its messages are unsent: see
:func:`cancel_sending`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from ..core.database import rows_matched, utcnow
from ..core.personal_data import CheckedText, check_parts
from ..extensions import db
from ..mail.models import OutboxMessage, OutboxStatus
from ..mail.outbox_words import STATUS_WORDS as OUTBOX_STATUS_WORDS
from .audiences import Audience, Recipient
from .models import Campaign, CampaignStatus
from .queueing import (
    CampaignError,
    Personaliser,
    audience_label,
    audience_of,
    delivery_counts,
    queue_campaign,
    schedule,
)

# Outbox rows of a campaign that cancelling takes back: never offered to the SMTP server. A
# ``claimed`` row is leased by a worker that has not started it: the worker takes it for sending
# only by a conditional UPDATE (status still 'claimed', its own lease), which then finds nothing.
# A ``sending`` row is in an SMTP conversation already; what the server does with it decides.
UNSENT = (OutboxStatus.QUEUED, OutboxStatus.CLAIMED)
WITHDRAWN_NOTE = "Withdrawn: the email was cancelled before this message was sent."
SHOWN_ON_PAGE = 50  # recipients listed on the confirmation page; the rest on the recipients page
# A campaign's status and each of its messages', in the words the pages use.
STATUS_WORDS: dict[str, str] = {
    CampaignStatus.DRAFT: "Draft",
    CampaignStatus.SCHEDULED: "Scheduled",
    CampaignStatus.QUEUED: "Sent",
    CampaignStatus.CANCELLED: "Cancelled",
}
# A campaign handed to the outbox is 'queued' for good (cancelling needs that); what it is to a
# person comes from its messages' counts, read with the page: see delivery_state.
MESSAGE_WORDS = OUTBOX_STATUS_WORDS  # one set of words for a message, here and in the outbox


def delivery_state(status: str, counts: dict[str, int]) -> tuple[str, str]:
    """(badge key, words) for a campaign as people see it: a queued one is "Sending" while any of its
    messages wait or are being sent, and "Sent" once none do. Derived from the counts the page has
    already read (delivery_counts, one grouped query), so there is nothing to keep in step and no
    race between workers finishing their batches."""
    if status != CampaignStatus.QUEUED:
        return status, STATUS_WORDS.get(status, status)
    if sum(counts.get(s, 0) for s in (OutboxStatus.QUEUED, OutboxStatus.CLAIMED, OutboxStatus.SENDING)):
        return "sending", "Sending"
    return "sent", "Sent"


class ConfirmationOutdated(CampaignError):
    """What the sender confirmed is no longer what would be sent."""


def check_campaign(campaign: Campaign) -> list[CheckedText]:
    """The subject and the message, each with its findings; only the parts where something was found.

    A campaign goes to members, so the "community" rules apply: no child's or birth-family member's
    name, no address, school, date of birth or contact details of anyone.
    """
    return check_parts((("Subject", campaign.subject), ("Message", campaign.body_markdown)), "community")


def audience_fingerprint(campaign: Campaign, audience: Audience, when_utc: datetime | None = None) -> str:
    """A short digest of who would receive ``campaign`` now (and when, for a schedule): the confirm
    form carries it back, so neither can change unseen between the page and the click."""
    ids = ",".join(str(r.member_id) for r in sorted(audience.recipients, key=lambda r: r.member_id))
    when = f"{when_utc:%Y-%m-%dT%H:%M}" if when_utc else "now"
    raw = f"{campaign.id}|{campaign.topic}|{campaign.audience}|{campaign.audience_value}|{ids}|{when}"
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Confirmation:
    """Everything the confirmation page shows, and the values its form carries back."""

    campaign: Campaign
    label: str
    audience: Audience
    fingerprint: str
    subject: str  # as the sender themselves would get it (merge fields filled)
    text: str
    checked: list[CheckedText]
    when_utc: datetime | None  # None: send now

    @property
    def count(self) -> int:
        return len(self.audience.recipients)

    @property
    def shown(self) -> list[Recipient]:
        return self.audience.recipients[:SHOWN_ON_PAGE]

    @property
    def when_local(self) -> datetime | None:
        """The chosen time in the association's time zone, as the form carries it back."""
        from ..core.timefmt import to_local

        return to_local(self.when_utc) if self.when_utc else None


def confirmation_for(campaign: Campaign, sender: Recipient, when_utc: datetime | None = None) -> Confirmation:
    """What sending ``campaign`` now (or at ``when_utc``) would do, for the sender to confirm.

    Raises CampaignError when it cannot be sent at all (already sent, a time in the past).
    """
    if campaign.status != CampaignStatus.DRAFT:
        raise CampaignError("This email has already been sent or scheduled, so there is nothing to confirm.")
    if when_utc is not None and when_utc <= utcnow():
        raise CampaignError("Please choose a time in the future.")
    audience = audience_of(campaign)
    subject, text, _ = Personaliser(campaign).copy_for(sender)
    return Confirmation(
        campaign,
        audience_label(campaign),
        audience,
        audience_fingerprint(campaign, audience, when_utc),
        subject,
        text,
        check_campaign(campaign),
        when_utc,
    )


def _as_confirmed(campaign: Campaign, seen_version: int, fingerprint: str, when_utc: datetime | None = None) -> None:
    """Refuse when the campaign or its recipients changed since the confirmation page was made;
    otherwise take the campaign's version, so a save racing this send loses (flushes, no commit)."""
    from ..core.versions import EditConflict, claim_edit

    if campaign.edit_version != seen_version:
        raise ConfirmationOutdated(
            "This email was changed after you opened this page. Check it again below before sending it."
        )
    if audience_fingerprint(campaign, audience_of(campaign), when_utc) != fingerprint:
        raise ConfirmationOutdated(
            "Who gets this email, or when, changed after you opened this page. Check below before sending it."
        )
    try:
        claim_edit(campaign, seen_version)
    except EditConflict:
        db.session.rollback()
        raise ConfirmationOutdated(
            "This email was changed after you opened this page. Check it again below before sending it."
        ) from None


def send_confirmed(campaign: Campaign, seen_version: int, fingerprint: str, actor) -> int:
    """Queue the campaign as confirmed; returns how many messages. Commits.

    Raises ConfirmationOutdated (nothing queued) if it is not what the sender saw.
    """
    _as_confirmed(campaign, seen_version, fingerprint)
    return queue_campaign(campaign, actor)


def schedule_confirmed(campaign: Campaign, seen_version: int, fingerprint: str, when_utc: datetime, actor) -> None:
    """Schedule the campaign as confirmed. Commits. Raises ConfirmationOutdated like ``send_confirmed``."""
    if campaign.status != CampaignStatus.DRAFT:
        raise CampaignError("This email has already been sent or scheduled.")
    _as_confirmed(campaign, seen_version, fingerprint, when_utc)
    schedule(campaign, when_utc, actor)


@dataclass(frozen=True)
class Withdrawal:
    """What cancelling a campaign part-way did."""

    sent: int  # delivered before it was cancelled
    in_flight: int  # in an SMTP conversation at that instant: these may still arrive
    withdrawn: int  # taken back, never sent
    failed: int


def cancel_sending(campaign: Campaign, actor) -> Withdrawal:
    """Stop a campaign being sent: every message not yet offered to the mail server is withdrawn. Commits.

    Withdrawn rows keep their place in the outbox with status ``withdrawn`` (rather than being
    deleted), so the history can say for certain how many went and how many did not, and an admin
    can still see who a withdrawn message was for.

    Atomic against workers: one UPDATE takes the campaign from 'queued' to 'cancelled' (two clicks
    cancel it once) and one UPDATE withdraws its unsent rows. On PostgreSQL a worker claims rows
    with ``SELECT … FOR UPDATE SKIP LOCKED`` and marks them claimed in the same transaction; this
    UPDATE waits for those row locks and then re-reads each row, so a row is either claimed first
    (then withdrawn here, and the worker's conditional take-for-sending finds nothing) or withdrawn
    first (then the worker skips it). On SQLite writes are serialised and the claim's UPDATE only
    takes rows still 'queued' (mail/worker.py), which comes to the same.
    """
    from ..core.audit import record

    taken = rows_matched(
        update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.status == CampaignStatus.QUEUED)
        .values(status=CampaignStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    if not taken:
        db.session.rollback()
        raise CampaignError("This email is not being sent, so there is nothing to stop.")
    withdrawn = rows_matched(
        update(OutboxMessage)
        .where(OutboxMessage.campaign_id == campaign.id, OutboxMessage.status.in_(UNSENT))
        .values(status=OutboxStatus.WITHDRAWN, lease_until=None, last_error=WITHDRAWN_NOTE)
        .execution_options(synchronize_session=False)
    )
    if not withdrawn:
        db.session.rollback()
        raise CampaignError(
            "Every message of this email has already gone to the mail server, so there is nothing left to stop."
        )
    counts = delivery_counts([campaign.id])[campaign.id]
    result = Withdrawal(
        sent=counts.get(OutboxStatus.SENT, 0),
        in_flight=counts.get(OutboxStatus.SENDING, 0),
        withdrawn=withdrawn,
        failed=counts.get(OutboxStatus.FAILED, 0),
    )
    record(
        "mail.campaign_cancelled",
        campaign,
        f"{campaign.subject!r}: {result.sent} sent, {result.in_flight} being sent, {result.withdrawn} withdrawn, "
        f"{result.failed} failed",
        actor=actor,
    )
    db.session.commit()
    db.session.refresh(campaign)
    return result


def describe_withdrawal(result: Withdrawal) -> str:
    """What cancelling did, in a sentence for the sender."""

    def people(n: int) -> str:
        return f"{n} {'message' if n == 1 else 'messages'}"

    words = f"Cancelled. {people(result.withdrawn)} withdrawn and never sent; {result.sent} already sent"
    if result.in_flight:
        words += f"; {result.in_flight} being sent at that moment may still arrive"
    return words + "."


def unsent_count(campaign: Campaign) -> int:
    """How many of the campaign's messages could still be withdrawn."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.campaign_id == campaign.id, OutboxMessage.status.in_(UNSENT))
        )
        or 0
    )


@dataclass(frozen=True)
class RecipientsPage:
    """One page of who gets (or got) a campaign: (name, email or what happened to their message)."""

    rows: list[tuple[str, str]]
    page: int
    pages: int
    total: int
    sent: bool  # rows say what happened to each message, rather than an email address


def recipients_page(campaign: Campaign, page: int, size: int) -> RecipientsPage:
    """Before sending, who would receive it now; once sent, whom each message was for and its fate."""
    from ..core.paging import paginate

    if campaign.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
        people = audience_of(campaign).recipients
        pages = max(1, -(-len(people) // size))
        page = min(max(page, 1), pages)
        rows = [(r.name, r.email) for r in people[(page - 1) * size : page * size]]
        return RecipientsPage(rows, page, pages, len(people), sent=False)
    paging = paginate(select(OutboxMessage.id).where(OutboxMessage.campaign_id == campaign.id), page, size)
    rows = [
        (name or "(no name)", MESSAGE_WORDS.get(status, status))
        for name, status in db.session.execute(
            select(OutboxMessage.to_name, OutboxMessage.status)
            .where(OutboxMessage.campaign_id == campaign.id)
            .order_by(OutboxMessage.to_name, OutboxMessage.id)
            .offset(paging.offset)
            .limit(size)
        )
    ]
    return RecipientsPage(rows, paging.page, paging.pages, paging.total, sent=True)
