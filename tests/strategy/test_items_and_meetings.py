"""Raising, supporting, merging and declining items; the meeting cadence; bad input stores nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from association.core.database import utcnow
from association.extensions import db
from association.members.models import Member
from association.strategy.items import ItemError, decline, merge, raised_by, support
from association.strategy.meetings import Attendee, MeetingDetails, MeetingError, proposed_date, save_meeting
from association.strategy.models import FeedbackItem, ItemSupport, ServiceMeeting
from tests.support import sign_in

from .helpers import ATTENDEE, add_item, add_theme


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_raise_an_item_through_the_form_and_follow_it(app, make_member):
    add_theme(app)
    jo = make_member("Jo Carer")
    client = sign_in(app.test_client(), jo)
    response = client.post(
        "/strategy/items/new",
        data={
            "kind": "issue",
            "theme_id": "1",
            "what_happened": "Mileage takes two months to be paid",
            "what_would_help": "Pay within 30 days",
            "named": "anonymous",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        item = db.session.scalar(select(FeedbackItem))
        assert item.anonymous and item.author_id == jo.id and item.pack_wording == item.what_happened
    assert "Mileage takes two months" in client.get("/strategy/items/mine").data.decode()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "complaint"}, "Not a valid choice"),
        ({"what_happened": ""}, "Tell us what happened"),
        ({"what_happened": "x" * 4001}, "4000"),
        ({"named": "maybe"}, "Not a valid choice"),
        ({"theme_id": "999"}, "Not a valid choice"),
    ],
)
def test_bad_items_get_a_clear_message_and_store_nothing(app, make_member, data, message):
    add_theme(app)
    client = sign_in(app.test_client(), make_member("Jo Carer"))
    form = {"kind": "issue", "theme_id": "0", "what_happened": "Something", "named": "named", **data}
    response = client.post("/strategy/items/new", data=form)
    assert message in response.data.decode()
    assert _count(app, FeedbackItem) == 0


def test_support_once_and_not_for_your_own_item(app, make_member):
    jo, sam = make_member("Jo Carer"), make_member("Sam Other")
    item_id = add_item(app, jo.id)
    with app.app_context():
        item = db.session.get(FeedbackItem, item_id)
        assert support(item, db.session.get(Member, sam.id)) is True
        # A second press (a double click, another tab) changes nothing and is no error.
        assert support(item, db.session.get(Member, sam.id)) is False
        with pytest.raises(ItemError, match="You raised this"):
            support(item, db.session.get(Member, jo.id))
        assert item.support_count == 1 and raised_by(item) == 2
    assert _count(app, ItemSupport) == 1
    client = sign_in(app.test_client(), sam)
    again = client.post(f"/strategy/items/{item_id}/support", follow_redirects=True).data.decode()
    assert "already" not in again and "Problem" not in again
    assert "You said this affects you too" in again


def test_merging_keeps_authors_and_supporters(app, make_member):
    a, b, c, d = (make_member(n) for n in ("Ann", "Ben", "Cat", "Dan"))
    target_id, duplicate_id = add_item(app, a.id), add_item(app, b.id, "Duty team never calls back")
    with app.app_context():
        target, duplicate = db.session.get(FeedbackItem, target_id), db.session.get(FeedbackItem, duplicate_id)
        support(duplicate, db.session.get(Member, c.id))
        support(duplicate, db.session.get(Member, a.id))  # the target's author supported the duplicate
        support(target, db.session.get(Member, d.id))
        strategist = db.session.get(Member, d.id)
        with pytest.raises(ItemError, match="into itself"):
            merge(target, target, strategist)
        merge(duplicate, target, strategist)
        assert duplicate.status == "merged" and duplicate.merged_into_id == target.id
        assert raised_by(target) == 4  # Ann, Ben (merged author), Cat and Dan
        with pytest.raises(ItemError, match="already merged"):
            merge(duplicate, target, strategist)


def test_declining_needs_a_reason_the_author_sees(app, make_member):
    jo = make_member("Jo Carer")
    item_id = add_item(app, jo.id)
    with app.app_context():
        item = db.session.get(FeedbackItem, item_id)
        with pytest.raises(ItemError, match="Give a reason"):
            decline(item, db.session.get(Member, jo.id), " ")
        decline(item, db.session.get(Member, jo.id), "Raised at the regional forum instead")
    page = sign_in(app.test_client(), jo).get("/strategy/items/mine").data.decode()
    assert "regional forum" in page


def test_meeting_cadence_six_to_eight_weeks(app):
    with app.app_context():
        first = save_meeting(MeetingDetails(held_at=utcnow() - timedelta(weeks=7), attendees=[ATTENDEE]))
        assert proposed_date() == first.held_at + timedelta(weeks=7)
        in_window = save_meeting(
            MeetingDetails(held_at=first.held_at + timedelta(weeks=6, days=3), attendees=[ATTENDEE])
        )
        assert in_window.date_reason == ""
        with pytest.raises(MeetingError, match="6 to 8 weeks"):
            save_meeting(MeetingDetails(held_at=in_window.held_at + timedelta(weeks=10), attendees=[ATTENDEE]))
        with pytest.raises(MeetingError, match="6 to 8 weeks"):
            save_meeting(MeetingDetails(held_at=in_window.held_at + timedelta(weeks=3), attendees=[ATTENDEE]))
        late = save_meeting(
            MeetingDetails(
                held_at=in_window.held_at + timedelta(weeks=10), attendees=[ATTENDEE], date_reason="Summer holidays"
            )
        )
        assert late.date_reason == "Summer holidays"
        assert late.cutoff_at == late.held_at - timedelta(days=7)


@pytest.mark.parametrize(
    "details, message",
    [
        (dict(cutoff_at_days=+1), "cut-off for raising items must be before"),
        (dict(attendees=[]), "at least one person"),
        (dict(attendees=[Attendee("", "Manager", "m@example.org")]), "needs a name"),
        (dict(attendees=[Attendee("Helen", "Manager", "not-an-email")]), "isn't a valid email"),
    ],
)
def test_bad_meetings_are_refused_and_nothing_is_stored(app, details, message):
    held = utcnow() + timedelta(days=30)
    details = dict(details)  # the parameter dict is shared between the SQLite and PostgreSQL runs
    with app.app_context():
        cutoff = held + timedelta(days=details.pop("cutoff_at_days")) if "cutoff_at_days" in details else None
        with pytest.raises(MeetingError, match=message):
            save_meeting(MeetingDetails(held_at=held, cutoff_at=cutoff, **{"attendees": [ATTENDEE], **details}))
        db.session.rollback()
    assert _count(app, ServiceMeeting) == 0


def test_meeting_form_explains_a_date_outside_the_window(app, make_member):
    strategist = make_member("Stef Strategy", roles=["strategy"])
    client = sign_in(app.test_client(), strategist)
    with app.app_context():
        save_meeting(MeetingDetails(held_at=utcnow() - timedelta(weeks=1), attendees=[ATTENDEE]))
    day = (utcnow() + timedelta(weeks=1)).date()
    data = {
        "date": day.isoformat(),
        "time": "10:00",
        "attendees-0-name": "Helen Price",
        "attendees-0-role": "Team manager",
        "attendees-0-email": "hp@example.org",
    }
    refused = client.post("/strategy/meetings/new", data=data)
    assert b"6 to 8 weeks" in refused.data
    assert _count(app, ServiceMeeting) == 1
    accepted = client.post("/strategy/meetings/new", data={**data, "date_reason": "Manager on leave"})
    assert accepted.status_code == 302 and _count(app, ServiceMeeting) == 2


def test_reminders_before_and_at_the_cut_off(app, smtp, make_member):
    from association.mail.jobs import run_due_jobs
    from association.mail.preferences import MailPreferences
    from association.mail.worker import deliver_due

    jo, quiet = make_member("Jo Carer"), make_member("Quinn Quiet")
    strategist = make_member("Stef Strategy", roles=["strategy"])
    with app.app_context():
        db.session.add(MailPreferences(member_id=quiet.id, strategy_updates=False))
        save_meeting(
            MeetingDetails(
                held_at=utcnow() + timedelta(days=10), cutoff_at=utcnow() - timedelta(hours=1), attendees=[ATTENDEE]
            )
        )
        assert "strategy-reminders" in run_due_jobs()
        deliver_due()
    assert "raise" in smtp.wait_for(jo.email)[0].get_body(("plain",)).get_content().lower()
    assert smtp.to(quiet.email) == []
    assert any("prepare the pack" in m["Subject"] for m in smtp.wait_for(strategist.email, count=2))


@pytest.mark.parametrize("target", ["99999", "not-a-number", ""])
def test_merging_into_an_item_that_is_not_there_is_refused(app, make_member, target):
    strategist = make_member("Stef Strategy", roles=["strategy"])
    author = make_member("Ann Author")
    item_id = add_item(app, author.id, "Respite is hard to book")
    client = sign_in(app.test_client(), strategist)
    response = client.post(f"/strategy/items/{item_id}/merge", data={"target_id": target}, follow_redirects=True)
    assert "Choose the item to merge into." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(FeedbackItem, item_id).status != "merged"


def test_merging_through_the_form(app, make_member):
    strategist = make_member("Stef Strategy", roles=["strategy"])
    author = make_member("Ann Author")
    duplicate, target = (add_item(app, author.id, text) for text in ("Respite is hard", "Respite is hard to book"))
    client = sign_in(app.test_client(), strategist)
    response = client.post(f"/strategy/items/{duplicate}/merge", data={"target_id": str(target)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/items/{target}/triage")
    with app.app_context():
        assert db.session.get(FeedbackItem, duplicate).merged_into_id == target
