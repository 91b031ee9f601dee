"""The outbox page in people's words, with a search by recipient at a fixed query count (issue 13,
item 22)."""

from __future__ import annotations

import re

from association.extensions import db
from association.mail.models import OutboxMessage
from association.mail.outbox import queue_email
from association.mail.worker import deliver_due
from association.members.models import Member
from tests.support import count_queries

# Codes a person should not have to read: statuses, the development catcher, template names, kinds.
JARGON = re.compile(r"\b(Claimed|Queued|catcher|Template|Kind:?\s+service|service)\b|\b[a-z]+_[a-z_]+\b")


def _visible_text(html: str) -> str:
    """The page's text as a person reads it (tags, attribute values and the address bar left out)."""
    body = html.split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", body)


def _queue(app, member_id: int, template: str = "password_reset", **context):
    with app.app_context():
        member = db.session.get(Member, member_id)
        queue_email(
            member.email,
            "Reset your password",
            template,
            member=member,
            reset_url="https://example.org/reset/abc",
            **context,
        )
        db.session.commit()


def test_the_outbox_speaks_plainly_and_keeps_codes_in_the_address_only(app, admin_client, make_member):
    client, _ = admin_client
    jo = make_member("Jo Carer")
    _queue(app, jo.id)
    with app.app_context():
        deliver_due()
        # As on a fresh checkout with no mail server: the local catcher kept it.
        db.session.query(OutboxMessage).update({"delivered_via": "catcher"})
        db.session.commit()
    page = client.get("/admin/outbox").get_data(as_text=True)
    text = _visible_text(page)
    assert not JARGON.search(text), JARGON.search(text)
    assert 'class="filter-links"' in page
    for label in ("Waiting to send", "Being sent", "Sent", "Not delivered", "Withdrawn"):
        assert f">{label}</a>" in page
    assert "A link to reset a password" in text and "kept here only" in text
    assert "?status=sending" in page  # the codes stay in the links, for filtering

    with app.app_context():
        message_id = db.session.query(OutboxMessage.id).scalar()
    message = _visible_text(client.get(f"/admin/outbox/{message_id}").get_data(as_text=True))
    assert not JARGON.search(message), JARGON.search(message)
    assert "A link to reset a password" in message and "About their account or membership" in message


def test_the_outbox_finds_emails_by_recipient(app, admin_client, make_member):
    client, _ = admin_client
    jo, sam = make_member("Jo Carer", "jo.carer@example.org"), make_member("Sam Reader", "sam@example.org")
    _queue(app, jo.id)
    _queue(app, sam.id)
    with app.app_context():
        queue_email(
            "manager@service.example.org", "The feedback pack", "password_reset", reset_url="https://example.org/x"
        )
        db.session.commit()

    def rows(**args) -> list[str]:
        page = client.get("/admin/outbox", query_string=args).get_data(as_text=True)
        return re.findall(r'<td class="outbox-to">([^<]+)</td>', page)

    assert sorted(rows()) == ["jo.carer@example.org", "manager@service.example.org", "sam@example.org"]
    assert rows(to="jo") == ["jo.carer@example.org"]
    assert rows(to="Sam Reader") == ["sam@example.org"]
    assert rows(to="Manager@Service.example.org ") == ["manager@service.example.org"]
    assert rows(to="manager") == []  # not a member: the whole address is needed
    assert rows(to="jo", status="sent") == []
    assert rows(to="jo", status="queued") == ["jo.carer@example.org"]
    page = client.get("/admin/outbox", query_string={"to": "nobody"}).get_data(as_text=True)
    assert "No emails to “nobody”" in page and 'value="nobody"' in page


def test_the_outbox_costs_the_same_queries_for_one_email_or_many(app, admin_client, make_member):
    client, _ = admin_client
    people = [make_member(f"Carer Number{i}") for i in range(6)]
    _queue(app, people[0].id)
    counts = []
    for args in ({}, {"to": "carer"}, {"status": "queued", "to": "number"}):
        with count_queries(app) as one:
            assert client.get("/admin/outbox", query_string=args).status_code == 200
        counts.append(one[0])
    for person in people[1:]:
        _queue(app, person.id)
        _queue(app, person.id, template="sign_in_link", sign_in_url="https://example.org/s")
    for args, before in zip(({}, {"to": "carer"}, {"status": "queued", "to": "number"}), counts, strict=True):
        with count_queries(app) as many:
            client.get("/admin/outbox", query_string=args)
        assert many[0] == before, args
