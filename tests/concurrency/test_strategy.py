"""'This affects me too' and issuing a pack under 30 simultaneous requests: the support count
equals the supporters (also while others take theirs back), a member is counted once however
often they click, and 30 clicks on one
confirmation page issue one pack version (numbered 1..N without a clash)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from association.core.database import utcnow
from association.extensions import db
from association.mail.models import OutboxMessage
from association.members.models import Member
from association.strategy.items import NewItem, raise_item, triage
from association.strategy.meetings import Attendee, MeetingDetails, save_meeting
from association.strategy.models import FeedbackItem, ItemOutcome, ItemSupport, PackVersion, Theme

from .support import CROWD, at_once, no_server_errors

HELEN = Attendee("Helen Price", "Team manager", "helen.price@service.example.org")


def _meeting(live, days_ahead: int) -> int:
    with live.app.app_context():
        return save_meeting(
            MeetingDetails(
                held_at=utcnow() + timedelta(days=days_ahead), attendees=[HELEN], date_reason="An extra meeting"
            )
        ).id


def _item(live, meeting_id: int | None = None) -> int:
    with live.app.app_context():
        admin = db.session.get(Member, live.admin.id)
        item = raise_item(NewItem(kind="issue", what_happened="Calls to the duty team go unanswered after 3pm"), admin)
        if meeting_id is not None:
            triage(item, admin, theme_id=None, wording=item.what_happened, meeting_id=meeting_id)
        return item.id


def _supporters(live, item_id: int) -> tuple[int, int]:
    with live.app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(ItemSupport).where(ItemSupport.item_id == item_id))
        return db.session.get(FeedbackItem, item_id).support_count, rows


def test_thirty_members_saying_me_too_at_once_are_each_counted(live):
    item_id = _item(live)
    replies = at_once(*[lambda p=p: p.browser.post(f"/strategy/items/{item_id}/support") for p in live.crowd])
    no_server_errors(replies)
    assert all(r.status == 302 for r in replies), [r.status for r in replies]
    assert _supporters(live, item_id) == (CROWD, CROWD)


def test_one_member_saying_me_too_thirty_times_at_once_counts_once(live):
    item_id = _item(live)
    jo = live.crowd[0]
    replies = at_once(*[lambda: jo.browser.post(f"/strategy/items/{item_id}/support")] * CROWD)
    no_server_errors(replies)
    assert all(r.status == 302 for r in replies), [r.status for r in replies]
    assert _supporters(live, item_id) == (1, 1)
    # The clicks that found the support already there were told so.
    page = jo.browser.get(f"/strategy/items/{item_id}")
    assert page.status == 200


def test_thirty_members_withdrawing_and_saying_me_too_at_once_leave_the_count_equal_to_the_supporters(live):
    """Half the crowd takes back its support while the other half gives it, all at the same instant."""
    item_id = _item(live)
    leaving, joining = live.crowd[: CROWD // 2], live.crowd[CROWD // 2 :]
    no_server_errors(at_once(*[lambda p=p: p.browser.post(f"/strategy/items/{item_id}/support") for p in leaving]))
    assert _supporters(live, item_id) == (len(leaving), len(leaving))
    replies = at_once(
        *[lambda p=p: p.browser.post(f"/strategy/items/{item_id}/support/withdraw") for p in leaving],
        *[lambda p=p: p.browser.post(f"/strategy/items/{item_id}/support") for p in joining],
    )
    no_server_errors(replies)
    assert all(r.status == 302 for r in replies), [r.status for r in replies]
    assert _supporters(live, item_id) == (len(joining), len(joining))
    with live.app.app_context():
        supporters = set(db.session.scalars(select(ItemSupport.member_id).where(ItemSupport.item_id == item_id)))
    assert supporters == {p.id for p in joining}


def test_one_member_pressing_me_too_and_undo_thirty_times_at_once_is_counted_at_most_once(live):
    item_id = _item(live)
    jo = live.crowd[0]
    replies = at_once(
        *[
            lambda n=n: jo.browser.post(f"/strategy/items/{item_id}/support" + ("/withdraw" if n % 2 else ""))
            for n in range(CROWD)
        ]
    )
    no_server_errors(replies)
    assert all(r.status == 302 for r in replies), [r.status for r in replies]
    count, rows = _supporters(live, item_id)
    assert count == rows and rows in (0, 1)


@pytest.fixture
def quick_pdf(monkeypatch):
    """The PDF renderer is not under test here, and 30 renders would take seconds."""
    from weasyprint import HTML

    monkeypatch.setattr(HTML, "write_pdf", lambda self, *a, **k: b"%PDF-1.7 test")


def _confirmation(browser, meeting_id: int) -> dict:
    """The hidden fields of the confirmation page: the version it offers and the pack's digest."""
    page = browser.get(f"/strategy/meetings/{meeting_id}/issue")
    assert page.status == 200, page.status
    fields = dict(re.findall(r'name="(version|digest)"[^>]*value="([^"]*)"', page.body))
    assert set(fields) == {"version", "digest"}, fields
    return fields


def test_confirming_a_pack_thirty_times_at_once_issues_one_version(live, quick_pdf):
    """A double (or thirtyfold) click on the confirmation page: one version, one email per person."""
    meeting_id = _meeting(live, 20)
    _item(live, meeting_id)
    strategist = live.admin.browser
    fields = _confirmation(strategist, meeting_id)
    replies = at_once(*[lambda: strategist.post(f"/strategy/meetings/{meeting_id}/issue", fields)] * CROWD)
    no_server_errors(replies)
    assert all(r.status == 302 for r in replies), [r.status for r in replies]
    with live.app.app_context():
        versions = list(db.session.scalars(select(PackVersion.version).where(PackVersion.meeting_id == meeting_id)))
        sent = db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.to_address == HELEN.email,
                OutboxMessage.subject.contains("feedback pack"),
                OutboxMessage.attachment_key.in_(
                    [
                        f"pack-pdf:{v.id}"
                        for v in db.session.scalars(select(PackVersion).where(PackVersion.meeting_id == meeting_id))
                    ]
                ),
            )
        )
    assert versions == [1], versions
    assert sent == 1


def test_issuing_new_versions_from_fresh_pages_at_once_numbers_them_without_a_clash(live, quick_pdf):
    """Two members each confirming what they saw, many times over: versions stay 1..N, no clash,
    and each page's version is issued at most once."""
    meeting_id = _meeting(live, 25)
    _item(live, meeting_id)
    strategist = live.admin.browser
    fields = _confirmation(strategist, meeting_id)
    first = at_once(*[lambda: strategist.post(f"/strategy/meetings/{meeting_id}/issue", fields)] * (CROWD // 2))
    fields = _confirmation(strategist, meeting_id)
    second = at_once(*[lambda: strategist.post(f"/strategy/meetings/{meeting_id}/issue", fields)] * (CROWD // 2))
    no_server_errors(first + second)
    with live.app.app_context():
        versions = list(
            db.session.scalars(
                select(PackVersion.version).where(PackVersion.meeting_id == meeting_id).order_by(PackVersion.version)
            )
        )
    assert versions == [1, 2], versions


def test_thirty_clicks_adding_one_theme_at_once_add_it_once(live):
    name = f"Allowances {uuid.uuid4().hex[:6]}"
    strategist = live.admin.browser
    replies = at_once(*[lambda: strategist.post("/strategy/themes", {"name": name})] * CROWD)
    no_server_errors(replies)
    assert sorted(r.status for r in replies) == [200] * (CROWD - 1) + [302], [r.status for r in replies]
    assert all("already exists" in r.body for r in replies if r.status == 200)
    with live.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Theme).where(Theme.name == name)) == 1


def test_thirty_clicks_recording_one_answer_at_once_keep_one_outcome(live):
    meeting_id = _meeting(live, -1)  # answers are recorded once the meeting has happened
    item_id = _item(live, meeting_id)
    strategist = live.admin.browser
    replies = at_once(
        *[
            lambda n=n: strategist.post(
                f"/strategy/meetings/{meeting_id}/outcomes/{item_id}",
                {"response": f"The duty team will answer until 5pm ({n})", "owner": "service", "status": "open"},
            )
            for n in range(CROWD)
        ]
    )
    no_server_errors(replies)
    assert all(r.status == 302 for r in replies), [r.status for r in replies]
    with live.app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(ItemOutcome)
                .where(ItemOutcome.item_id == item_id, ItemOutcome.meeting_id == meeting_id)
            )
            == 1
        )
