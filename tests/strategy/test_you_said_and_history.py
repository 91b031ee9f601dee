"""'You said, we did' is paged by meeting and costs the same whatever the history; open actions
carry forward exactly as far as they are still open; issuing marks the pack's items raised."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from association.core.database import utcnow
from association.extensions import db
from association.members.models import Member
from association.strategy.issuing import issue_pack
from association.strategy.models import FeedbackItem, ItemOutcome, ServiceMeeting
from association.strategy.outcomes import COMPLETED_SHOWN, MEETINGS_PER_PAGE
from association.strategy.packs import carried_forward, compile_pack, pack_csv
from tests.support import count_queries, sign_in

from .helpers import add_item, add_meeting

AUTHOR = "Philippa Quennell"


@pytest.fixture
def strategist(make_member):
    return make_member("Stef Strategy", roles=["strategy"])


def add_history(app, author_id: int, meetings: int, per_meeting: int = 3) -> list[int]:
    """``meetings`` answered meetings seven weeks apart, oldest first, each with ``per_meeting``
    items: the first done, the rest still open. Returns the meeting ids, oldest first."""
    ids = []
    with app.app_context():
        for n in range(meetings):
            held = utcnow() - timedelta(weeks=7 * (meetings - n))
            meeting = ServiceMeeting(held_at=held, cutoff_at=held - timedelta(days=7))
            db.session.add(meeting)
            db.session.flush()
            for k in range(per_meeting):
                item = FeedbackItem(
                    kind="issue",
                    what_happened=f"Meeting {n} item {k}",
                    status="raised",
                    pack_wording=f"Meeting {n} item {k} wording",
                    author_id=author_id,
                    anonymous=True,
                    meeting_id=meeting.id,
                )
                db.session.add(item)
                db.session.flush()
                db.session.add(
                    ItemOutcome(
                        item_id=item.id,
                        meeting_id=meeting.id,
                        owner="service",
                        response=f"Meeting {n} item {k} answer",
                        action=f"Meeting {n} item {k} action",
                        status="done" if k == 0 else "open",
                    )
                )
            ids.append(meeting.id)
        db.session.commit()
    return ids


def _get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.data.decode()


def _meetings_shown(page: str) -> list[str]:
    return re.findall(r'<h2 id="meeting-\d+">Meeting on ([^<]+)</h2>', page)


def test_you_said_takes_the_same_queries_for_2_and_12_meetings(app, make_member):
    author = make_member(AUTHOR)
    reader = sign_in(app.test_client(), make_member("Jo Carer"))

    def counted(url="/strategy/you-said-we-did"):
        reader.get(url)  # warm: the sign-in's own first-request work is not the page's
        with count_queries(app) as queries:
            page = _get(reader, url)
        return queries[0], page

    add_history(app, author.id, 2, per_meeting=2)
    small, page = counted()
    assert len(_meetings_shown(page)) == 2 and "pagination" not in page
    with app.app_context():
        db.session.execute(ItemOutcome.__table__.delete())
        db.session.commit()
    add_history(app, author.id, 12, per_meeting=8)
    large, page = counted()
    assert len(_meetings_shown(page)) == MEETINGS_PER_PAGE and 'rel="next"' in page
    last, page = counted("/strategy/you-said-we-did?page=4")
    assert small == large == last, f"{small} queries for 2 meetings, {large} for 12, {last} on the last page"


def test_you_said_pages_by_meeting_newest_first(app, make_member):
    author = make_member(AUTHOR)
    reader = sign_in(app.test_client(), make_member("Jo Carer"))
    add_history(app, author.id, 12, per_meeting=2)  # 12 meetings: 4 pages of 3

    first = _get(reader, "/strategy/you-said-we-did")
    assert "Meeting 11 item 1 wording" in first and "Meeting 9 item 0 answer" in first
    assert "Meeting 8 item" not in first.split('id="done-heading"')[0]
    assert "The latest 3 of the 12 meetings the service has answered." in first
    assert 'href="/strategy/you-said-we-did?page=2" rel="next">Earlier meetings' in first
    assert 'rel="prev"' not in first and "Page 1 of" not in first

    second = _get(reader, "/strategy/you-said-we-did?page=2")
    meetings = second.split('id="done-heading"')[0]
    assert "Meeting 8 item 1 wording" in meetings and "Meeting 6 item 0 wording" in meetings
    assert "Meeting 9 item" not in meetings and "Meeting 5 item" not in meetings
    assert 'href="/strategy/you-said-we-did?page=1" rel="prev"' in second
    assert 'href="/strategy/you-said-we-did?page=3" rel="next"' in second
    assert "Meetings 4 to 6 of the 12" in second

    # Out of range: the last page; nonsense or below 1: the first.
    beyond = _get(reader, "/strategy/you-said-we-did?page=99")
    assert "Meetings 10 to 12 of the 12" in beyond and "Meeting 0 item 0 wording" in beyond
    assert 'rel="next"' not in beyond
    assert _meetings_shown(beyond) == _meetings_shown(_get(reader, "/strategy/you-said-we-did?page=4"))
    for nonsense in ("0", "-2", "abc"):
        assert _meetings_shown(_get(reader, f"/strategy/you-said-we-did?page={nonsense}")) == _meetings_shown(first)

    # Each meeting says how much was answered and done; the completed actions are all listed.
    assert "The service answered 2 items; 1 action is marked done." in first
    done = first.split('id="done-heading"')[1]
    assert "<p>12 actions completed.</p>" in done  # fewer than COMPLETED_SHOWN: all of them
    assert "Meeting 11 item 0 action" in done
    assert "Meeting 11 item 1 action" not in done  # still open

    # Nobody who raised anything is named, on any page.
    for page in (first, second, beyond):
        main = page.split("<main")[1]
        assert "Philippa" not in main and "Quennell" not in main


@pytest.mark.parametrize("extra", [0, 5])
def test_you_said_lists_only_the_latest_completed_actions(app, make_member, extra):
    author = make_member(AUTHOR)
    reader = sign_in(app.test_client(), make_member("Jo Carer"))
    add_history(app, author.id, COMPLETED_SHOWN + extra, per_meeting=1)  # one done action per meeting
    done = _get(reader, "/strategy/you-said-we-did").split('id="done-heading"')[1]
    assert done.count("<strong>Done:</strong>") == COMPLETED_SHOWN
    assert f"Meeting {COMPLETED_SHOWN + extra - 1} item 0 action" in done
    assert f"Meeting {extra} item 0 action" in done and f"Meeting {extra - 1} item 0 action" not in done
    if extra:
        assert f"The {COMPLETED_SHOWN} actions completed most recently." in done
    else:
        assert f"<p>{COMPLETED_SHOWN} actions completed.</p>" in done


def test_you_said_with_nothing_answered_yet(app, make_member):
    reader = sign_in(app.test_client(), make_member("Jo Carer"))
    page = _get(reader, "/strategy/you-said-we-did?page=3")
    assert "Nothing to show yet." in page and "None yet." in page and "pagination" not in page


def _record(app, item_id: int, meeting_id: int, status: str, action: str) -> None:
    with app.app_context():
        db.session.add(
            ItemOutcome(
                item_id=item_id, meeting_id=meeting_id, response="", action=action, owner="service", status=status
            )
        )
        db.session.commit()


def test_an_action_carries_forward_while_its_latest_outcome_is_open(app, make_member):
    author = make_member(AUTHOR)
    first, second, third, fourth = add_history(app, author.id, 4, per_meeting=0)
    items = {name: add_item(app, author.id, f"{name} wording") for name in ("closed", "reopened", "open", "done")}
    _record(app, items["closed"], first, "open", "Closed: first")
    _record(app, items["closed"], second, "done", "Closed: done")
    _record(app, items["reopened"], first, "done", "Reopened: first")
    _record(app, items["reopened"], second, "in_progress", "Reopened: again")
    _record(app, items["open"], first, "open", "Open: first")
    _record(app, items["open"], second, "in_progress", "Open: second")
    _record(app, items["open"], fourth, "done", "Open: done later")  # after the third meeting
    _record(app, items["done"], first, "not_agreed", "Done: not agreed")

    with app.app_context():
        at_second = carried_forward(db.session.get(ServiceMeeting, second))
        assert [c.item.id for c in at_second] == [items["closed"], items["open"]]
        assert [o.action for _, o in at_second[0].history] == ["Closed: first"]

        carried = carried_forward(db.session.get(ServiceMeeting, third))
        assert [c.item.id for c in carried] == [items["reopened"], items["open"]]
        reopened, still_open = carried
        assert [(h.held_at, o.action, o.status) for h, o in reopened.history] == [
            (db.session.get(ServiceMeeting, first).held_at, "Reopened: first", "done"),
            (db.session.get(ServiceMeeting, second).held_at, "Reopened: again", "in_progress"),
        ]
        assert [o.action for _, o in still_open.history] == ["Open: first", "Open: second"]
        assert still_open.item.pack_wording == "open wording" and still_open.item.kind_label == "Issue"

        assert carried_forward(db.session.get(ServiceMeeting, first)) == []
        assert [c.item.id for c in carried_forward(db.session.get(ServiceMeeting, fourth))] == [
            items["reopened"],
            items["open"],
        ]
        with app.test_request_context():
            csv_text = pack_csv(compile_pack(db.session.get(ServiceMeeting, third)))
        assert "carried forward,,Issue,,reopened wording — action: Reopened: again" in csv_text
        assert "closed wording" not in csv_text and "done wording" not in csv_text


def test_carrying_forward_takes_the_same_queries_however_long_the_history(app, make_member):
    author = make_member(AUTHOR)

    def compile_counted(meeting_id):
        with app.app_context():
            meeting = db.session.get(ServiceMeeting, meeting_id)
            with count_queries(app) as queries:
                pack = compile_pack(meeting)
            return queries[0], len(pack.carried)

    short = add_history(app, author.id, 2, per_meeting=2)
    few_queries, few = compile_counted(add_meeting(app, days_ahead=1, date_reason="test"))
    long = add_history(app, author.id, 12, per_meeting=6)
    many_queries, many = compile_counted(add_meeting(app, days_ahead=2, date_reason="test"))
    assert (few, many) == (2 * 1, 2 * 1 + 12 * 5) and short and long
    assert few_queries == many_queries


def test_issuing_marks_the_pack_items_raised(app, make_member, strategist):
    jo = make_member("Jo Carer")
    meeting_id = add_meeting(app)
    kept = add_item(app, jo.id, "Respite is hard to book", meeting_id=meeting_id, strategist_id=strategist.id)
    declined = add_item(app, jo.id, "Not for this pack", meeting_id=meeting_id, strategist_id=strategist.id)
    elsewhere = add_item(app, jo.id, "Not triaged yet")
    with app.app_context():
        db.session.get(FeedbackItem, declined).status = "declined"
        db.session.commit()
    with app.test_request_context():
        issue_pack(db.session.get(ServiceMeeting, meeting_id), db.session.get(Member, strategist.id))
    with app.app_context():
        statuses = dict(db.session.execute(select(FeedbackItem.id, FeedbackItem.status)).all())
    assert statuses == {kept: "raised", declined: "declined", elsewhere: "new"}
