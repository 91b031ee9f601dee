"""The weekly digest: only for members who turned it on, only what each may see, nothing when
there is nothing to say, never the name of whoever raised a strategy item, and the same number
of queries for 5 members as for 50."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, event, select

from association.campaigns.digest import weekly_digest
from association.core.database import utcnow
from association.core.timefmt import local_today
from association.events.display import event_when
from association.events.models import Event
from association.extensions import db
from association.forum.models import CategoryWatch, Post, Thread
from association.mail.jobs import daily_jobs, run_due_jobs
from association.mail.models import OutboxMessage
from association.mail.preferences import MailPreferences
from association.mail.worker import deliver_due
from association.members.models import Member
from association.strategy.models import FeedbackItem, PackVersion, ServiceMeeting
from association.strategy.outcomes import record_outcome
from tests.events.helpers import add_event
from tests.forum.helpers import add_category
from tests.smtp import html_part, text_part
from tests.strategy.helpers import add_item, add_meeting, add_theme


@pytest.fixture
def digest_day(app):
    """Make today the digest day, whatever day the tests run."""
    with app.app_context():
        app.config["WEEKLY_DIGEST_WEEKDAY"] = local_today().weekday()


def _opt_in(app, *member_ids, weekly=True):
    with app.app_context():
        for member_id in member_ids:
            db.session.add(MailPreferences(member_id=member_id, weekly_digest=weekly))
        db.session.commit()


def _watch(app, member_id, *category_ids):
    with app.app_context():
        db.session.add_all(CategoryWatch(member_id=member_id, category_id=c) for c in category_ids)
        db.session.commit()


def _thread(app, category_id, author_id, title, *, days_ago=1, held=False, body="What helped you?"):
    """A thread as posting leaves it, started ``days_ago`` days ago."""
    with app.app_context():
        when = utcnow() - timedelta(days=days_ago)
        thread = Thread(
            category_id=category_id,
            title=title,
            author_id=author_id,
            created_at=when,
            last_post_at=when,
            last_post_number=1,
            visible_posts=0 if held else 1,
            held=held,
        )
        db.session.add(thread)
        db.session.flush()
        db.session.add(
            Post(
                thread_id=thread.id,
                number=1,
                author_id=author_id,
                body_md=body,
                body_html=f"<p>{body}</p>",
                status="held" if held else "visible",
                created_at=when,
            )
        )
        db.session.commit()
        return thread.id


def _outcome(app, item_id, meeting_id, response, action, status="open"):
    with app.app_context():
        record_outcome(
            db.session.get(FeedbackItem, item_id),
            db.session.get(ServiceMeeting, meeting_id),
            response=response,
            action=action,
            owner="service",
            due_on=None,
            status=status,
        )


def _issued(app, meeting_id, version=1):
    """An issued pack version (without rendering the PDF, which is slow and beside the point here)."""
    with app.app_context():
        db.session.add(
            PackVersion(
                meeting_id=meeting_id,
                version=version,
                html="<p>pack</p>",
                pdf=b"%PDF",
                csv="",
                token=f"digest-test-token-{meeting_id}-{version}",
            )
        )
        db.session.commit()


def _digests(app):
    with app.app_context():
        return {
            row.to_address: row
            for row in db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "weekly_digest"))
        }


def _send(app) -> int:
    with app.app_context():
        return weekly_digest()


@pytest.fixture
def week(app, make_member):
    """A week in the association: events, threads in several categories and strategy news."""
    people = {
        "reader": make_member("Rhian Reader"),
        "strategist": make_member("Stef Strategy", roles=["strategy"]),
        "committee": make_member("Cal Committee", roles=["committee"]),
        "poster": make_member("Pat Poster"),
        "author": make_member("Zebedee Quill", email="zebedee.quill@example.org"),
        "named": make_member("Philippa Named", email="philippa.named@example.org"),
    }
    peer, socials = add_category(app, "Peer support"), add_category(app, "Socials")
    committee_room = add_category(app, "Committee room", restricted_to="committee")
    poster = people["poster"].id
    threads = {
        "new": _thread(app, peer, poster, "Bedtime routines that worked"),
        "old": _thread(app, peer, poster, "Last month's question", days_ago=10),
        "held": _thread(app, peer, poster, "Waiting for a moderator", held=True),
        "own": _thread(app, peer, people["reader"].id, "My own question"),
        "unwatched": _thread(app, socials, poster, "Summer picnic plans"),
        "restricted": _thread(app, committee_room, poster, "Budget for next year"),
    }
    organiser = people["committee"].id
    events = {
        "members": add_event(app, organiser, days_ahead=3, title="Coffee morning", visibility="members"),
        "public": add_event(app, organiser, days_ahead=10, title="Open evening", visibility="public"),
        "strategy": add_event(
            app, organiser, days_ahead=5, title="Strategy prep", visibility="strategy", kind="strategy"
        ),
        "far": add_event(app, organiser, days_ahead=20, title="Autumn fair", visibility="members"),
        "past": add_event(app, organiser, days_ahead=-2, title="Last week's meetup", visibility="members"),
        "cancelled": add_event(app, organiser, days_ahead=4, title="Called-off picnic", visibility="members"),
    }
    with app.app_context():
        db.session.get(Event, events["cancelled"]).status = "cancelled"
        db.session.commit()
    theme = add_theme(app, "Short breaks")
    meeting = add_meeting(app, days_ahead=-3)
    strategist = people["strategist"].id
    anonymous_item = add_item(
        app,
        people["author"].id,
        "Short breaks are cancelled at short notice",
        anonymous=True,
        theme_id=theme,
        meeting_id=meeting,
        strategist_id=strategist,
    )
    named_item = add_item(
        app,
        people["named"].id,
        "Mileage forms take months to be paid",
        anonymous=False,
        meeting_id=meeting,
        strategist_id=strategist,
    )
    _issued(app, meeting)
    _outcome(app, anonymous_item, meeting, "We will give two weeks' notice", "New guidance for duty staff")
    _outcome(app, named_item, meeting, "Finance will look at it", "Report back on payment times", "in_progress")
    _watch(app, people["reader"].id, peer, committee_room)  # a stale watch on a category they can't see
    _watch(app, people["committee"].id, committee_room)
    return {
        "people": people,
        "threads": threads,
        "events": events,
        "categories": {"peer": peer, "socials": socials, "committee_room": committee_room},
    }


def test_an_opted_in_member_gets_one_digest_by_the_worker_and_it_arrives(app, smtp, week, digest_day):
    reader = week["people"]["reader"]
    _opt_in(app, reader.id)
    with app.app_context():
        assert daily_jobs()["weekly-digest"] is weekly_digest
        assert "weekly-digest" in run_due_jobs()
        deliver_due()
    [message] = smtp.wait_for(reader.email)
    text, html = text_part(message), html_part(message)
    assert message["Subject"].startswith("Your weekly digest")
    for heading in ("Coming up", "New in the forum", "From the strategy group"):
        assert heading in text and heading in html
    # Coming up: the next fortnight's events this member may see, with when and an absolute link.
    assert "Coffee morning" in text and "Open evening" in text
    base = app.config["BASE_URL"].rstrip("/")
    assert f"{base}/events/{week['events']['members']}" in text
    assert f'href="{base}/events/{week["events"]["members"]}"' in html
    with app.app_context():
        assert event_when(db.session.get(Event, week["events"]["members"])) in text
    assert text.index("Coffee morning") < text.index("Open evening")  # soonest first
    for absent in ("Strategy prep", "Autumn fair", "Last week's meetup", "Called-off picnic"):
        assert absent not in text and absent not in html
    # New in the forum: new, approved threads in watched categories, not the member's own.
    assert "Bedtime routines that worked" in text
    assert f"{base}/forum/t/{week['threads']['new']}" in text
    for absent in (
        "Last month's question",
        "Waiting for a moderator",
        "My own question",
        "Summer picnic plans",
        "Budget for next year",
        "Committee room",
    ):
        assert absent not in text and absent not in html
    # From the strategy group: the pack went, and what the service said.
    assert "feedback pack" in text
    assert "We will give two weeks' notice" in text and "Report back on payment times" in text
    assert f"{base}/strategy/you-said-we-did" in text
    assert "You get this weekly digest because you turned it on." in text
    assert "You get this weekly digest because you turned it on." in html
    with app.app_context():
        [row] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.member_id == reader.id))
        assert row.kind == "digest" and row.status == "sent"


def test_members_who_did_not_opt_in_get_nothing(app, week, digest_day, make_member):
    people = week["people"]
    never_chose = make_member("Nia Nochoice")
    said_no = make_member("Noel No")
    _opt_in(app, said_no.id, weekly=False)
    for person in (never_chose, said_no):
        _watch(app, person.id, week["categories"]["peer"])
    _opt_in(app, people["reader"].id)
    assert _send(app) == 1
    assert set(_digests(app)) == {people["reader"].email}


def test_strategy_only_events_reach_only_the_strategy_group(app, week, digest_day):
    people = week["people"]
    _opt_in(app, people["reader"].id, people["strategist"].id)
    _send(app)
    digests = _digests(app)
    assert "Strategy prep" in digests[people["strategist"].email].text_body
    assert "Strategy prep" in digests[people["strategist"].email].html_body
    assert "Strategy prep" not in digests[people["reader"].email].text_body
    assert "Strategy prep" not in digests[people["reader"].email].html_body


def test_threads_only_from_watched_categories_the_member_may_see(app, week, digest_day):
    people = week["people"]
    _opt_in(app, people["reader"].id, people["committee"].id, people["poster"].id)
    _send(app)
    digests = _digests(app)
    reader, committee = digests[people["reader"].email], digests[people["committee"].email]
    assert "Budget for next year" not in reader.text_body and "Summer picnic plans" not in reader.text_body
    # The committee member watches the restricted category and may see it.
    assert "Budget for next year" in committee.text_body and "Bedtime routines" not in committee.text_body
    # Someone watching nothing still gets the events and news, without a forum section.
    assert "New in the forum" not in digests[people["poster"].email].text_body


def test_a_watch_kept_after_losing_the_role_shows_nothing_from_that_category(app, week, digest_day):
    people = week["people"]
    _opt_in(app, people["committee"].id)
    with app.app_context():
        member = db.session.get(Member, people["committee"].id)
        member.role_rows.clear()
        db.session.commit()
    _send(app)
    assert "Budget for next year" not in _digests(app)[people["committee"].email].text_body


def test_an_empty_digest_is_not_sent(app, digest_day, make_member):
    quiet = make_member("Quinn Quiet")
    organiser = make_member("Oli Organiser", roles=["committee"])
    _opt_in(app, quiet.id)
    # Only things this member may not see: a strategy-group event, a thread in a restricted category.
    add_event(app, organiser.id, days_ahead=2, title="Strategy prep", visibility="strategy")
    restricted = add_category(app, "Committee room", restricted_to="committee")
    _thread(app, restricted, organiser.id, "Budget for next year")
    _watch(app, quiet.id, restricted)
    assert _send(app) == 0
    assert _digests(app) == {}


def test_nothing_is_sent_on_other_days(app, week):
    _opt_in(app, week["people"]["reader"].id)
    with app.app_context():
        app.config["WEEKLY_DIGEST_WEEKDAY"] = (local_today().weekday() + 1) % 7
    assert _send(app) == 0
    assert _digests(app) == {}


def test_the_digest_weekday_defaults_to_monday(app, week):
    _opt_in(app, week["people"]["reader"].id)
    app.config.pop("WEEKLY_DIGEST_WEEKDAY", None)
    with app.app_context():
        monday = local_today().weekday() == 0
    assert (_send(app) == 1) is monday


def test_feedback_authors_are_never_named(app, week, digest_day):
    people = week["people"]
    _opt_in(app, people["reader"].id, people["strategist"].id, people["committee"].id)
    assert _send(app) == 3
    for row in _digests(app).values():
        assert "Short breaks are cancelled at short notice" in row.text_body  # the wording, so the news is there
        for body in (row.text_body, row.html_body, row.subject):
            for name in ("Zebedee", "Quill", "zebedee.quill", "Philippa", "philippa.named"):
                assert name not in body


def test_queries_do_not_grow_with_the_number_of_members(app, digest_day, make_member):
    organiser = make_member("Oli Organiser", roles=["committee"])
    peer = add_category(app, "Peer support")
    restricted = add_category(app, "Committee room", restricted_to="committee")
    _thread(app, peer, organiser.id, "Bedtime routines")
    _thread(app, restricted, organiser.id, "Budget for next year")
    add_event(app, organiser.id, days_ahead=2, title="Coffee morning")
    add_event(app, organiser.id, days_ahead=3, title="Strategy prep", visibility="strategy")
    meeting = add_meeting(app, days_ahead=-1)
    _issued(app, meeting)
    with app.app_context():
        engine = db.engine

    def grow(upto: int, start: int) -> None:
        for n in range(start, upto):
            roles = [("strategy", "committee", "moderator")[n % 3]] if n % 2 else []
            member = make_member(f"Member {n}", roles=roles)
            _opt_in(app, member.id)
            _watch(app, member.id, peer, restricted)

    def run() -> tuple[int, list[str]]:
        with app.app_context():
            db.session.execute(delete(OutboxMessage))
            db.session.commit()
        statements: list[str] = []

        def record(_conn, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            sent = _send(app)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return sent, statements

    grow(5, 0)
    few_sent, few = run()
    grow(50, 5)
    many_sent, many = run()
    assert (few_sent, many_sent) == (5, 50)

    def reads(statements):
        return [s for s in statements if not s.lstrip().upper().startswith("INSERT INTO OUTBOX_MESSAGES")]

    assert len(reads(few)) == len(reads(many)), f"{len(reads(few))} statements for 5 members, {len(reads(many))} for 50"
    if engine.dialect.name == "postgresql":
        # The outbox rows go in one batched INSERT; SQLite's driver inserts them one by one (it
        # can't return new ids in order from a batch), so there only the reads are compared.
        assert len(few) == len(many), f"{len(few)} statements for 5 members, {len(many)} for 50"
