"""The audit log and the moderation log read as sentences with names and links, keep their codes for
filtering, and cost the same queries for one entry or a page of them (issue 13, item 23)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from association.core.database import utcnow
from association.extensions import db
from association.forum.models import Category
from association.forum.posting import start_thread
from association.members.models import Member
from tests.forum.helpers import add_category, make_trusted
from tests.support import count_queries, sign_in

CODES = re.compile(r"\b[a-z]+\.[a-z_]+\b|\b(servicemeeting|campaign|member|thread|post) \d+\b", re.IGNORECASE)


def _text(page: str) -> str:
    body = page.split("<tbody", 1)[1].split("</tbody>", 1)[0] if "<tbody" in page else page
    cells = re.sub(r"</t[dhr]>", " ", body)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", cells)).split())


def _applicant(make_member, name: str):
    return make_member(name, status="applicant", email_confirmed_at=utcnow() - timedelta(hours=1))


def test_the_audit_log_says_who_did_what_to_whom_with_links(app, admin_client, make_member):
    client, admin = admin_client
    jo, sam = _applicant(make_member, "Jo Carer"), _applicant(make_member, "Sam Lee")
    client.post(f"/admin/applications/{jo.id}/approve", data={})
    client.post(f"/admin/applications/{sam.id}/decline", data={"reason": "Not a foster carer yet"})
    page = client.get("/admin/audit").get_data(as_text=True)
    text = _text(page)
    assert "Alex Admin approved Jo Carer's application" in text
    assert "Alex Admin declined Sam Lee's application" in text
    assert f'<a href="/admin/members/{jo.id}">Jo Carer</a>' in page
    assert f'<a href="/admin/members/{admin.id}">Alex Admin</a>' in page
    assert not CODES.search(text), CODES.search(text)

    declined = _text(client.get("/admin/audit?action=application.declined").get_data(as_text=True))
    assert "declined Sam Lee's application" in declined and "Jo Carer" not in declined
    assert '<option value="application.declined" selected>' in client.get(
        "/admin/audit?action=application.declined"
    ).get_data(as_text=True)


def test_the_audit_log_costs_the_same_queries_for_one_entry_or_many_kinds(app, admin_client, make_member):
    client, _ = admin_client
    first = _applicant(make_member, "Jo Carer")
    client.post(f"/admin/applications/{first.id}/approve", data={})
    with count_queries(app) as one:
        client.get("/admin/audit")
    for i in range(5):
        person = _applicant(make_member, f"Carer Number{i}")
        client.post(f"/admin/applications/{person.id}/approve", data={})
    client.post(
        "/admin/mail/new", data={"subject": "Summer social", "body": "See you", "topic": "news", "audience": "active"}
    )
    with count_queries(app) as many:
        client.get("/admin/audit")
    assert many[0] == one[0]


def _moderated(app, make_member):
    add_category(app)
    jo = make_member("Jo Carer")
    make_trusted(app, jo.id)
    mod = make_member("Maya Moderator", roles=["moderator"])
    with app.app_context():
        from sqlalchemy import select

        outcome = start_thread(
            db.session.scalar(select(Category)), db.session.get(Member, jo.id), "Bedtime routines", "What helped?"
        )
        return jo, mod, outcome.post.thread_id, outcome.post.id


def test_the_moderation_log_names_the_moderator_the_member_and_the_thread(app, make_member):
    jo, mod, thread_id, post_id = _moderated(app, make_member)
    client = sign_in(app.test_client(), mod)
    client.post(f"/forum/moderation/p/{post_id}/hide", data={"reason": "Off topic"})
    client.post(f"/forum/moderation/t/{thread_id}/lock")
    page = client.get("/forum/moderation/log").get_data(as_text=True)
    text = _text(page)
    assert "Maya Moderator hid Jo Carer's post in “Bedtime routines” Off topic" in text
    assert "Maya Moderator locked “Bedtime routines”" in text
    assert f'href="/forum/t/{thread_id}?page=1#post-1">Jo Carer&#39;s post</a>' in page
    assert f'href="/forum/t/{thread_id}">“Bedtime routines”</a>' in page
    assert not CODES.search(text), CODES.search(text)
    locks = _text(client.get("/forum/moderation/log?action=lock").get_data(as_text=True))
    assert "locked" in locks and "hid" not in locks


def test_the_moderation_log_costs_the_same_queries_however_long(app, make_member):
    jo, mod, thread_id, post_id = _moderated(app, make_member)
    client = sign_in(app.test_client(), mod)
    client.post(f"/forum/moderation/p/{post_id}/hide", data={"reason": "Off topic"})
    with count_queries(app) as one:
        client.get("/forum/moderation/log")
    client.post(f"/forum/moderation/p/{post_id}/restore")
    client.post(f"/forum/moderation/t/{thread_id}/lock")
    client.post(f"/forum/moderation/t/{thread_id}/pin")
    others = [make_member(f"Carer Number{i}") for i in range(3)]
    for person in others:
        client.post(f"/forum/moderation/m/{person.id}/warn", data={"reason": "Be kind"})
    with count_queries(app) as many:
        page = client.get("/forum/moderation/log").get_data(as_text=True)
    assert many[0] == one[0]
    assert "Maya Moderator warned Carer Number2" in _text(page)
