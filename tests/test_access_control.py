"""Every route has an access rule, checked for every kind of visitor.

A new route that is not listed in ``RULES`` fails ``test_every_route_has_a_rule``: decide who may
reach it, add it here, and the role tests check the server enforces it.
"""

from __future__ import annotations

import pytest

from association.extensions import db
from association.members.models import Member

VISITORS = ("anonymous", "applicant", "member", "moderator", "strategy", "admin")
OPEN = {v: "allowed" for v in VISITORS}
SIGNED_IN = {
    "anonymous": "login",
    "applicant": "login",
    "member": "allowed",
    "moderator": "allowed",
    "strategy": "allowed",
    "admin": "allowed",
}
ADMIN = {
    "anonymous": "login",
    "applicant": "login",
    "member": "forbidden",
    "moderator": "forbidden",
    "strategy": "forbidden",
    "admin": "allowed",
}
# Organisers' tools: admins and the committee (and the event's own organiser, tested in tests/events).
ORGANISER = ADMIN
MODERATOR = {
    "anonymous": "login",
    "applicant": "login",
    "member": "forbidden",
    "moderator": "allowed",
    "strategy": "forbidden",
    "admin": "allowed",
}
STRATEGY = {
    "anonymous": "login",
    "applicant": "login",
    "member": "forbidden",
    "moderator": "forbidden",
    "strategy": "allowed",
    "admin": "allowed",
}
# A members-only thing found by a URL: not even its existence is shown to those who may not see it.
MEMBERS_HIDDEN = {
    "anonymous": "hidden",
    "applicant": "hidden",
    "member": "allowed",
    "moderator": "allowed",
    "strategy": "allowed",
    "admin": "allowed",
}

# Another member's own thing (a training entry, a certificate): members are told it isn't there.
NOT_THEIRS = {v: "login" if v in ("anonymous", "applicant") else "hidden" for v in VISITORS}

# endpoint -> (expected outcome per visitor, URL values)
RULES: dict[str, tuple[dict, dict]] = {
    "core.home": (OPEN, {}),
    "core.privacy": (OPEN, {}),
    "core.healthz": (OPEN, {}),
    "static": (OPEN, {"filename": "css/site.css"}),
    "auth.apply": (OPEN, {}),
    "auth.confirm_application": (OPEN, {"token": "not-a-token"}),
    "auth.login": (OPEN, {}),
    "auth.logout": (OPEN, {}),
    "auth.password_reset_request": (OPEN, {}),
    "auth.set_password": (OPEN, {"token": "not-a-token"}),
    "auth.confirm_email_change": (OPEN, {"token": "not-a-token"}),
    "auth.sign_in_link": (OPEN, {}),
    "auth.sign_in_with_link": (OPEN, {"token": "not-a-token"}),
    "members.directory": (SIGNED_IN, {}),
    "members.profile": (SIGNED_IN, {"member_id": "target"}),
    "members.account": (SIGNED_IN, {}),
    "members.change_password": (SIGNED_IN, {}),
    "members.change_email": (SIGNED_IN, {}),
    "members.export_data": (SIGNED_IN, {}),
    "members.leave": (SIGNED_IN, {}),
    "members.renew": (SIGNED_IN, {}),
    "admin.dashboard": (ADMIN, {}),
    "admin.application_queue": (ADMIN, {}),
    "admin.approve_application": (ADMIN, {"member_id": "applicant"}),
    "admin.decline_application": (ADMIN, {"member_id": "applicant"}),
    "admin.members": (ADMIN, {}),
    "admin.export_members": (ADMIN, {}),
    "admin.edit_member": (ADMIN, {"member_id": "target"}),
    "admin.link_household": (ADMIN, {"member_id": "target"}),
    "admin.unlink_household": (ADMIN, {"member_id": "target"}),
    "admin.erase_member": (ADMIN, {"member_id": "erasable"}),
    "admin.import_members": (ADMIN, {}),
    "admin.confirm_import": (ADMIN, {}),
    "admin.audit_log": (ADMIN, {}),
    "admin.outbox": (ADMIN, {}),
    "admin.outbox_message": (ADMIN, {"message_id": "message"}),
    "admin.retry_message": (ADMIN, {"message_id": "message"}),
    "mail.preferences": (SIGNED_IN, {}),
    "mail.unsubscribe": (OPEN, {"token": "not-a-token"}),
    "campaigns.history": (ADMIN, {}),
    "campaigns.compose": (ADMIN, {}),
    "campaigns.edit": (ADMIN, {"campaign_id": "campaign"}),
    "campaigns.review": (ADMIN, {"campaign_id": "campaign"}),
    "campaigns.preview": (ADMIN, {"campaign_id": "campaign"}),
    "campaigns.test": (ADMIN, {"campaign_id": "campaign"}),
    "campaigns.send": (ADMIN, {"campaign_id": "campaign"}),
    "campaigns.schedule_send": (ADMIN, {"campaign_id": "campaign"}),
    "campaigns.cancel_schedule": (ADMIN, {"campaign_id": "campaign"}),
    "campaigns.recipients": (ADMIN, {"campaign_id": "campaign"}),
    "campaigns.cancel": (ADMIN, {"campaign_id": "campaign"}),
    "events.calendar": (OPEN, {}),
    "events.detail": (SIGNED_IN, {"event_id": "event"}),
    "events.rsvp": (SIGNED_IN, {"event_id": "event"}),
    "events.create": (ORGANISER, {}),
    "events.edit": (ORGANISER, {"event_id": "event"}),
    "events.cancel": (ORGANISER, {"event_id": "event"}),
    "events.end_series": (ORGANISER, {"event_id": "event"}),
    "training.register": (ORGANISER, {"event_id": "event"}),
    "training.save_register": (ORGANISER, {"event_id": "event"}),
    "training.add_walk_in": (ORGANISER, {"event_id": "event"}),
    "training.add_guest": (ORGANISER, {"event_id": "event"}),
    "training.remove_line": (ORGANISER, {"event_id": "event", "entry_id": 1}),
    "training.course": (ORGANISER, {"event_id": "training_event"}),
    "training.my_training": (SIGNED_IN, {}),
    "training.add_entry": (SIGNED_IN, {}),
    "training.review": (SIGNED_IN, {}),
    # Someone else's entry or certificate, or one that does not exist: not found, whoever asks.
    "training.delete_entry": (NOT_THEIRS, {"entry_id": "training_entry"}),
    "training.entry_certificate": (NOT_THEIRS, {"entry_id": "training_entry"}),
    "training.certificate": (NOT_THEIRS, {"code": "certificate_code"}),
    "training.verify_form": (OPEN, {}),
    # A code that is no certificate's: "not found" for everyone, and nobody is asked to sign in.
    "training.verify": ({v: "hidden" for v in VISITORS}, {"code": "A" * 32}),
    "feeds.public_feed": (OPEN, {}),
    "feeds.event_feed": (MEMBERS_HIDDEN, {"event_id": "event"}),
    "feeds.private_feed": (OPEN, {"token": "calendar_token"}),
    "feeds.subscribe": (SIGNED_IN, {}),
    "feeds.rotate": (SIGNED_IN, {}),
    "forum.index": (SIGNED_IN, {}),
    "forum.search_page": (SIGNED_IN, {}),
    "forum.category": (SIGNED_IN, {"category_id": "category"}),
    "forum.new_thread": (SIGNED_IN, {"category_id": "category"}),
    "forum.thread": (SIGNED_IN, {"thread_id": "thread"}),
    "forum.reply": (SIGNED_IN, {"thread_id": "thread"}),
    "forum.watch": (SIGNED_IN, {"thread_id": "thread"}),
    "forum.watch_category": (SIGNED_IN, {"category_id": "category"}),
    "forum.edit": (MODERATOR, {"post_id": "post"}),  # someone else's post: only moderators
    "forum.history": (SIGNED_IN, {"post_id": "post"}),
    "forum.delete": (SIGNED_IN, {"post_id": "post"}),  # reaches the rule that refuses others' posts
    "forum.report": (SIGNED_IN, {"post_id": "post"}),
    "forum.moderation_queue": (MODERATOR, {}),
    "forum.moderation_log": (MODERATOR, {}),
    "forum.moderate_post": (MODERATOR, {"post_id": "post", "action": "approve"}),
    "forum.moderate_thread": (MODERATOR, {"thread_id": "thread", "action": "pin"}),
    "forum.moderate_member": (MODERATOR, {"member_id": "target", "action": "warn"}),
    "forum.categories": (ADMIN, {}),
    "forum.edit_category": (ADMIN, {"category_id": "category"}),
    "strategy.open_items": (SIGNED_IN, {}),
    "strategy.raise_item": (SIGNED_IN, {}),
    "strategy.my_items": (SIGNED_IN, {}),
    "strategy.item": (SIGNED_IN, {"item_id": "item"}),
    "strategy.support": (SIGNED_IN, {"item_id": "item"}),
    "strategy.withdraw_support": (SIGNED_IN, {"item_id": "item"}),
    "strategy.you_said": (SIGNED_IN, {}),
    "strategy.shared_pack": (OPEN, {"token": "pack_token"}),  # the service's link: the token is the key
    "strategy.workspace": (STRATEGY, {}),
    "strategy.triage": (STRATEGY, {"item_id": "item"}),
    "strategy.item_action": (STRATEGY, {"item_id": "item", "action": "reviewed"}),
    "strategy.meeting": (STRATEGY, {"meeting_id": "meeting"}),
    "strategy.pack": (STRATEGY, {"meeting_id": "meeting"}),
    "strategy.issue": (STRATEGY, {"meeting_id": "meeting"}),
    "strategy.pack_csv": (STRATEGY, {"meeting_id": "meeting"}),
    "strategy.pack_preview": (STRATEGY, {"meeting_id": "meeting"}),
    "strategy.version": (STRATEGY, {"version_id": "version"}),
    "strategy.version_pdf": (STRATEGY, {"version_id": "version"}),
    "strategy.revoke": (STRATEGY, {"version_id": "revocable_version"}),
    "strategy.outcome": (STRATEGY, {"meeting_id": "meeting", "item_id": "item"}),
    "strategy.themes": (STRATEGY, {}),
    # the committee's training pages (ADMIN: of these visitors only admins hold the committee's role)
    "training.topics": (ADMIN, {}),
    "training.edit_topic": (ADMIN, {"topic_id": "topic"}),
    "training.retire_topic": (ADMIN, {"topic_id": "topic"}),
    "training.restore_topic": (ADMIN, {"topic_id": "topic"}),
    "training.report": (ADMIN, {}),
    "training.report_csv": (ADMIN, {}),
    "training.report_pdf": (ADMIN, {}),
}


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(RULES))
    assert not missing, f"routes without an access rule in tests/test_access_control.py: {missing}"
    stale = sorted(set(RULES) - endpoints)
    assert not stale, f"rules for routes that no longer exist: {stale}"


@pytest.fixture
def people(app, make_member):
    from association.mail.outbox import queue_email

    ids = {
        "applicant": make_member("Ann Applicant", status="applicant"),
        "member": make_member("Mel Member"),
        "moderator": make_member("Mo Moderator", roles=["moderator"]),
        "strategy": make_member("Stef Strategy", roles=["strategy"]),
        "admin": make_member("Ada Admin", roles=["admin"]),
        "target": make_member("Tara Target"),
        "erasable": make_member("Eve Erasable"),
    }
    from tests.events.helpers import add_event

    ids["event"] = add_event(
        app, ids["target"].id, title="Members' evening", visibility="members", rule="FREQ=MONTHLY;BYMONTHDAY=1"
    )
    with app.app_context():
        target = db.session.get(Member, ids["target"].id)
        target.calendar_token = "target-calendar-token"
        db.session.commit()
    ids["calendar_token"] = "target-calendar-token"
    ids["training_event"] = add_event(app, ids["target"].id, title="First aid", kind="training")
    ids.update(_training_of(app, ids["target"].id))
    from association.forum.models import Category
    from association.forum.posting import start_thread
    from tests.forum.helpers import make_trusted

    with app.app_context():
        category = Category(name="Peer support")
        db.session.add(category)
        db.session.commit()
        ids["category"] = category.id
    make_trusted(app, ids["target"].id)
    with app.app_context():
        outcome = start_thread(
            db.session.get(Category, ids["category"]),
            db.session.get(Member, ids["target"].id),
            "Bedtime routines",
            "What helped your family?",
        )
        ids["thread"], ids["post"] = outcome.post.thread_id, outcome.post.id
    from datetime import timedelta

    from association.core.database import utcnow
    from association.strategy.items import NewItem, raise_item
    from association.strategy.meetings import Attendee, MeetingDetails, save_meeting
    from association.strategy.models import PackVersion

    with app.app_context():
        item = raise_item(
            NewItem(kind="issue", what_happened="Calls go unanswered after 3pm"),
            db.session.get(Member, ids["target"].id),
        )
        meeting = save_meeting(
            MeetingDetails(
                held_at=utcnow() + timedelta(days=20),
                attendees=[Attendee("Helen Price", "Team manager", "hp@example.org")],
            )
        )
        versions = [
            PackVersion(
                meeting_id=meeting.id, version=n, html="<p>pack</p>", pdf=b"%PDF", csv="", token=f"pack-token-{n}"
            )
            for n in (1, 2)
        ]
        db.session.add_all(versions)
        db.session.commit()
        ids.update(
            item=item.id,
            meeting=meeting.id,
            version=versions[0].id,
            revocable_version=versions[1].id,
            pack_token="pack-token-1",
        )
    from association.campaigns.models import Campaign

    with app.app_context():
        campaign = Campaign(
            subject="Summer social", body_markdown="Hello {{ first_name }}", topic="news", audience="active"
        )
        db.session.add(campaign)
        db.session.commit()
        ids["campaign"] = campaign.id
    from association.training.models import TrainingTopic

    with app.app_context():
        topic = TrainingTopic(name="First aid", validity_months=36)
        db.session.add(topic)
        db.session.commit()
        ids["topic"] = topic.id
    with app.test_request_context():
        message = queue_email("someone@example.org", "Hello", "password_changed", reset_url="http://x/")
        db.session.commit()
        ids["message"] = message.id
        ids["versions"] = {m.id: m.login_version for m in db.session.query(Member)}
    return ids


def _training_of(app, member_id: int) -> dict:
    """Tara's own training entry, and her certificate of a training she came to."""
    from datetime import date, timedelta

    from association.core.database import utcnow
    from association.training.models import Register, RegisterEntry, TrainingEntry

    with app.app_context():
        entry = TrainingEntry(member_id=member_id, title="Online course", completed_on=date(2026, 1, 5), minutes=90)
        held = utcnow() - timedelta(days=3)
        register = Register(
            title="Safeguarding",
            kind="training",
            held_from=held,
            held_until=held + timedelta(hours=2),
            closes_at=held + timedelta(days=14),
            minutes=120,
        )
        db.session.add_all([entry, register])
        db.session.flush()
        db.session.add(
            RegisterEntry(register_id=register.id, member_id=member_id, attended=True, certificate_code="C" * 32)
        )
        db.session.commit()
        return {"training_entry": entry.id, "certificate_code": "C" * 32}


def _client_as(app, visitor, people):
    client = app.test_client()
    if visitor != "anonymous":
        person = people[visitor]
        # Put the session in place directly: an applicant cannot sign in, and this is what a
        # stolen or stale session cookie would look like.
        with client.session_transaction() as session:
            session["_user_id"] = f"{person.id}.{people['versions'][person.id]}"
            session["_fresh"] = True
    return client


def _url(app, endpoint, values, people):
    resolved = {
        k: (
            people[v].id
            if v in ("applicant", "target", "erasable")
            else people[v]
            if v
            in (
                "message",
                "event",
                "calendar_token",
                "category",
                "thread",
                "post",
                "item",
                "meeting",
                "version",
                "revocable_version",
                "pack_token",
                "campaign",
                "training_event",
                "training_entry",
                "certificate_code",
                "topic",
            )
            else v
        )
        for k, v in values.items()
    }
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **resolved)


def _outcome(response) -> str:
    if response.status_code in (302, 303) and "/login" in response.headers.get("Location", ""):
        return "login"
    if response.status_code in (401, 403):
        return "forbidden"
    if response.status_code == 404:
        return "hidden"
    return "allowed"


@pytest.mark.parametrize("visitor", VISITORS)
def test_access_rules_are_enforced(app, people, visitor):
    failures = []
    for rule in app.url_map.iter_rules():
        expected_by_visitor, values = RULES[rule.endpoint]
        expected = expected_by_visitor[visitor]
        url = _url(app, rule.endpoint, values, people)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            client = _client_as(app, visitor, people)
            response = client.open(url, method=method)
            got = _outcome(response)
            if rule.endpoint == "auth.logout" and got == "login":
                got = "allowed"  # signing out ends on the sign-in page, for everyone
            if got != expected:
                failures.append(f"{method} {url}: expected {expected}, got {got} ({response.status_code})")
    assert not failures, "\n".join(failures)
