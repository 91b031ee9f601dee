"""Queue email: render both parts from templates and add an outbox row to the current session.

Nothing here commits: the caller's commit writes the email together with the change that caused
it, so an email is never sent for a change that was rolled back, nor lost for one that was kept.
"""
from __future__ import annotations

from email.utils import make_msgid

from flask import current_app, has_request_context, render_template, url_for

from ..extensions import db
from .models import OutboxMessage


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email, on the configured public address (BASE_URL)."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context():
            path = url_for(endpoint, **values)
    return current_app.config["BASE_URL"].rstrip("/") + path


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
    """Render ``templates/mail/<template>.txt`` and ``.html`` and add the message to the outbox."""
    if member is not None and member.id is None:
        db.session.flush()
    context.setdefault("recipient_name", to_name or (member.first_name if member else ""))
    context["association_name"] = current_app.config["ASSOCIATION_NAME"]
    context["subject"] = subject
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or "association.local"
    message = OutboxMessage(
        member_id=member.id if member is not None else None,
        to_address=to_address,
        to_name=to_name or (member.name if member else ""),
        kind=kind,
        template=template,
        subject=subject,
        text_body=render_template(f"mail/{template}.txt", **context),
        html_body=render_template(f"mail/{template}.html", **context),
        message_id=make_msgid(domain=domain),
        attachment_key=attachment_key,
    )
    db.session.add(message)
    return message


def forget_recipient(member_id: int) -> None:
    """Erasure: remove a member's address and the text of mail sent to them from the outbox."""
    from sqlalchemy import update

    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.member_id == member_id)
        .values(to_address="erased@invalid", to_name="", text_body="(erased)", html_body="(erased)")
    )
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.member_id == member_id, OutboxMessage.status == "queued")
        .values(status="failed", last_error="recipient erased")
    )
