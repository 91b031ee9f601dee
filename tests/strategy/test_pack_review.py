"""Issue 12, the strategy side: every wording is checked for the service; a flagged item is kept
from members until it is reworded or reviewed with a reason; the pack goes out only through a
confirmation page that shows who gets what, once, and says truthfully what was checked.

Texts are ones the first personal-data engine already flags (a cue word before a name, a phone
number, an email), so these pass before and after the new detection lands; the issue's own example
("Jo Fletcher at 12 Mill Street") is tested where the engine in place finds it.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from association.core.audit import AuditEntry
from association.core.personal_data import check_personal_data
from association.extensions import db
from association.mail.models import OutboxMessage
from association.members.models import Member
from association.strategy.items import ItemError, mark_wording_reviewed, triage
from association.strategy.models import FeedbackItem, PackVersion, ServiceMeeting
from tests.support import sign_in

from .helpers import ATTENDEE, add_item, add_meeting

NAMED = "Mileage for family time is paid 3+ months late; my foster son Tyler has missed contact twice."
PHONE = "Mileage for family time is paid 3+ months late; ring the carer on 07700 900123 for details."
ISSUE_EXAMPLE = "Mileage for family time is paid 3+ months late; e.g. Jo Fletcher at 12 Mill Street is still waiting."
CLEAN = "Mileage for family time is paid more than three months late for several carers."
REASON = "The number is the service's own finance line, printed on every remittance slip."
STATEMENT = "Checked automatically for names, addresses, schools, dates of birth and contact details on {day}; {done}."
OLD_CLAIM = "Wording has been checked by the strategy group so that no child, family or carer can be identified"
SECOND = {"name": "Sam Reid", "role": "Head of service", "email": "sam.reid@service.example.org"}


@pytest.fixture
def strategist(make_member):
    return make_member("Stef Strategy", roles=["strategy"])


@pytest.fixture
def jo(make_member):
    return make_member("Jo Carer")


def _client(app, who):
    return sign_in(app.test_client(), who)


def _confirmation(client, meeting_id) -> tuple[str, dict]:
    page = client.get(f"/strategy/meetings/{meeting_id}/issue")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    fields = dict(re.findall(r'name="(version|digest)"[^>]*value="([^"]*)"', html))
    return html, fields


def _seen_now(app, meeting_id) -> dict:
    from association.strategy.issuing import confirmation

    with app.test_request_context():
        shown = confirmation(db.session.get(ServiceMeeting, meeting_id))
        return {"version": str(shown.version), "digest": shown.digest}


def _versions(app, meeting_id) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(PackVersion.version).where(PackVersion.meeting_id == meeting_id)))


def _triage(app, item_id, strategist_id, wording, meeting_id):
    with app.app_context():
        return triage(
            db.session.get(FeedbackItem, item_id),
            db.session.get(Member, strategist_id),
            theme_id=None,
            wording=wording,
            meeting_id=meeting_id,
        )


# --- raising and triage: accepted, held from members, the author told once ---------------------


def test_an_item_that_may_identify_someone_is_kept_for_the_group_and_the_author_is_told_once(app, jo, make_member):
    sam = make_member("Sam Other")
    client = _client(app, jo)
    reply = client.post(
        "/strategy/items/new",
        data={"kind": "issue", "what_happened": PHONE, "named": "anonymous", "theme_id": "0"},
        follow_redirects=True,
    )
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "Thank you" in page
    from markupsafe import escape

    from association.core.personal_data import explain

    advice = str(escape(explain(check_personal_data(PHONE, "service"))))
    assert page.count(advice) == 1  # the advice once, in the message after sending
    assert page.count("Only the strategy group can see it") == 1
    with app.app_context():
        item = db.session.scalar(select(FeedbackItem))
        assert item.what_happened == PHONE and item.anonymous
    other = _client(app, sam)
    assert "07700" not in other.get("/strategy/items").get_data(as_text=True)
    assert other.get(f"/strategy/items/{item.id}").status_code == 404
    assert other.post(f"/strategy/items/{item.id}/support").status_code == 404
    # Coming back to it, the author isn't told again.
    again = client.get(f"/strategy/items/{item.id}").get_data(as_text=True)
    assert "Only the strategy group can see it" not in again and PHONE in again


def test_a_clean_item_is_thanked_plainly_and_seen_by_members(app, jo, make_member):
    client = _client(app, jo)
    page = client.post(
        "/strategy/items/new",
        data={"kind": "issue", "what_happened": CLEAN, "named": "anonymous", "theme_id": "0"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Only the strategy group" not in page
    assert CLEAN in _client(app, make_member("Sam Other")).get("/strategy/items").get_data(as_text=True)


def test_saving_a_wording_that_may_identify_someone_keeps_it_from_members(app, jo, strategist, make_member):
    meeting_id = add_meeting(app)
    item_id = add_item(app, jo.id, CLEAN)
    group = _client(app, strategist)
    page = group.post(
        f"/strategy/items/{item_id}/triage",
        data={"theme_id": "0", "meeting_id": str(meeting_id), "pack_wording": NAMED},
        follow_redirects=True,
    )
    html = page.get_data(as_text=True)
    assert "Saved. The wording may still identify someone" in html
    assert "<mark" in html and "Tyler</mark>" in html  # highlighted for the group
    assert "This seems to include" in html  # and summarised
    member = _client(app, make_member("Sam Other"))
    assert "Tyler" not in member.get("/strategy/items").get_data(as_text=True)
    assert member.get(f"/strategy/items/{item_id}").status_code == 404


def test_a_review_needs_a_reason_and_is_recorded_then_cleared_by_rewording(app, jo, strategist, make_member):
    meeting_id = add_meeting(app)
    item_id = add_item(app, jo.id, PHONE, meeting_id=meeting_id, strategist_id=strategist.id)
    group = _client(app, strategist)
    for reason in ("", "   "):
        page = group.post(
            f"/strategy/items/{item_id}/reviewed", data={"review-reason": reason}, follow_redirects=True
        ).get_data(as_text=True)
        assert "Say why the wording identifies nobody" in page
    with app.app_context():
        assert db.session.get(FeedbackItem, item_id).wording_reviewed_at is None
        assert (
            db.session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "strategy.wording_reviewed")
            )
            == 0
        )
    page = group.post(
        f"/strategy/items/{item_id}/reviewed", data={"review-reason": REASON}, follow_redirects=True
    ).get_data(as_text=True)
    assert (
        "Marked as reviewed" in page and "Stef Strategy reviewed it on" in page and REASON.replace("'", "&#39;") in page
    )
    with app.app_context():
        item = db.session.get(FeedbackItem, item_id)
        assert (item.wording_reviewed_by_id, item.wording_review_reason) == (strategist.id, REASON)
        assert item.wording_reviewed_at is not None
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "strategy.wording_reviewed"))
        assert entry.actor_id == strategist.id and entry.subject_id == item_id and REASON in entry.detail
        assert "Jo Carer" not in entry.detail
    member = _client(app, make_member("Sam Other"))
    assert member.get(f"/strategy/items/{item_id}").status_code == 200
    # New words are checked again: the earlier review no longer counts.
    assert _triage(app, item_id, strategist.id, NAMED, meeting_id)
    with app.app_context():
        item = db.session.get(FeedbackItem, item_id)
        assert item.wording_reviewed_at is None and item.wording_review_reason == ""
    assert member.get(f"/strategy/items/{item_id}").status_code == 404


def test_reviewing_in_code_without_a_reason_is_refused(app, jo, strategist):
    item_id = add_item(app, jo.id, PHONE)
    with app.app_context():
        with pytest.raises(ItemError, match="Say why"):
            mark_wording_reviewed(db.session.get(FeedbackItem, item_id), db.session.get(Member, strategist.id), " ")


def test_a_decline_reason_or_a_service_answer_that_may_identify_someone_is_refused(app, jo, strategist):
    meeting_id = add_meeting(app, days_ahead=-1)  # held yesterday: its answers can be recorded
    item_id = add_item(app, jo.id, CLEAN, meeting_id=meeting_id, strategist_id=strategist.id)
    group = _client(app, strategist)
    page = group.post(
        f"/strategy/items/{item_id}/decline", data={"reason": "Please ring 07700 900123 instead"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "The carer who raised it will read this" in page and "phone number" in page
    page = group.post(
        f"/strategy/meetings/{meeting_id}/outcomes/{item_id}",
        data={"response": "Write to finance.lead@service.example.org", "owner": "service", "status": "open"},
    ).get_data(as_text=True)
    assert "Every member will read this" in page and "email address" in page
    with app.app_context():
        item = db.session.get(FeedbackItem, item_id)
        assert item.status == "in_pack" and item.decline_reason == ""
        from association.strategy.models import ItemOutcome

        assert db.session.scalar(select(func.count()).select_from(ItemOutcome)) == 0


def test_merging_into_a_flagged_item_says_so(app, jo, strategist, make_member):
    target = add_item(app, jo.id, NAMED)
    source = add_item(app, make_member("Sam Other").id, CLEAN)
    page = (
        _client(app, strategist)
        .post(f"/strategy/items/{source}/merge", data={"target_id": str(target)}, follow_redirects=True)
        .get_data(as_text=True)
    )
    assert "Merged. The wording may identify someone" in page


# --- raise from a forum post: never copied ---------------------------------------------------


@pytest.fixture
def forum_post(app, jo):
    from association.forum.models import Category
    from association.forum.posting import start_thread
    from tests.forum.helpers import make_trusted

    with app.app_context():
        category = Category(name="Money")
        db.session.add(category)
        db.session.commit()
    make_trusted(app, jo.id)
    with app.app_context():
        category = db.session.scalar(select(Category))
        outcome = start_thread(
            category,
            db.session.get(Member, jo.id),
            "Mileage claims",
            "Our mileage for contact is three months late again, anyone else?",
        )
        return outcome.post.id


def test_raising_from_a_forum_post_starts_empty_and_links_it_only_when_named(app, jo, strategist, forum_post):
    client = _client(app, jo)
    page = client.get(f"/strategy/items/new?from_post={forum_post}").get_data(as_text=True)
    assert "three months late again" not in page
    assert "We haven't copied your post" in page
    for named in ("anonymous", "named"):
        client.post(
            f"/strategy/items/new?from_post={forum_post}",
            data={"kind": "issue", "what_happened": CLEAN, "named": named, "theme_id": "0"},
        )
    with app.app_context():
        anonymous, named = db.session.scalars(select(FeedbackItem).order_by(FeedbackItem.id))
        assert anonymous.source_post_id is None
        assert named.source_post_id == forum_post
    group = _client(app, strategist)
    assert "Raised from a forum post" not in group.get(f"/strategy/items/{anonymous.id}/triage").get_data(as_text=True)
    triage_page = group.get(f"/strategy/items/{named.id}/triage").get_data(as_text=True)
    assert "Raised from a forum post" in triage_page and "Mileage claims" in triage_page


# --- the pack: blocked, confirmed, issued once, truthful ------------------------------------


def test_the_pack_journey_from_the_issue(app, smtp, jo, strategist, make_member):
    meeting_id = add_meeting(app, attendees=[ATTENDEE, type(ATTENDEE)(**SECOND)])
    item_id = add_item(app, jo.id, CLEAN)
    group = _client(app, strategist)
    # A strategy member sets a wording with a name in it: saved, with a warning, not shown to members.
    page = group.post(
        f"/strategy/items/{item_id}/triage",
        data={"theme_id": "0", "meeting_id": str(meeting_id), "pack_wording": PHONE},
        follow_redirects=True,
    )
    assert "may still identify someone" in page.get_data(as_text=True)
    assert "07700" not in _client(app, make_member("Sam Other")).get("/strategy/items").get_data(as_text=True)

    # The confirmation page says what to do, has no button, and issuing is refused.
    html, fields = _confirmation(group, meeting_id)
    assert "1 item may identify someone" in html and "07700 900123</mark>" in html
    assert "Issue version" not in html and not fields
    fields = _seen_now(app, meeting_id)  # what a form would carry, were there one
    refused = group.post(f"/strategy/meetings/{meeting_id}/issue", data=fields, follow_redirects=True)
    assert "may identify someone" in refused.get_data(as_text=True)
    assert _versions(app, meeting_id) == []

    # Reviewed with a reason, it may go; the page shows each recipient, the email and the pack.
    group.post(f"/strategy/items/{item_id}/reviewed", data={"review-reason": REASON})
    html, fields = _confirmation(group, meeting_id)
    for text in (
        "Helen Price",
        "Team manager",
        "helen.price@service.example.org",
        "Sam Reid",
        "Head of service",
        "sam.reid@service.example.org",
        "Carers&#39; feedback pack for our meeting on",
        "Here is the carers&#39; feedback pack",
        "Version 1",
        "1 wording reviewed by the strategy group",
        "Issue version 1 to 2 people",
    ):
        assert text in html, text
    assert "07700 900123</mark>" in html and "Reviewed:" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # nothing sent yet

    # Confirmed twice (a double click): one version, emailed once to each person.
    first = group.post(f"/strategy/meetings/{meeting_id}/issue", data=fields, follow_redirects=True)
    assert "Version 1 issued and emailed to 2 people" in first.get_data(as_text=True)
    second = group.post(f"/strategy/meetings/{meeting_id}/issue", data=fields, follow_redirects=True)
    assert "Version 1 has already been issued, so nothing more was sent" in second.get_data(as_text=True)
    assert _versions(app, meeting_id) == [1]
    with app.app_context():
        assert sorted(db.session.scalars(select(OutboxMessage.to_address))) == [
            "helen.price@service.example.org",
            "sam.reid@service.example.org",
        ]
        version = db.session.scalar(select(PackVersion))
        from association.core.timefmt import format_date

        statement = STATEMENT.format(
            day=format_date(version.issued_at), done="1 wording reviewed by the strategy group"
        )
        assert statement in version.html and OLD_CLAIM not in version.html
        assert version.pdf.startswith(b"%PDF")
        [issued] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "pack.issued"))
        assert issued.actor_id == strategist.id and "sam.reid@service.example.org" in issued.detail
    pdf_text = _pdf_text(version.pdf)
    if pdf_text is not None:
        assert "1 wording reviewed by the strategy group" in " ".join(pdf_text.split())


def _pdf_text(pdf: bytes) -> str | None:
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    import io

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_reworded_pack_says_the_check_flagged_nothing(app, jo, strategist):
    meeting_id = add_meeting(app)
    item_id = add_item(app, jo.id, NAMED, meeting_id=meeting_id, strategist_id=strategist.id)
    group = _client(app, strategist)
    html, _ = _confirmation(group, meeting_id)
    assert "Issue version" not in html
    _triage(app, item_id, strategist.id, CLEAN, meeting_id)
    html, fields = _confirmation(group, meeting_id)
    assert "The automatic check flagged nothing" in html and "Issue version 1 to 1 person" in html
    group.post(f"/strategy/meetings/{meeting_id}/issue", data=fields)
    with app.app_context():
        version = db.session.scalar(select(PackVersion))
        assert "; the check flagged no wording." in version.html and OLD_CLAIM not in version.html


@pytest.mark.parametrize("wording", [ISSUE_EXAMPLE])
def test_the_issue_example_cannot_go_out_unresolved(app, jo, strategist, wording):
    if not check_personal_data(wording, "service"):
        pytest.xfail("the personal-data check in place does not find this name and street yet")
    meeting_id = add_meeting(app)
    add_item(app, jo.id, wording, meeting_id=meeting_id, strategist_id=strategist.id)
    group = _client(app, strategist)
    html, fields = _confirmation(group, meeting_id)
    assert "may identify someone" in html and "Issue version" not in html
    group.post(f"/strategy/meetings/{meeting_id}/issue", data=fields)
    assert _versions(app, meeting_id) == []


# --- bad input on the confirmation ---------------------------------------------------------


@pytest.fixture
def ready(app, jo, strategist):
    meeting_id = add_meeting(app)
    item_id = add_item(app, jo.id, CLEAN, meeting_id=meeting_id, strategist_id=strategist.id)
    group = _client(app, strategist)
    _, fields = _confirmation(group, meeting_id)
    return meeting_id, item_id, group, fields


@pytest.mark.parametrize(
    "tamper",
    [
        {"digest": "0" * 64},
        {"digest": ""},
        {"digest": "x"},
        {"version": ""},
        {"version": "7"},
        {"version": "-1"},
        {"version": "1e3"},
        {"version": "0"},
    ],
)
def test_a_tampered_confirmation_issues_nothing(app, ready, tamper):
    meeting_id, _, group, fields = ready
    reply = group.post(f"/strategy/meetings/{meeting_id}/issue", data={**fields, **tamper}, follow_redirects=True)
    assert reply.status_code == 200
    page = reply.get_data(as_text=True)
    assert "Issue the pack to the service" in page  # back on the confirmation page
    assert "doesn&#39;t match" in page or "incomplete" in page or "has changed" in page
    assert _versions(app, meeting_id) == []


def test_a_confirmation_without_its_fields_issues_nothing(app, ready):
    meeting_id, _, group, _ = ready
    assert "incomplete" in group.post(f"/strategy/meetings/{meeting_id}/issue", follow_redirects=True).get_data(
        as_text=True
    )
    assert _versions(app, meeting_id) == []


def test_a_pack_changed_since_the_page_was_opened_is_not_issued(app, ready, strategist):
    meeting_id, item_id, group, fields = ready
    _triage(app, item_id, strategist.id, CLEAN + " Some carers waited six months.", meeting_id)
    page = group.post(f"/strategy/meetings/{meeting_id}/issue", data=fields, follow_redirects=True)
    assert "The pack has changed since you opened the confirmation page" in page.get_data(as_text=True)
    assert _versions(app, meeting_id) == []
    # Nor one whose recipients changed.
    _, fresh = _confirmation(group, meeting_id)
    with app.app_context():
        from association.strategy.models import ServiceAttendee

        meeting = db.session.get(ServiceMeeting, meeting_id)
        meeting.attendees.append(ServiceAttendee(**SECOND))
        db.session.commit()
    group.post(f"/strategy/meetings/{meeting_id}/issue", data=fresh)
    assert _versions(app, meeting_id) == []
    _, fresh = _confirmation(group, meeting_id)
    group.post(f"/strategy/meetings/{meeting_id}/issue", data=fresh)
    assert _versions(app, meeting_id) == [1]


def test_only_the_strategy_group_may_confirm(app, ready, make_member):
    meeting_id, _, _, fields = ready
    for who in (
        make_member("Mel Member"),
        make_member("Mo Moderator", roles=["moderator"]),
        make_member("Cal Committee", roles=["committee"]),
    ):
        client = _client(app, who)
        assert client.get(f"/strategy/meetings/{meeting_id}/issue").status_code == 403
        assert client.post(f"/strategy/meetings/{meeting_id}/issue", data=fields).status_code == 403
    assert app.test_client().post(f"/strategy/meetings/{meeting_id}/issue", data=fields).status_code == 302
    assert _versions(app, meeting_id) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_stale_page_after_another_version_issues_nothing_more(app, ready, strategist):
    meeting_id, _, group, fields = ready
    other = _client(app, strategist)
    _, theirs = _confirmation(other, meeting_id)
    other.post(f"/strategy/meetings/{meeting_id}/issue", data=theirs)
    page = group.post(f"/strategy/meetings/{meeting_id}/issue", data=fields, follow_redirects=True)
    assert "Version 1 has already been issued" in page.get_data(as_text=True)
    html, fields = _confirmation(group, meeting_id)
    assert "Version 2, replacing version 1" in html
    group.post(f"/strategy/meetings/{meeting_id}/issue", data=fields)
    assert sorted(_versions(app, meeting_id)) == [1, 2]


def test_the_preview_is_the_pack_as_it_would_be_sent(app, jo, strategist):
    meeting_id = add_meeting(app)
    add_item(app, jo.id, PHONE, meeting_id=meeting_id, strategist_id=strategist.id)
    html = _client(app, strategist).get(f"/strategy/meetings/{meeting_id}/pack/preview").get_data(as_text=True)
    assert "Carers' feedback for the meeting on" in html
    assert "contact details on " in html and "; 1 flagged and not yet resolved." in html and OLD_CLAIM not in html


def test_the_triage_queue_marks_what_may_identify_someone(app, jo, strategist):
    add_item(app, jo.id, PHONE)
    add_item(app, jo.id, CLEAN)
    page = _client(app, strategist).get("/strategy/").get_data(as_text=True)
    assert page.count("May identify someone") == 1
