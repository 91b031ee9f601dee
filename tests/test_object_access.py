"""Authorisation per action, not per page: every POST on an object checks that the acting member
may see that object, not only that they hold the role.

For each role, the ``world`` holds objects that role cannot see (a category restricted to another
role with its thread and post, a held thread, a deleted, hidden or held post of someone else, a
strategy-only event, a declined, merged or unreviewed feedback item, an erased member…). Every
POST route of ``app.url_map`` whose URL takes an object id is called with each of them and must
refuse (403 or 404) with nothing changed in the database.

A new POST route with an object id and no entry in ``RULES`` fails
``test_every_object_route_has_a_rule``: say how to build objects each role may not act on, or
why a role sees every object of that kind (``ALL_VISIBLE``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from association.core.database import utcnow
from association.extensions import db
from association.members.models import Member

ROLES = ("member", "moderator", "strategy", "committee", "admin")
ROLE_ROWS = {
    "member": [],
    "moderator": ["moderator"],
    "strategy": ["strategy"],
    "committee": ["committee"],
    "admin": ["admin"],
}
RESTRICTIONS = ("committee", "moderator", "strategy")


def holds(role: str, *roles: str) -> bool:
    """The role check as the app states it: admins pass every one."""
    return role == "admin" or any(r in ROLE_ROWS[role] for r in roles)


@dataclass
class World:
    people: dict[str, int] = field(default_factory=dict)
    versions: dict[int, int] = field(default_factory=dict)
    categories: dict[str | None, int] = field(default_factory=dict)  # restricted_to -> id
    threads: dict[str, int] = field(default_factory=dict)  # restricted_to or a name -> id
    posts: dict[str, int] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)
    meeting: int = 0
    pack_versions: list[int] = field(default_factory=list)
    campaign: int = 0
    message: int = 0
    training_entry: int = 0  # the author's own training entry
    topic: int = 0
    data: dict = field(default_factory=dict)

    # --- what a role cannot see, written out here rather than asked of the app ---------------
    def hidden_categories(self, role):
        return [cid for restricted, cid in self.categories.items() if restricted and not holds(role, restricted)]

    def hidden_threads(self, role):
        found = [self.threads[r] for r in RESTRICTIONS if not holds(role, r)]
        if not holds(role, "moderator"):
            found.append(self.threads["held"])  # its opening post waits: its author and moderators only
        return found

    def hidden_posts(self, role):
        found = [self.posts[r] for r in RESTRICTIONS if not holds(role, r)]
        found.append(self.posts["deleted"])  # deleted by its author: nobody reads it
        if not holds(role, "moderator"):
            found += [self.posts["hidden"], self.posts["held"], self.posts["held_thread"]]
        return found

    def hidden_events(self, role):
        return [] if holds(role, "strategy") else [self.events["strategy"]]


def _ids(name, values):
    return [{name: v} for v in values]


def gated(roles: tuple[str, ...], everything: Callable, visible_rule: Callable | None = None):
    """A route for ``roles`` only: anyone else is refused on every object of its kind; a role that
    passes is refused on the ones it cannot see (``visible_rule``)."""

    def build(world: World, role: str):
        if not holds(role, *roles):
            return everything(world)
        return visible_rule(world, role) if visible_rule else []

    return build


def actions(*names: str):
    return names


@dataclass
class Rule:
    objects: Callable[[World, str], list[dict]]
    actions: tuple[str, ...] = ()
    # Refused with the reason on the page (a redirect back, the reason flashed), not a 403/404:
    # the object is one the member can see, the action just may not be taken on it.
    by_message: bool = False


def _threads(w):
    return [w.threads[k] for k in ("committee", "moderator", "strategy", "held", "public")]


def _posts(w):
    return [w.posts[k] for k in ("committee", "moderator", "strategy", "deleted", "hidden", "held", "public")]


def _items(w):
    return list(w.items.values())


RULES: dict[str, Rule] = {
    # forum: members' actions go through the thread and post pages' own rule
    "forum.new_thread": Rule(lambda w, r: _ids("category_id", w.hidden_categories(r))),
    "forum.watch_category": Rule(lambda w, r: _ids("category_id", w.hidden_categories(r))),
    "forum.reply": Rule(lambda w, r: _ids("thread_id", w.hidden_threads(r))),
    "forum.watch": Rule(lambda w, r: _ids("thread_id", w.hidden_threads(r))),
    "forum.edit": Rule(lambda w, r: _ids("post_id", w.hidden_posts(r))),
    "forum.delete": Rule(lambda w, r: _ids("post_id", w.hidden_posts(r))),
    "forum.report": Rule(lambda w, r: _ids("post_id", w.hidden_posts(r))),
    # moderation: the moderator's role, and then the same visibility as the pages
    "forum.moderate_post": Rule(
        gated(("moderator",), lambda w: _ids("post_id", _posts(w)), lambda w, r: _ids("post_id", w.hidden_posts(r))),
        actions("approve", "hide", "restore"),
    ),
    "forum.moderate_thread": Rule(
        gated(
            ("moderator",),
            lambda w: _ids("thread_id", _threads(w)),
            lambda w, r: _ids("thread_id", w.hidden_threads(r)),
        ),
        actions("lock", "unlock", "pin", "unpin", "move"),
    ),
    "forum.moderate_member": Rule(
        gated(
            ("moderator",),
            lambda w: _ids("member_id", [w.people["author"]]),
            lambda w, r: _ids("member_id", [w.people["erased"], w.people["applicant"]]),
        ),
        actions("warn", "suspend"),
        by_message=True,
    ),
    "forum.edit_category": Rule(gated(("admin",), lambda w: _ids("category_id", w.categories.values()))),
    # events: seeing the event first, then managing it (admins, the committee, its organiser)
    "events.rsvp": Rule(lambda w, r: _ids("event_id", w.hidden_events(r))),
    **{
        endpoint: Rule(
            gated(
                ("committee",),
                lambda w: _ids("event_id", w.events.values()),
                lambda w, r: _ids("event_id", w.hidden_events(r)),
            )
        )
        for endpoint in (
            "events.edit",
            "events.cancel",
            "events.end_series",
            "training.save_register",
            "training.add_walk_in",
            "training.add_guest",
            "training.course",
        )
    },
    "training.remove_line": Rule(
        gated(
            ("committee",),
            lambda w: [{"event_id": e, "entry_id": 1} for e in w.events.values()],
            lambda w, r: [{"event_id": e, "entry_id": 1} for e in w.hidden_events(r)],
        )
    ),
    # training: a member's own entries are theirs alone (admins included)
    "training.delete_entry": Rule(lambda w, r: [{"entry_id": w.training_entry}]),
    # strategy: members support only what is open to them; the workspace is the group's
    **{
        endpoint: Rule(lambda w, r: _ids("item_id", [w.items[k] for k in ("declined", "merged", "unreviewed")]))
        for endpoint in ("strategy.support", "strategy.withdraw_support")
    },
    "strategy.triage": Rule(gated(("strategy",), lambda w: _ids("item_id", _items(w)))),
    "strategy.item_action": Rule(
        gated(("strategy",), lambda w: _ids("item_id", _items(w))), actions("merge", "decline", "reviewed")
    ),
    "strategy.outcome": Rule(
        gated(("strategy",), lambda w: [{"meeting_id": w.meeting, "item_id": i} for i in _items(w)])
    ),
    "strategy.meeting": Rule(gated(("strategy",), lambda w: _ids("meeting_id", [w.meeting]))),
    "strategy.issue": Rule(gated(("strategy",), lambda w: _ids("meeting_id", [w.meeting]))),
    "strategy.revoke": Rule(gated(("strategy",), lambda w: _ids("version_id", w.pack_versions))),
    # campaigns and the outbox
    **{
        endpoint: Rule(gated(("committee",), lambda w: _ids("campaign_id", [w.campaign])))
        for endpoint in (
            "campaigns.edit",
            "campaigns.test",
            "campaigns.send",
            "campaigns.schedule_send",
            "campaigns.cancel_schedule",
            "campaigns.cancel",
        )
    },
    "admin.retry_message": Rule(gated(("admin",), lambda w: _ids("message_id", [w.message]))),
    # the committee's training topics
    **{
        endpoint: Rule(gated(("committee",), lambda w: _ids("topic_id", [w.topic])))
        for endpoint in ("training.edit_topic", "training.retire_topic", "training.restore_topic")
    },
    # the registry: an erased member is nobody's to edit
    "admin.edit_member": Rule(
        gated(
            ("committee",),
            lambda w: _ids("member_id", [w.people["author"]]),
            lambda w, r: _ids("member_id", [w.people["erased"]]),
        )
    ),
    **{
        endpoint: Rule(
            gated(
                ("admin",),
                lambda w: _ids("member_id", [w.people["author"]]),
                lambda w, r: _ids("member_id", [w.people["erased"]]),
            )
        )
        for endpoint in ("admin.link_household", "admin.unlink_household", "admin.erase_member")
    },
    **{
        endpoint: Rule(
            gated(
                ("committee",),
                lambda w: _ids("member_id", [w.people["applicant"]]),
                lambda w, r: _ids("member_id", [w.people["erased"], w.people["author"]]),
            ),
            by_message=True,
        )
        for endpoint in ("admin.approve_application", "admin.decline_application")
    },
}

# (endpoint, role) -> why that role sees every object the route acts on: nothing to refuse.
_ADMIN_SEES_ALL = "admins see every category, event, item, meeting, campaign and message"
_GROUP_SEES_ALL = "the strategy group sees every item, meeting and pack it works on"
ALL_VISIBLE: dict[tuple[str, str], str] = {
    **{
        (e, "admin"): _ADMIN_SEES_ALL
        for e in (
            "forum.new_thread",
            "forum.watch_category",
            "forum.reply",
            "forum.watch",
            "forum.moderate_thread",
            "forum.edit_category",
            "events.rsvp",
            "events.edit",
            "events.cancel",
            "events.end_series",
            "training.save_register",
            "training.add_walk_in",
            "training.add_guest",
            "training.remove_line",
            "training.course",
            "strategy.triage",
            "strategy.item_action",
            "strategy.outcome",
            "strategy.meeting",
            "strategy.issue",
            "strategy.revoke",
            "campaigns.edit",
            "campaigns.test",
            "campaigns.send",
            "campaigns.schedule_send",
            "campaigns.cancel_schedule",
            "campaigns.cancel",
            "admin.retry_message",
            "training.edit_topic",
            "training.retire_topic",
            "training.restore_topic",
        )
    },
    **{
        (e, "strategy"): _GROUP_SEES_ALL
        for e in (
            "strategy.triage",
            "strategy.item_action",
            "strategy.outcome",
            "strategy.meeting",
            "strategy.issue",
            "strategy.revoke",
        )
    },
    ("events.rsvp", "strategy"): "the strategy group sees every event (public, members' and its own)",
    **{
        (e, "committee"): "the committee keeps every training topic, retired ones too"
        for e in ("training.edit_topic", "training.retire_topic", "training.restore_topic")
    },
    **{
        (e, "committee"): "the committee sees every campaign it may send"
        for e in (
            "campaigns.edit",
            "campaigns.test",
            "campaigns.send",
            "campaigns.schedule_send",
            "campaigns.cancel_schedule",
            "campaigns.cancel",
        )
    },
}


def object_routes(app):
    """POST rules whose URL names an object by its id."""
    found = {}
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        ids = [
            name
            for name, conv in rule._converters.items()
            if isinstance(conv, IntegerConverter) or name.endswith("_id")
        ]
        if ids:
            found[rule.endpoint] = rule
    return found


def test_every_object_route_has_a_rule(app):
    endpoints = set(object_routes(app))
    missing = sorted(endpoints - set(RULES))
    assert not missing, f"POST routes on an object without a rule in tests/test_object_access.py: {missing}"
    stale = sorted(set(RULES) - endpoints)
    assert not stale, f"rules for routes that no longer exist: {stale}"
    for endpoint, rule in object_routes(app).items():
        assert ("action" in rule.arguments) == bool(RULES[endpoint].actions), (
            f"{endpoint}: list the actions its <action> takes"
        )


# --- the world ---------------------------------------------------------------------------------


def _add_thread(
    category_id: int, author_id: int, title: str, statuses: list[str], held: bool = False
) -> tuple[int, list[int]]:
    from association.forum.models import Post, Thread
    from association.forum.posting import refresh_counts

    thread = Thread(category_id=category_id, title=title, author_id=author_id, held=held)
    db.session.add(thread)
    db.session.flush()
    posts = []
    for number, status in enumerate(statuses, start=1):
        post = Post(
            thread_id=thread.id,
            number=number,
            author_id=author_id,
            body_md=f"{title}: post {number}",
            body_html=f"<p>{title}: post {number}</p>",
            status=status,
            hidden_reason="Unkind" if status == "hidden" else None,
            held_reason="new_member" if status == "held" else None,
        )
        db.session.add(post)
        db.session.flush()
        posts.append(post.id)
    thread.last_post_number = len(statuses)
    refresh_counts(thread)
    return thread.id, posts


@pytest.fixture
def world(app, make_member) -> World:
    from association.campaigns.models import Campaign
    from association.forum.models import Category
    from association.mail.outbox import queue_email
    from association.members.registry import erase_member
    from association.strategy.items import NewItem, decline, merge, raise_item
    from association.strategy.meetings import Attendee, MeetingDetails, save_meeting
    from association.strategy.models import PackVersion
    from tests.events.helpers import add_event

    w = World()
    for role in ROLES:
        w.people[role] = make_member(f"{role.capitalize()} Person", roles=ROLE_ROWS[role]).id
    w.people["author"] = make_member("Tara Target").id
    w.people["newcomer"] = make_member("Nina Newcomer").id
    w.people["applicant"] = make_member("Ann Applicant", status="applicant").id
    w.people["erased"] = make_member("Eve Erased").id
    w.events["strategy"] = add_event(
        app, w.people["admin"], title="Strategy group planning", visibility="strategy", kind="strategy"
    )
    w.events["members"] = add_event(app, w.people["admin"], title="Coffee morning", visibility="members")
    with app.app_context():
        from datetime import date

        from association.training.models import TrainingEntry

        entry = TrainingEntry(
            member_id=w.people["author"], title="Online course", completed_on=date(2026, 1, 5), minutes=90
        )
        db.session.add(entry)
        db.session.commit()
        w.training_entry = entry.id
    with app.app_context():
        admin = db.session.get(Member, w.people["admin"])
        erase_member(db.session.get(Member, w.people["erased"]), admin)
        author, newcomer = w.people["author"], w.people["newcomer"]
        for restricted in (None, *RESTRICTIONS):
            category = Category(name=f"Room for {restricted or 'everyone'}", restricted_to=restricted)
            db.session.add(category)
            db.session.flush()
            w.categories[restricted] = category.id
        for restricted in RESTRICTIONS:
            w.threads[restricted], (w.posts[restricted],) = _add_thread(
                w.categories[restricted], author, f"Only for {restricted}", ["visible"]
            )
        w.threads["public"], posts = _add_thread(
            w.categories[None], author, "Bedtime routines", ["visible", "deleted", "hidden", "visible"]
        )
        w.posts["public"], w.posts["deleted"], w.posts["hidden"] = posts[:3]
        _, (w.posts["held"],) = _add_thread(w.categories[None], newcomer, "Anyone near the river?", ["visible"])
        from association.forum.models import Post

        db.session.get(Post, w.posts["held"]).status = "held"
        w.threads["held"], (w.posts["held_thread"],) = _add_thread(
            w.categories[None], newcomer, "My first thread", ["held"], held=True
        )
        db.session.commit()

        tara = db.session.get(Member, author)
        open_item = raise_item(NewItem(kind="issue", what_happened="Calls go unanswered after 3pm"), tara)
        declined = raise_item(NewItem(kind="issue", what_happened="Parking at the office"), tara)
        decline(declined, admin, "Not something the service can change")
        merged = raise_item(NewItem(kind="issue", what_happened="Nobody answers after three"), tara)
        merge(merged, open_item, admin)
        unreviewed = raise_item(NewItem(kind="issue", what_happened="Ring me on 07700 900123 about respite"), tara)
        w.items = {"open": open_item.id, "declined": declined.id, "merged": merged.id, "unreviewed": unreviewed.id}
        meeting = save_meeting(
            MeetingDetails(
                held_at=utcnow() + timedelta(days=20),
                attendees=[Attendee("Helen Price", "Team manager", "hp@example.org")],
            )
        )
        w.meeting = meeting.id
        versions = [
            PackVersion(
                meeting_id=meeting.id, version=n, html="<p>pack</p>", pdf=b"%PDF", csv="", token=f"object-access-{n}"
            )
            for n in (1, 2)
        ]
        campaign = Campaign(
            subject="Summer social", body_markdown="Hello {{ first_name }}", topic="news", audience="active"
        )
        from association.training.models import TrainingTopic

        topic = TrainingTopic(name="First aid", validity_months=36)
        db.session.add_all([*versions, campaign, topic])
        db.session.commit()
        w.pack_versions, w.campaign, w.topic = [v.id for v in versions], campaign.id, topic.id
        w.versions = {m.id: m.login_version for m in db.session.scalars(select(Member))}
    with app.test_request_context():
        message = queue_email("someone@example.org", "Hello", "password_changed", reset_url="http://x/")
        db.session.commit()
        w.message = message.id
    # Fields that would let each form through, so a missing check shows as a change, not a form error.
    w.data = {
        "reason": "Because it needed doing",
        "body": "A reply about bedtime routines",
        "title": "A thread",
        "category_id": str(w.categories[None]),
        "response": "going",
        "adults": "1",
        "children": "0",
        "target_id": str(w.items["open"]),
        "pack_wording": "Calls go unanswered",
        "theme_id": "0",
        "meeting_id": "0",
        **{f"came-{w.people[r]}": "yes" for r in ROLES},
        "subject": "Hello",
        "body_markdown": "Hello all",
        "topic": "news",
        "audience": "active",
        "name": "Someone Else",
        "renewal_date": "2031-01-31",
        "action": "Call back within a day",
        "owner": "service",
        "status": "open",
        "last_date": "2031-01-31",
        "partner_email": "tara@example.org",
        "confirm": "y",
        "description": "",
        "position": "1",
        "date": "2031-01-31",
        "time": "10:00",
    }
    return w


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, in key order."""
    rows = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows[table.name] = [tuple(r) for r in db.session.execute(select(table).order_by(*order))]
    db.session.rollback()
    return rows


def _client_as(app, world: World, role: str):
    client = app.test_client()
    person = world.people[role]
    with client.session_transaction() as session:
        session["_user_id"] = f"{person}.{world.versions[person]}"
        session["_fresh"] = True
    return client


def _url(app, endpoint: str, values: dict) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)


def _refusal(response, client, by_message: bool) -> str | None:
    """None when the response refuses; otherwise what it did instead."""
    if response.status_code in (403, 404):
        return None
    if by_message and response.status_code in (302, 303):
        with client.session_transaction() as session:
            flashes = session.get("_flashes", [])
        if any(category == "error" for category, _ in flashes):
            return None
        return f"{response.status_code} without an error message ({flashes})"
    return str(response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_a_role_cannot_act_on_objects_it_cannot_see(app, world, role):
    failures, checked = [], {"refused": 0, "routes": 0}
    with app.app_context():
        before = snapshot()
    for endpoint in sorted(object_routes(app)):
        spec = RULES[endpoint]
        targets = spec.objects(world, role)
        if not targets:
            if (endpoint, role) not in ALL_VISIBLE:
                failures.append(f"{endpoint}: nothing built that {role} cannot see, and no reason in ALL_VISIBLE")
            continue
        assert (endpoint, role) not in ALL_VISIBLE, (
            f"{endpoint} for {role}: objects built, so drop the ALL_VISIBLE entry"
        )
        checked["routes"] += 1
        for values in targets:
            for action in spec.actions or (None,):
                url = _url(app, endpoint, {**values, **({"action": action} if action else {})})
                client = _client_as(app, world, role)
                try:
                    response = client.post(url, data=world.data)
                except Exception as error:  # a 500 in testing: record it and go on to the next
                    failures.append(f"POST {url} as {role}: raised {type(error).__name__}")
                    with app.app_context():
                        db.session.rollback()
                else:
                    refused = _refusal(response, client, spec.by_message)
                    if refused is not None:
                        failures.append(f"POST {url} as {role}: {refused}")
                with app.app_context():
                    after = snapshot()
                changed = sorted(name for name in before if before[name] != after[name])
                if changed:
                    failures.append(f"POST {url} as {role} changed {changed}")
                    before = after
                checked["refused"] += 1
    assert not failures, "\n".join(failures)
    assert checked["routes"] >= 10 and checked["refused"] >= 20, checked


def test_a_cancelled_event_takes_no_replies(app, world):
    """Visible, but closed: the reply is refused with the reason and nothing is stored."""
    from association.events.models import Event

    with app.app_context():
        db.session.get(Event, world.events["members"]).status = "cancelled"
        db.session.commit()
        before = snapshot()
    client = _client_as(app, world, "member")
    response = client.post(f"/events/{world.events['members']}/rsvp", data=world.data, follow_redirects=True)
    assert "This event has been cancelled." in response.data.decode()
    with app.app_context():
        assert snapshot() == before


def test_raising_a_post_its_author_can_no_longer_read_copies_nothing(app, world):
    """A GET acting on an object: the raise page copies a forum post only while its author can read
    it there (a thread moved into the committee's room is no longer theirs to copy)."""
    from association.forum.models import Thread

    with app.app_context():
        db.session.get(Thread, world.threads["public"]).category_id = world.categories["committee"]
        db.session.commit()
    page = _client_as(app, world, "author").get(f"/strategy/items/new?from_post={world.posts['public']}")
    assert page.status_code == 200
    assert "Bedtime routines: post 1" not in page.data.decode()
