"""The pack: compiled in a fixed number of queries, checked for personal data, issued frozen,
emailed with its PDF, revocable; anonymity kept in every output; outcomes carried forward."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from association.core.audit import AuditEntry
from association.extensions import db
from association.mail.models import OutboxMessage
from association.mail.worker import deliver_due
from association.members.models import Member
from association.strategy.issuing import issue_pack
from association.strategy.items import mark_wording_reviewed, support, triage
from association.strategy.models import FeedbackItem, PackVersion, ServiceMeeting
from association.strategy.outcomes import record_outcome
from association.strategy.packs import PackError, compile_pack, pack_csv
from tests.support import count_queries, sign_in

from .helpers import add_item, add_meeting, add_theme


@pytest.fixture
def strategist(make_member):
    return make_member("Stef Strategy", roles=["strategy"])


def _issue(app, meeting_id, strategist_id):
    with app.test_request_context():
        version = issue_pack(db.session.get(ServiceMeeting, meeting_id), db.session.get(Member, strategist_id))
        return version.id


def test_issuing_is_blocked_until_personal_data_is_dealt_with(app, make_member, strategist):
    jo = make_member("Jo Carer")
    meeting_id = add_meeting(app)
    clean = add_item(app, jo.id, meeting_id=meeting_id, strategist_id=strategist.id)
    risky = add_item(
        app,
        jo.id,
        "My foster daughter Mia waited 3 weeks for CAMHS",
        meeting_id=meeting_id,
        strategist_id=strategist.id,
    )
    with pytest.raises(PackError, match="1 item"):
        _issue(app, meeting_id, strategist.id)
    with app.app_context():
        assert db.session.scalar(select(PackVersion.id)) is None
        item = db.session.get(FeedbackItem, risky)
        triage(
            item,
            db.session.get(Member, strategist.id),
            theme_id=None,
            meeting_id=meeting_id,
            wording="A child in care waited 3 weeks for CAMHS",
        )
        assert not compile_pack(db.session.get(ServiceMeeting, meeting_id)).needing_review
    assert _issue(app, meeting_id, strategist.id)
    assert clean


def test_a_reviewed_wording_may_be_issued(app, make_member, strategist):
    jo = make_member("Jo Carer")
    meeting_id = add_meeting(app)
    item_id = add_item(
        app,
        jo.id,
        "Named worker: call 0113 496 0000 for the duty desk",
        meeting_id=meeting_id,
        strategist_id=strategist.id,
    )
    with app.app_context():
        mark_wording_reviewed(
            db.session.get(FeedbackItem, item_id),
            db.session.get(Member, strategist.id),
            "The number is the service's own duty desk, published on its website",
        )
    assert _issue(app, meeting_id, strategist.id)


def test_issued_pack_is_emailed_with_its_pdf_and_stays_frozen(app, smtp, make_member, strategist):
    jo = make_member("Jo Carer")
    theme_id = add_theme(app)
    meeting_id = add_meeting(app)
    item_id = add_item(
        app,
        jo.id,
        "Calls go unanswered after 3pm",
        theme_id=theme_id,
        meeting_id=meeting_id,
        strategist_id=strategist.id,
    )
    version_id = _issue(app, meeting_id, strategist.id)
    with app.app_context():
        deliver_due()
        version = db.session.get(PackVersion, version_id)
        html, token, pdf = version.html, version.token, version.pdf
    [mail] = smtp.wait_for("helen.price@service.example.org")
    attachments = list(mail.iter_attachments())
    assert attachments and attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_content() == pdf and pdf.startswith(b"%PDF")
    assert f"/strategy/shared/{token}" in mail.get_body(("plain",)).get_content()
    anonymous = app.test_client()
    shared = anonymous.get(f"/strategy/shared/{token}")
    assert shared.status_code == 200 and shared.data.decode() == html
    assert "Calls go unanswered after 3pm" in html
    # Later changes never touch what was sent.
    with app.app_context():
        triage(
            db.session.get(FeedbackItem, item_id),
            db.session.get(Member, strategist.id),
            theme_id=theme_id,
            meeting_id=meeting_id,
            wording="Completely different words",
        )
    assert anonymous.get(f"/strategy/shared/{token}").data.decode() == html
    second = _issue(app, meeting_id, strategist.id)
    with app.app_context():
        assert db.session.get(PackVersion, second).version == 2
        assert "Completely different words" in db.session.get(PackVersion, second).html
        assert db.session.get(PackVersion, version_id).html == html
    client = sign_in(app.test_client(), strategist)
    client.post(f"/strategy/packs/{version_id}/revoke")
    assert anonymous.get(f"/strategy/shared/{token}").status_code == 404
    assert anonymous.get("/strategy/shared/not-a-token").status_code == 404


def test_an_anonymous_author_is_named_nowhere(app, smtp, make_member, strategist):
    author = make_member("Zebedee Quill", email="zebedee.quill@example.org")
    supporter = make_member("Sam Other")
    meeting_id = add_meeting(app, days_ahead=-1)  # held yesterday: its answers can be recorded
    item_id = add_item(
        app,
        author.id,
        "Short breaks are cancelled without warning",
        meeting_id=meeting_id,
        strategist_id=strategist.id,
        anonymous=True,
    )
    with app.app_context():
        support(db.session.get(FeedbackItem, item_id), db.session.get(Member, supporter.id))
    version_id = _issue(app, meeting_id, strategist.id)
    with app.app_context():
        record_outcome(
            db.session.get(FeedbackItem, item_id),
            db.session.get(ServiceMeeting, meeting_id),
            response="We will give two weeks' notice",
            action="New guidance",
            owner="service",
            due_on=None,
            status="open",
        )
        deliver_due()
        version = db.session.get(PackVersion, version_id)
        outputs = [
            version.html,
            version.csv,
            version.pdf.decode("latin-1"),
            pack_csv(compile_pack(db.session.get(ServiceMeeting, meeting_id))),
        ]
        outputs += [
            f"{m.to_address} {m.subject} {m.text_body} {m.html_body}"
            for m in db.session.scalars(select(OutboxMessage))
            if m.member_id != author.id
        ]
        outputs += [e.detail for e in db.session.scalars(select(AuditEntry))]
    strategy_client = sign_in(app.test_client(), strategist)
    other_client = sign_in(app.test_client(), supporter)
    for url in (
        "/strategy/",
        f"/strategy/items/{item_id}/triage",
        f"/strategy/meetings/{meeting_id}/pack",
        f"/strategy/meetings/{meeting_id}/pack.csv",
        f"/strategy/packs/{version_id}",
    ):
        outputs.append(strategy_client.get(url).data.decode())
    for url in ("/strategy/items", f"/strategy/items/{item_id}", "/strategy/you-said-we-did"):
        outputs.append(other_client.get(url).data.decode())
    for text in outputs:
        assert "Zebedee" not in text and "Quill" not in text and "zebedee.quill" not in text
    # The author can still follow it.
    mine = sign_in(app.test_client(), author).get("/strategy/items/mine").data.decode()
    assert "Short breaks are cancelled" in mine and "two weeks&#39; notice" in mine


def test_open_actions_carry_forward_and_show_on_you_said_we_did(app, make_member, strategist):
    jo = make_member("Jo Carer")
    first = add_meeting(app, days_ahead=-50)
    item_id = add_item(app, jo.id, "Mileage is paid late", meeting_id=first, strategist_id=strategist.id)
    _issue(app, first, strategist.id)
    with app.app_context():
        record_outcome(
            db.session.get(FeedbackItem, item_id),
            db.session.get(ServiceMeeting, first),
            response="Finance will review",
            action="Report back on payment times",
            owner="service",
            due_on=None,
            status="open",
        )
    second = add_meeting(app, days_ahead=0, date_reason="test")
    with app.app_context():
        pack = compile_pack(db.session.get(ServiceMeeting, second))
        assert [c.item.id for c in pack.carried] == [item_id]
        assert pack.carried[0].history[0][1].action == "Report back on payment times"
    page = sign_in(app.test_client(), jo).get("/strategy/you-said-we-did").data.decode()
    assert "Mileage is paid late" in page and "Finance will review" in page and "Jo Carer" not in page.split("<main")[1]


def test_compiling_1000_items_takes_the_same_queries_as_10(app, make_member, strategist):
    from association.core.database import utcnow

    authors = [make_member(f"Carer {i}").id for i in range(20)]
    theme_id = add_theme(app)
    meeting_id = add_meeting(app)

    def add(count):
        with app.app_context():
            for i in range(count):
                db.session.add(
                    FeedbackItem(
                        kind="good_practice" if i % 7 == 0 else "issue",
                        what_happened=f"Item {i}",
                        pack_wording=f"Item {i}",
                        author_id=authors[i % 20],
                        theme_id=theme_id,
                        meeting_id=meeting_id,
                        status="in_pack",
                        created_at=utcnow(),
                    )
                )
            db.session.commit()

    def compile_counted():
        with app.app_context():
            meeting = db.session.get(ServiceMeeting, meeting_id)
            with count_queries(app) as counted:
                pack = compile_pack(meeting)
            return counted[0], len(pack.items)

    add(10)
    small, n_small = compile_counted()
    add(990)
    large, n_large = compile_counted()
    assert (n_small, n_large) == (10, 1000)
    assert small == large, f"{small} queries for 10 items, {large} for 1,000"
