"""Queue email: render both parts from templates and add an outbox row to the current session.

Nothing here commits: the caller's commit writes the email together with the change that caused
it, so an email is never sent for a change that was rolled back, nor lost for one that was kept.
"""

from __future__ import annotations

from email.utils import make_msgid

from flask import current_app, has_request_context, render_template, url_for

from ..core.plain_text import one_line
from ..extensions import db
from .models import OutboxMessage, OutboxStatus


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email, on the configured public address (BASE_URL)."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context():
            path = url_for(endpoint, **values)
    return current_app.config["BASE_URL"].rstrip("/") + path


def consent_links(member_id: int | None, kind: str) -> dict[str, str]:
    """Unsubscribe and preferences links for a message that follows a preference, else nothing."""
    from .consent import preference_for, unsubscribe_token

    preference = preference_for(kind)
    if member_id is None or preference is None:
        return {}
    return {
        "unsubscribe_url": external_url("mail.unsubscribe", token=unsubscribe_token(member_id, preference)),
        "preferences_url": external_url("mail.preferences"),
    }


def new_message_id() -> str:
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or "association.local"
    return make_msgid(domain=domain)


def queue_email(
    to_address: str,
    subject: str,
    template: str,
    *,
    to_name: str = "",
    member=None,
    kind: str = "service",
    attachment_key: str | None = None,
    **context,
) -> OutboxMessage:
    """Render ``templates/mail/<template>.txt`` and ``.html`` and add the message to the outbox.

    Mail of a ``kind`` that follows a preference (see mail/consent.py) gets an unsubscribe link
    in its footer and, when sent, List-Unsubscribe headers.
    """
    message = OutboxMessage(
        **email_values(
            to_address,
            subject,
            template,
            to_name=to_name,
            member=member,
            kind=kind,
            attachment_key=attachment_key,
            **context,
        )
    )
    db.session.add(message)
    return message


def email_values(
    to_address: str,
    subject: str,
    template: str,
    *,
    to_name: str = "",
    member=None,
    kind: str = "service",
    attachment_key: str | None = None,
    **context,
) -> dict:
    """The outbox row of one email, rendered as ``queue_email`` does, for ``queue_emails``."""
    if member is not None and member.id is None:
        db.session.flush()
    context.setdefault("recipient_name", to_name or (member.first_name if member else ""))
    context["association_name"] = current_app.config["ASSOCIATION_NAME"]
    context["subject"] = subject
    context.update(consent_links(member.id if member is not None else None, kind))
    return {
        "member_id": member.id if member is not None else None,
        "to_address": to_address,
        # On one line whatever was stored before names were checked: these become mail headers, and
        # a line break in one would make the whole transaction (a daily job, say) fail at flush.
        "to_name": one_line(to_name or (member.name if member else "")),
        "kind": kind,
        "template": template,
        "subject": one_line(subject),
        "text_body": render_template(f"mail/{template}.txt", **context),
        "html_body": render_template(f"mail/{template}.html", **context),
        "message_id": new_message_id(),
        "attachment_key": attachment_key,
    }


def queue_emails(rows: list[dict]) -> int:
    """Add many emails made by ``email_values`` to the outbox in one statement, however many there
    are (a job writing to every member it found). Returns how many."""
    from sqlalchemy import insert

    if rows:
        db.session.execute(insert(OutboxMessage), rows)
    return len(rows)


def undelivered_to(member_id: int, limit: int = 5) -> list[OutboxMessage]:
    """The member's most recent permanently failed messages: their address may be wrong."""
    from sqlalchemy import select

    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.member_id == member_id, OutboxMessage.status == OutboxStatus.FAILED)
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )


def forget_recipient(member_id: int) -> None:
    """Erasure: remove a member's address and the text of mail sent to them from the outbox."""
    from sqlalchemy import update

    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.member_id == member_id)
        .values(to_address="erased@invalid", to_name="", text_body="(erased)", html_body="(erased)")
    )
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.member_id == member_id, OutboxMessage.status == OutboxStatus.QUEUED)
        .values(status=OutboxStatus.FAILED, last_error="recipient erased")
    )
