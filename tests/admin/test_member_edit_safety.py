"""Editing someone else's record can't take over their account, and two editors can't lose a save.

Before these rules a committee member could change an admin's email with no confirmation and no
notice, then reset the password at the new address and sign in as the admin.
"""

from __future__ import annotations

import re
import threading

from sqlalchemy import select

from association.core.audit import AuditEntry
from association.extensions import db
from association.mail.models import OutboxMessage
from association.mail.worker import deliver_due
from association.members.models import Member
from tests.support import add_member, dispose_app, make_app, sign_in

from .test_registry import _edit_data


def _audit(app, action):
    with app.app_context():
        return [e.detail for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == action))]


def _mail_to(app, address):
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address)))


def _version(client, member_id) -> str:
    page = client.get(f"/admin/members/{member_id}").data.decode()
    return re.search(r'name="edit_version"[^>]*value="(\d+)"', page).group(1)


def test_committee_cannot_take_over_an_admin_by_changing_their_email(app, make_member):
    admin = make_member("Alex Admin", roles=["admin"])
    committee = make_member("Cal Committee", roles=["committee"])
    client = sign_in(app.test_client(), committee)

    page = client.get(f"/admin/members/{admin.id}").data.decode()
    assert "only an admin can change this record" in page
    assert "Save changes" not in page
    attack = client.post(f"/admin/members/{admin.id}", data=_edit_data(admin, email="attacker@example.net"))
    assert attack.status_code == 403
    client.post("/password/reset", data={"email": "attacker@example.net"})
    with app.app_context():
        saved = db.session.get(Member, admin.id)
        assert saved.email == admin.email and saved.pending_email is None
    assert _mail_to(app, "attacker@example.net") == []


def test_committee_cannot_change_a_members_sign_in_email(app, make_member):
    committee = make_member("Cal Committee", roles=["committee"])
    member = make_member("Jo Carer")
    client = sign_in(app.test_client(), committee)
    page = client.get(f"/admin/members/{member.id}").data.decode()
    assert re.search(r'<input[^>]*name="email"[^>]*readonly', page)

    refused = client.post(
        f"/admin/members/{member.id}", data=_edit_data(member, email="new@example.net", area="Ilkley")
    )
    assert "Only an admin can change a member&#39;s sign-in email" in refused.data.decode()
    with app.app_context():
        saved = db.session.get(Member, member.id)
        assert saved.email == member.email and saved.area == "Riverside"  # nothing half-saved

    kept = client.post(f"/admin/members/{member.id}", data=_edit_data(member, area="Ilkley"))
    assert kept.status_code == 302


def test_committee_cannot_grant_roles_or_edit_a_fellow_above_them(app, make_member):
    committee = make_member("Cal Committee", roles=["committee"])
    peer = make_member("Pat Committee", roles=["committee"])
    client = sign_in(app.test_client(), committee)
    assert client.post(f"/admin/members/{peer.id}", data=_edit_data(peer, area="Leeds")).status_code == 302
    with app.app_context():
        assert db.session.get(Member, peer.id).area == "Leeds"


def test_an_admin_changing_an_email_needs_the_new_address_to_confirm_and_tells_the_old(
    app, admin_client, make_member, smtp
):
    client, admin = admin_client
    member = make_member("Jo Carer")
    response = client.post(f"/admin/members/{member.id}", data=_edit_data(member, email="Jo.New@Example.net"))
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(Member, member.id)
        assert saved.email == member.email and saved.pending_email == "jo.new@example.net"
    [notice] = _mail_to(app, member.email)
    assert "Alex Admin" in notice.text_body and "jo.new@example.net" in notice.text_body
    [confirm] = _mail_to(app, "jo.new@example.net")
    assert "Alex Admin, an admin" in confirm.text_body
    [detail] = _audit(app, "member.email_change_requested")
    assert f"'{member.email}'" in detail and "'jo.new@example.net'" in detail

    with app.app_context():
        deliver_due()
    assert {to for rcpts, _ in smtp.messages for to in rcpts} >= {member.email, "jo.new@example.net"}
    link = re.search(r"http://\S+/account/email/confirm/\S+", confirm.text_body).group(0)
    app.test_client().get(link.replace("http://localhost", ""))
    with app.app_context():
        assert db.session.get(Member, member.id).email == "jo.new@example.net"


def test_the_audit_says_who_changed_what_from_what(app, admin_client, make_member):
    client, admin = admin_client
    member = make_member("Jo Carer")
    client.post(f"/admin/members/{member.id}", data=_edit_data(member, name="Joanne Carer", phone="07700 900111"))
    [detail] = _audit(app, "member.edited")
    assert "name from 'Jo Carer' to 'Joanne Carer'" in detail
    assert "phone from (empty) to '07700 900111'" in detail
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "member.edited")).one()
        assert entry.actor_id == admin.id and entry.subject_id == member.id


def test_a_save_from_a_stale_form_is_stopped_and_both_values_are_shown(app, make_member):
    first = make_member("Alex Admin", roles=["admin"])
    second = make_member("Bo Admin", roles=["admin"])
    member = make_member("Jo Carer")
    one, two = sign_in(app.test_client(), first), sign_in(app.test_client(), second)
    seen_by_one, seen_by_two = _version(one, member.id), _version(two, member.id)

    assert (
        one.post(
            f"/admin/members/{member.id}", data=_edit_data(member, area="Ilkley", edit_version=seen_by_one)
        ).status_code
        == 302
    )
    clash = two.post(f"/admin/members/{member.id}", data=_edit_data(member, area="Skipton", edit_version=seen_by_two))
    page = clash.data.decode()
    assert clash.status_code == 200
    assert "Someone changed this while you were editing" in page
    assert "Saved now: Ilkley" in page and "Yours: Skipton" in page
    assert 'value="Skipton"' in page  # what they typed is kept
    with app.app_context():
        assert db.session.get(Member, member.id).area == "Ilkley"

    # Saving again from the page that showed the conflict is a deliberate overwrite.
    again = two.post(
        f"/admin/members/{member.id}", data=_edit_data(member, area="Skipton", edit_version=_version(two, member.id))
    )
    assert again.status_code == 302
    with app.app_context():
        assert db.session.get(Member, member.id).area == "Skipton"


def test_an_unreadable_version_is_treated_as_not_given(app, admin_client, make_member):
    client, _admin = admin_client
    member = make_member("Jo Carer")
    for hostile in ("-1", "99999999999999999999", "١"):
        response = client.post(f"/admin/members/{member.id}", data=_edit_data(member, edit_version=hostile))
        assert response.status_code == 302
    # A NUL byte never reaches the form: the request guard refuses it anywhere (core/request_guard.py).
    assert client.post(f"/admin/members/{member.id}", data=_edit_data(member, edit_version="\x00")).status_code == 400


def test_two_saves_racing_from_the_same_version_keep_exactly_one(request, database_url, tmp_path, smtp):
    # Threads need a database each of them can open: a file, not the per-connection memory database.
    url = f"sqlite:///{tmp_path / 'race.sqlite'}" if database_url.startswith("sqlite") else database_url
    race_app = make_app(url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    request.addfinalizer(lambda: dispose_app(race_app))
    admins = [add_member(race_app, f"Admin {n}", roles=["admin"]) for n in range(6)]
    member = add_member(race_app, "Jo Carer")
    clients = [sign_in(race_app.test_client(), a) for a in admins]
    version = _version(clients[0], member.id)
    results: list[int] = []
    start = threading.Barrier(len(clients))

    def save(n, client):
        start.wait()
        page = client.post(
            f"/admin/members/{member.id}", data=_edit_data(member, area=f"Town {n}", edit_version=version)
        )
        results.append(page.status_code)

    threads = [threading.Thread(target=save, args=(n, c)) for n, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] * 5 + [302]
    with race_app.app_context():
        saved = db.session.get(Member, member.id)
        assert saved.edit_version == int(version) + 1 and saved.area.startswith("Town ")


def test_an_applicant_cannot_be_linked_into_a_household(app, admin_client, make_member):
    client, _admin = admin_client
    member = make_member("Jo Carer")
    applicant = make_member("Ann Applicant", status="applicant")
    page = client.post(
        f"/admin/members/{member.id}/household", data={"partner_email": applicant.email}, follow_redirects=True
    ).get_data(as_text=True)
    assert "No member has that email address" in page
    with app.app_context():
        assert db.session.get(Member, member.id).household_id is None
        assert db.session.get(Member, applicant.id).household_id is None
