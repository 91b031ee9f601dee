"""My account: the household a member fosters in, and a Renew action that asks the committee
(renewing is the committee's act: it sets the next date), audited, with a confirmation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from association.core.audit import AuditEntry
from association.core.timefmt import local_today
from association.extensions import db
from association.mail.worker import deliver_due
from association.members.models import Household, Member
from tests.smtp import text_part
from tests.support import sign_in


def test_account_shows_the_household_and_who_else_is_in_it(app, make_member):
    jo, chris = make_member("Jo Fletcher"), make_member("Chris Fletcher")
    single = make_member("Sol Single")
    with app.app_context():
        household = Household(name="Fletcher household")
        db.session.add(household)
        for ref in (jo, chris):
            db.session.get(Member, ref.id).household = household
        db.session.commit()
    page = sign_in(app.test_client(), jo).get("/account/").get_data(as_text=True)
    assert "Household" in page and "Fletcher household" in page and "You foster with Chris Fletcher" in page
    assert "Jo Fletcher." not in page.split("You foster with", 1)[1].split("</dd>")[0]
    alone = sign_in(app.test_client(), single).get("/account/").get_data(as_text=True)
    assert "<dt>Household</dt>" not in alone


def test_renew_asks_the_committee_once_audited_and_confirmed(app, smtp, make_member):
    with app.app_context():
        due = local_today() + timedelta(days=10)
    carer = make_member("Dee Renewer", renewal_date=due)
    committee = make_member("Cam Committee", roles=["committee"])
    admin = make_member("Alex Admin", roles=["admin"])
    make_member("Mo Derator", roles=["moderator"])
    client = sign_in(app.test_client(), carer)

    account = client.get("/account/").get_data(as_text=True)
    assert 'href="/account/renew"' in account and "Renew my membership" in account
    confirm = client.get("/account/renew").get_data(as_text=True)
    assert "Ask the committee to renew my membership" in confirm and "Not now" in confirm

    done = client.post("/account/renew", follow_redirects=True).get_data(as_text=True)
    assert "asked the committee to renew your membership" in done
    assert "You asked to renew on" in done and 'href="/account/renew"' not in done
    with app.app_context():
        member = db.session.get(Member, carer.id)
        assert member.renewal_requested_at is not None
        entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "member.renewal_requested")))
        assert len(entries) == 1 and entries[0].actor_id == carer.id
        deliver_due()
    for person in (committee, admin):
        body = text_part(smtp.wait_for(person.email)[0])
        assert "Dee Renewer has asked to renew" in body and f"/admin/members/{carer.id}" in body
    # Asking again changes nothing and tells nobody twice.
    again = client.post("/account/renew", follow_redirects=True)
    assert again.status_code == 200
    with app.app_context():
        assert (
            db.session.scalar(
                select(db.func.count()).select_from(AuditEntry).where(AuditEntry.action == "member.renewal_requested")
            )
            == 1
        )

    # The committee sees who asked, and a new renewal date answers the request.
    committee_client = sign_in(app.test_client(), admin)
    dashboard = committee_client.get("/admin/").get_data(as_text=True)
    assert "Members who asked to renew" in dashboard and "Dee Renewer" in dashboard
    with app.app_context():
        from association.members.editing import MemberChanges, edit_member

        member, editor = db.session.get(Member, carer.id), db.session.get(Member, admin.id)
        edit_member(member, MemberChanges(details={"renewal_date": due + timedelta(days=365)}, email=""), editor, None)
        db.session.commit()
        assert db.session.get(Member, carer.id).renewal_requested_at is None
    assert "Renew my membership" in client.get("/account/").get_data(as_text=True)


def test_a_lapsed_member_can_ask_to_renew(app, make_member):
    with app.app_context():
        lapsed_on = local_today() - timedelta(days=60)
    lapsed = make_member("Lapsed Lee", status="lapsed", renewal_date=lapsed_on)
    client = sign_in(app.test_client(), lapsed)
    account = client.get("/account/").get_data(as_text=True)
    assert "Your membership has lapsed" in account and 'href="/account/renew"' in account
    assert client.post("/account/renew").status_code == 302
    with app.app_context():
        assert db.session.get(Member, lapsed.id).renewal_requested_at is not None
