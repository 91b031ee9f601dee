"""The admins' registry: filters, edits, roles and status (audited), households and erasure."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from association.core.audit import AuditEntry
from association.extensions import db
from association.mail.models import OutboxMessage
from association.members.models import Household, Member
from tests.support import count_queries, sign_in


def _audit(app, action):
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _edit_data(member, **changes):
    data = {
        "name": member.name,
        "email": member.email,
        "phone": "",
        "area": "Otley",
        "service_name": "Brightpath",
        "service_type": "local_authority",
        "approval_category": "mainstream",
        "years_fostering": "2",
        "renewal_date": "",
        "status": "active",
        "status_reason": "",
        "roles": [],
    }
    data.update(changes)
    return data


def test_filters_by_status_role_category_and_renewal(app, admin_client, make_member):
    client, _admin = admin_client
    soon = date.today() + timedelta(days=5)
    make_member("Lara Lapsed", status="lapsed")
    make_member("Mo Moderator", roles=["moderator"])
    make_member("Kit Kinship", approval_category="kinship", renewal_date=soon)

    def names(**query):
        page = client.get("/admin/members", query_string=query).data.decode()
        return {n for n in ("Lara Lapsed", "Mo Moderator", "Kit Kinship") if n in page}

    assert names() == {"Lara Lapsed", "Mo Moderator", "Kit Kinship"}
    assert names(status="lapsed") == {"Lara Lapsed"}
    assert names(role="moderator") == {"Mo Moderator"}
    assert names(category="kinship") == {"Kit Kinship"}
    assert names(renewal_due="1") == {"Kit Kinship"}
    assert names(status="nonsense") == {"Lara Lapsed", "Mo Moderator", "Kit Kinship"}


def test_edit_roles_and_status_are_audited(app, admin_client, make_member):
    client, _admin = admin_client
    member = make_member("Jo Carer")
    response = client.post(
        f"/admin/members/{member.id}",
        data=_edit_data(
            member,
            roles=["moderator", "strategy"],
            status="suspended",
            status_reason="asked to pause",
            phone="07700 900333",
        ),
    )
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(Member, member.id)
        assert saved.roles == {"moderator", "strategy"} and saved.status == "suspended"
        assert saved.phone == "07700 900333" and saved.area == "Otley"
    [roles] = _audit(app, "member.roles")
    assert "moderator, strategy" in roles.detail
    [status] = _audit(app, "member.status")
    assert "active → suspended: asked to pause" in status.detail
    assert _audit(app, "member.edited")
    page = client.get("/admin/audit").data.decode()
    assert "member.status" in page and "Alex Admin" in page


def test_bad_edits_are_refused_and_nothing_is_saved(app, admin_client, make_member):
    client, admin = admin_client
    member = make_member("Jo Carer")
    other = make_member("Sam Other")
    taken = client.post(f"/admin/members/{member.id}", data=_edit_data(member, email=other.email, name="Changed"))
    assert b"belongs to another member" in taken.data
    bad = client.post(
        f"/admin/members/{member.id}",
        data=_edit_data(member, email="nope", name="", years_fostering="500", renewal_date="31/02/2027"),
    )
    body = bad.data.decode()
    assert "Please check the form" in body and "Enter a name" in body and "From 0 to 80" in body
    self_demote = client.post(f"/admin/members/{admin.id}", data=_edit_data(admin, roles=[]))
    assert (
        b"can&#39;t remove your own admin role" in self_demote.data
        or b"can't remove your own admin role" in self_demote.data
    )
    with app.app_context():
        assert db.session.get(Member, member.id).name == "Jo Carer"
        assert db.session.get(Member, admin.id).roles == {"admin"}
    assert client.get("/admin/members/999999").status_code == 404


def test_committee_can_edit_details_but_not_roles_or_status(app, make_member):
    committee = make_member("Cal Committee", roles=["committee"])
    member = make_member("Jo Carer")
    client = sign_in(app.test_client(), committee)
    client.post(f"/admin/members/{member.id}", data=_edit_data(member, roles=["admin"], status="left", area="Ilkley"))
    with app.app_context():
        saved = db.session.get(Member, member.id)
        assert saved.area == "Ilkley" and saved.roles == set() and saved.status == "active"
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/members/export.csv").status_code == 403


def test_link_and_unlink_a_household(app, admin_client, make_member):
    client, _admin = admin_client
    sam, chris = make_member("Sam Fletcher"), make_member("Chris Fletcher")
    assert (
        b"No member has that email"
        in client.post(
            f"/admin/members/{sam.id}/household", data={"partner_email": "nobody@example.org"}, follow_redirects=True
        ).data
    )
    client.post(f"/admin/members/{sam.id}/household", data={"partner_email": chris.email})
    with app.app_context():
        a, b = db.session.get(Member, sam.id), db.session.get(Member, chris.id)
        assert a.household_id == b.household_id and a.household.name == "Fletcher household"
    assert b"Chris Fletcher" in client.get(f"/admin/members/{sam.id}").data
    client.post(f"/admin/members/{sam.id}/household/unlink")
    with app.app_context():
        assert db.session.get(Member, sam.id).household_id is None
        assert db.session.get(Member, chris.id).household_id is None
        assert db.session.scalars(select(Household)).all() == []


def test_erasure_wipes_personal_fields_and_keeps_a_former_member(app, admin_client, make_member):
    client, admin = admin_client
    member = make_member("Jo Carer", phone="07700 900444", area="Otley", share_email=True)
    with app.test_request_context():
        from association.mail.outbox import queue_email

        queue_email(
            member.email,
            "Hello",
            "password_changed",
            member=db.session.get(Member, member.id),
            reset_url="https://x.test/",
        )
        db.session.commit()
    assert b"cannot be undone" in client.get(f"/admin/members/{member.id}/erase").data
    assert client.post(f"/admin/members/{member.id}/erase").status_code == 302
    with app.app_context():
        erased = db.session.get(Member, member.id)
        assert erased.display_name == "Former member" and erased.email is None and erased.phone is None
        assert erased.area == "" and erased.password_hash is None and erased.status == "left"
        message = db.session.scalar(select(OutboxMessage))
        assert member.email not in (message.to_address + message.text_body + message.html_body)
        assert message.status == "failed"
    assert _audit(app, "member.erased")
    assert client.get(f"/admin/members/{member.id}").status_code == 404
    assert client.post(f"/admin/members/{admin.id}/erase", follow_redirects=True).status_code == 200
    with app.app_context():
        assert db.session.get(Member, admin.id).erased_at is None  # you cannot erase yourself


def test_registry_uses_the_same_number_of_queries_for_10_and_500_members(app, admin_client):
    from tests.members.test_directory import _add_many

    client, _admin = admin_client
    client.get("/admin/members")
    _add_many(app, 10)
    with count_queries(app) as small:
        assert client.get("/admin/members").status_code == 200
    _add_many(app, 490, start=10)
    with count_queries(app) as large:
        page = client.get("/admin/members")
    assert b"Carer 0001" in page.data
    assert small[0] == large[0], f"{small[0]} queries for 10 members, {large[0]} for 500"
    with count_queries(app) as exported:
        csv = client.get("/admin/members/export.csv")
    assert csv.data.count(b"\n") == 502
    assert exported[0] <= large[0] + 2


def test_a_refused_household_link_is_shown_beside_the_email_on_the_members_page(app, admin_client, make_member):
    """No banner and redirect: the member's page again (400), the address kept and the message beside it,
    and the details form above still showing the saved record (not this request's empty form data)."""
    client, _admin = admin_client
    sam = make_member("Sam Fletcher")
    answer = client.post(f"/admin/members/{sam.id}/household", data={"partner_email": "nobody@example.org"})
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert re.search(
        r'<input(?=[^>]*aria-invalid="true")(?=[^>]*aria-describedby="partner_email-error")'
        r'(?=[^>]*value="nobody@example.org")[^>]*>',
        page,
    )
    assert re.search(r'<ul class="field-error" id="partner_email-error">.*No member has that email address', page, re.S)
    assert 'value="Sam Fletcher"' in page  # the details form is the saved record
    empty = client.post(f"/admin/members/{sam.id}/household", data={"partner_email": ""})
    assert empty.status_code == 400 and "Enter the other carer&#39;s email." in empty.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Member, sam.id).household_id is None
