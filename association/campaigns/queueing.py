"""Campaigns: write once, check the merge fields, preview, then queue one outbox row per member.

The body is Markdown, rendered and sanitised once into the branded email template with a
placeholder for each merge field; each recipient's copy only swaps the placeholders for their
values (escaped in the HTML part). So 5,000 personal copies cost one Markdown render, and a
member's name can never inject markup.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, render_template
from markupsafe import Markup, escape
from sqlalchemy import func, insert, select, update

from ..core.database import rows_matched, utcnow
from ..core.errors import DomainError
from ..core.markdown import render_markdown
from ..core.timefmt import format_date
from ..extensions import db
from ..mail.models import OutboxMessage, OutboxStatus
from ..mail.outbox import consent_links, external_url, new_message_id
from .audiences import EVENT_AUDIENCES, Audience, Recipient, describe, resolve
from .models import Campaign, CampaignStatus

MERGE_FIELDS = {
    "first_name": "the member's first name",
    "full_name": "the member's full name",
    "renewal_date": "the date their membership is due for renewal",
}
EVENT_MERGE_FIELDS = {
    "event_title": "the event's title",
    "event_date": "when the event is",
    "event_venue": "where the event is",
}
FIELD_PATTERN = re.compile(r"\{\{\s*(.*?)\s*\}\}")
# How a message may open with a greeting of its own ("Hello {{ first_name }},", "Dear all", "Hi,").
GREETING = re.compile(r"\s*(hello|hi|hiya|hey|dear|good (morning|afternoon|evening))\b", re.IGNORECASE)


class CampaignError(DomainError):
    """A campaign that cannot be sent as it stands; ``str(error)`` says why in plain words."""


@dataclass(frozen=True)
class Draft:
    subject: str
    body_markdown: str
    topic: str
    audience: str
    audience_value: str = ""
    chosen_member_ids: tuple[int, ...] = ()
    greeting: bool = True


def opens_with_greeting(body_markdown: str) -> bool:
    """Does the message already greet its reader? Then the editor's greeting is not added again."""
    return bool(GREETING.match(body_markdown))


def merge_field_errors(draft: Draft) -> list[str]:
    """Every unknown merge field in the subject or body, as a message an editor can act on."""
    allowed = dict(MERGE_FIELDS)
    if draft.audience in EVENT_AUDIENCES:
        allowed.update(EVENT_MERGE_FIELDS)
    errors = []
    for name in dict.fromkeys(FIELD_PATTERN.findall(draft.subject + "\n" + draft.body_markdown)):
        if name in allowed:
            continue
        if name in EVENT_MERGE_FIELDS:
            errors.append(f"{{{{ {name} }}}} only works when the audience is an event's guests or waitlist.")
        else:
            known = ", ".join(f"{{{{ {field} }}}}" for field in allowed)
            errors.append(f"{{{{ {name} }}}} is not a merge field we know. You can use: {known}.")
    return errors


def save_draft(draft: Draft, author, campaign: Campaign | None = None) -> Campaign:
    """Create or update a draft (the caller has checked it). Commits."""
    if campaign is None:
        campaign = Campaign(created_by_id=author.id)
        db.session.add(campaign)
    elif campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
        raise CampaignError("This email has already been sent, so it can't be changed.")
    campaign.subject = draft.subject.strip()
    campaign.body_markdown = draft.body_markdown
    campaign.greeting = draft.greeting
    campaign.topic = draft.topic
    campaign.audience = draft.audience
    campaign.audience_value = draft.audience_value
    campaign.chosen_member_ids = list(draft.chosen_member_ids) or None
    db.session.commit()
    return campaign


def audience_of(campaign: Campaign) -> Audience:
    return resolve(campaign.audience, campaign.audience_value, campaign.chosen_member_ids, campaign.topic)


def _event_for(campaign: Campaign):
    from ..events.models import Event

    if campaign.audience not in EVENT_AUDIENCES or not campaign.audience_value.isdigit():
        return None
    return db.session.get(Event, int(campaign.audience_value))


def audience_label(campaign: Campaign) -> str:
    event = _event_for(campaign)
    return describe(campaign.audience, campaign.audience_value, event.title if event else "")


class Personaliser:
    """The campaign rendered once with placeholders; ``copy_for`` fills them for one recipient."""

    def __init__(self, campaign: Campaign):
        self.campaign = campaign
        self.nonce = secrets.token_hex(6)
        self.placeholder = re.compile(rf"mf{self.nonce}([a-z_]+)mf")
        self.event_values = self._event_values(_event_for(campaign))
        body = FIELD_PATTERN.sub(lambda m: self._token(m.group(1)), campaign.body_markdown)
        context = {
            "association_name": current_app.config["ASSOCIATION_NAME"],
            "subject": campaign.subject,
            # The greeting is the sender's choice in the editor, and said once.
            "recipient_name": self._token("first_name") if self.greets(campaign) else "",
            "unsubscribe_url": self._token("unsubscribe_url"),
            "preferences_url": external_url("mail.preferences"),
        }
        self.subject = FIELD_PATTERN.sub(lambda m: self._token(m.group(1)), campaign.subject)
        self.text = render_template("mail/campaign.txt", body_text=body, **context)
        self.html = render_template("mail/campaign.html", body_html=Markup(render_markdown(body)), **context)

    @staticmethod
    def greets(campaign: Campaign) -> bool:
        """Whether each copy starts with "Hello {first name},"."""
        return campaign.greeting is not False and not opens_with_greeting(campaign.body_markdown)

    def _token(self, name: str) -> str:
        return f"mf{self.nonce}{name}mf"

    @staticmethod
    def _event_values(event) -> dict[str, str]:
        if event is None:
            return {}
        from ..events.display import event_when

        venue = ", ".join(part for part in (event.venue_name, event.venue_address) if part) or "online"
        return {"event_title": event.title, "event_date": event_when(event), "event_venue": venue}

    def values_for(self, recipient: Recipient) -> dict[str, str]:
        values = {
            "first_name": recipient.first_name,
            "full_name": recipient.name,
            "renewal_date": format_date(recipient.renewal_date) if recipient.renewal_date else "not set",
            **self.event_values,
        }
        values.update(consent_links(recipient.member_id, self.campaign.topic))
        return values

    def copy_for(self, recipient: Recipient) -> tuple[str, str, str]:
        """(subject, text, html) for one member."""
        values = self.values_for(recipient)
        one_line = {key: " ".join(value.split()) for key, value in values.items()}
        subject = self.placeholder.sub(lambda m: one_line.get(m.group(1), ""), self.subject)
        text = self.placeholder.sub(lambda m: values.get(m.group(1), ""), self.text)
        html = self.placeholder.sub(lambda m: str(escape(values.get(m.group(1), ""))), self.html)
        return subject[:200], text, html


def queue_campaign(campaign: Campaign, actor=None) -> int:
    """Queue one message per recipient in a single transaction; returns how many. Commits.

    Raises CampaignError (and queues nothing) when nobody would receive it.
    """
    from ..core.audit import record

    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
        raise CampaignError("This email has already been sent.")
    audience = audience_of(campaign)
    if not audience.recipients:
        raise CampaignError(_empty_audience_message(audience))
    personaliser = Personaliser(campaign)
    rows = []
    for recipient in audience.recipients:
        subject, text, html = personaliser.copy_for(recipient)
        rows.append(
            {
                "member_id": recipient.member_id,
                "to_address": recipient.email,
                "to_name": recipient.name,
                "kind": campaign.topic,
                "template": "campaign",
                "subject": subject,
                "text_body": text,
                "html_body": html,
                "message_id": new_message_id(),
                "campaign_id": campaign.id,
            }
        )
    # Taken by one conditional UPDATE before anything is queued: of two senders (or two clicks, or
    # the worker and a sender) only one finds it unsent, so nobody receives it twice.
    taken = rows_matched(
        update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.status.in_((CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)))
        .values(
            status=CampaignStatus.QUEUED,
            queued_at=utcnow(),
            recipient_count=len(audience.recipients),
            left_out_count=len(audience.left_out),
        )
        .execution_options(synchronize_session="fetch")
    )
    if not taken:
        raise CampaignError("This email has already been sent.")
    db.session.execute(insert(OutboxMessage), rows)
    record(
        "mail.campaign_queued",
        campaign,
        f"{campaign.subject!r} to {len(rows)} ({audience_label(campaign)}), "
        f"{len(audience.left_out)} left out by their choices",
        actor=actor,
    )
    db.session.commit()
    return len(rows)


def _empty_audience_message(audience: Audience) -> str:
    if audience.left_out:
        return (
            f"Nobody would receive this: all {len(audience.left_out)} people in this audience have "
            "said no to this kind of email."
        )
    return "Nobody would receive this: there is no one in this audience. Please choose another."


def send_test(campaign: Campaign, member) -> OutboxMessage:
    """Queue a copy for ``member`` themselves, marked as a test, whatever their choices. Commits."""
    personaliser = Personaliser(campaign)
    recipient = Recipient(member.id, member.name, member.email, member.renewal_date)
    subject, text, html = personaliser.copy_for(recipient)
    message = OutboxMessage(
        member_id=member.id,
        to_address=member.email,
        to_name=member.name,
        kind="service",
        template="campaign_test",
        subject=f"[Test] {subject}"[:200],
        text_body=text,
        html_body=html,
        message_id=new_message_id(),
    )
    db.session.add(message)
    db.session.commit()
    return message


def schedule(campaign: Campaign, when_utc: datetime, actor=None) -> None:
    """Send at ``when_utc``; refuses a time in the past or an audience of nobody. Commits."""
    from ..core.audit import record

    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
        raise CampaignError("This email has already been sent.")
    if when_utc <= utcnow():
        raise CampaignError("Please choose a time in the future.")
    audience = audience_of(campaign)
    if not audience.recipients:
        raise CampaignError(_empty_audience_message(audience))
    campaign.status = CampaignStatus.SCHEDULED
    campaign.scheduled_for = when_utc
    record("mail.campaign_scheduled", campaign, f"{campaign.subject!r} for {when_utc:%Y-%m-%d %H:%M} UTC", actor=actor)
    db.session.commit()


def unschedule(campaign: Campaign) -> bool:
    """Back to a draft, if the worker has not queued it yet. Commits."""
    changed = rows_matched(
        update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.status == CampaignStatus.SCHEDULED)
        .values(status=CampaignStatus.DRAFT, scheduled_for=None)
    )
    db.session.commit()
    return bool(changed)


def release_due_campaigns() -> int:
    """Queue scheduled campaigns whose time has come (run by the worker); returns how many.

    Each campaign is taken by one conditional UPDATE, so two workers never queue it twice. Commits
    each campaign on its own: one that can't be sent goes back to the drafts without the others.
    """
    released = 0
    due = list(
        db.session.scalars(
            select(Campaign.id).where(Campaign.status == CampaignStatus.SCHEDULED, Campaign.scheduled_for <= utcnow())
        )
    )
    for campaign_id in due:
        taken = rows_matched(
            update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.SCHEDULED)
            .values(status=CampaignStatus.DRAFT)  # held for this transaction only; queue_campaign sets 'queued'
        )
        if not taken:
            db.session.rollback()
            continue
        campaign = _saved(campaign_id)
        try:
            queue_campaign(campaign)
            released += 1
        except CampaignError as error:
            # Back to the drafts with the reason in the audit log, rather than retrying for ever.
            from ..core.audit import record

            db.session.rollback()
            campaign = _saved(campaign_id)
            campaign.status, campaign.scheduled_for = CampaignStatus.DRAFT, None
            record("mail.campaign_not_sent", campaign, str(error))
            db.session.commit()
    return released


def _saved(campaign_id: int) -> Campaign:
    """A campaign this run found scheduled. Campaigns are never deleted (their outbox rows and the audit log
    refer to them), so it is there."""
    campaign = db.session.get(Campaign, campaign_id)
    assert campaign is not None, "campaigns are never deleted"
    return campaign


def delivery_counts(campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """{campaign id: {status: count}} in one grouped query."""
    counts: dict[int, dict[str, int]] = {cid: {} for cid in campaign_ids}
    if not campaign_ids:
        return counts
    for campaign_id, status, number in db.session.execute(
        select(OutboxMessage.campaign_id, OutboxMessage.status, func.count())
        .where(OutboxMessage.campaign_id.in_(campaign_ids))
        .group_by(OutboxMessage.campaign_id, OutboxMessage.status)
    ):
        assert campaign_id is not None, "chosen by campaign_id"
        counts[campaign_id][status] = number
    return counts


def failures(campaign: Campaign, limit: int = 200) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.campaign_id == campaign.id, OutboxMessage.status == OutboxStatus.FAILED)
            .order_by(OutboxMessage.to_name)
            .limit(limit)
        )
    )
