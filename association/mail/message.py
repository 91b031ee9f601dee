"""One outbox row made into an email: headers, unsubscribe links, attachment, the bytes sent.

Split from the worker (worker.py), which decides when and whether a row is sent; this decides
what is sent. ``seal`` runs every check Flask-Mail's ``send`` would, before the row is marked
``sending``, so a message that cannot be built fails without any doubt about its delivery.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from email import policy

from flask import current_app
from flask_mail import BadHeaderError, Message, sanitize_address, sanitize_addresses


@dataclass(frozen=True)
class Claimed:
    """What sending one message needs, read once at claim time (no ORM refresh per message)."""

    id: int
    member_id: int | None
    kind: str
    to_address: str
    to_name: str
    subject: str
    text_body: str
    html_body: str
    message_id: str
    attachment_key: str | None
    attempts: int
    # The lease this worker took: the row is still ours only while it carries this very lease.
    lease_until: datetime | None = None


class UnsubscribeLinks:
    """List-Unsubscribe URLs, building the route's URL once rather than once per message."""

    def __init__(self):
        from .outbox import external_url

        self.pattern = external_url("mail.unsubscribe", token="TOKEN")

    def headers(self, row: Claimed) -> dict[str, str]:
        from .consent import preference_for, unsubscribe_token

        preference = preference_for(row.kind)
        if row.member_id is None or preference is None:
            return {}
        url = self.pattern.replace("TOKEN", unsubscribe_token(row.member_id, preference))
        # RFC 8058: a mail provider may POST "List-Unsubscribe=One-Click" to the HTTPS URL.
        return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


class OutboxMail(Message):
    """Flask-Mail's message, written out with the compat32 policy.

    Flask-Mail encodes every header itself, then re-parses them all through the modern email
    policy when writing the message out, which was half the cost of sending one. compat32 with
    CRLF line ends writes the same headers without that round trip.
    """

    _bytes: bytes | None = None

    def as_bytes(self) -> bytes:
        if self._bytes is not None:
            return self._bytes
        message = self._message()
        message.policy = policy.compat32.clone(linesep="\r\n")
        return message.as_bytes()

    def seal(self) -> None:
        """Run every check Flask-Mail's ``send`` makes and write the bytes out, once.

        Done before the row becomes ``sending``: whatever is wrong with the message itself then
        shows here, while it has certainly not been offered to the server.
        """
        if not self.send_to or not self.sender:
            raise ValueError("The message has no recipient or no sender.")
        if self.has_bad_headers():
            raise BadHeaderError("A line break in the recipient's name, the sender or the subject.")
        sanitize_address(self.sender)
        list(sanitize_addresses(self.send_to))
        self.date = time.time()
        self._bytes = self.as_bytes()


def build_message(row: Claimed, links: UnsubscribeLinks | None = None) -> OutboxMail:
    message = OutboxMail(
        subject=row.subject,
        recipients=[(row.to_name, row.to_address) if row.to_name else row.to_address],
        body=row.text_body,
        html=row.html_body,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers=(links or UnsubscribeLinks()).headers(row),
    )
    message.msgId = row.message_id
    if row.attachment_key:
        from .attachments import load_attachment

        filename, content_type, data = load_attachment(row.attachment_key)
        message.attach(filename, content_type, data)
    return message
