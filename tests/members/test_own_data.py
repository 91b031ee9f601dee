"""A member's own data: the profile they edit, the JSON download, and asking to leave."""

from __future__ import annotations

import json

from association.extensions import db
from association.members.models import Member
from tests.support import sign_in

PROFILE = {
    "phone": "07700 900666",
    "area": "Otley",
    "service_name": "Brightpath",
    "skills": "Speaks Polish, First aid trainer",
    "buddy_willing": "y",
    "share_phone": "y",
}


def test_member_edits_what_they_offer_and_share(app, make_member):
    member = make_member("Jo Carer")
    client = sign_in(app.test_client(), member)
    assert client.post("/account/", data=PROFILE).status_code == 302
    with app.app_context():
        saved = db.session.get(Member, member.id)
        assert saved.buddy_willing and saved.share_phone and not saved.share_email
        assert sorted(s.name for s in saved.skills) == ["First aid trainer", "Speaks Polish"]
    page = client.get("/account/").data.decode()
    assert "Speaks Polish, First aid trainer" in page or "First aid trainer, Speaks Polish" in page


def test_profile_refuses_a_full_address_and_a_bad_phone(app, make_member):
    member = make_member("Jo Carer", area="Otley")
    client = sign_in(app.test_client(), member)
    response = client.post("/account/", data={**PROFILE, "area": "4 Mill Lane, Otley LS21 1AA", "phone": "ring me"})
    body = response.data.decode()
    assert "not your full address" in body and "phone number" in body
    with app.app_context():
        assert db.session.get(Member, member.id).area == "Otley"


def test_download_everything_held_as_json(app, make_member):
    member = make_member("Jo Carer", phone="07700 900777")
    client = sign_in(app.test_client(), member)
    response = client.get("/account/export.json")
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["profile"]["email"] == member.email and data["profile"]["phone"] == "07700 900777"
    assert "password_hash" not in json.dumps(data)
    assert {"roles", "skills", "household", "emails_sent_to_you", "admin_actions_about_you"} <= data.keys()


def test_asking_to_leave_reaches_the_admin_dashboard(app, make_member, admin_client):
    member = make_member("Jo Carer")
    client = sign_in(app.test_client(), member)
    unticked = client.post("/account/leave", data={"reason": "Moving away"})
    assert b"Tick the box" in unticked.data
    with app.app_context():
        assert db.session.get(Member, member.id).leave_requested_at is None
    assert client.post("/account/leave", data={"reason": "Moving away", "confirm": "y"}).status_code == 302
    admin, _ = admin_client
    assert b"Jo Carer" in admin.get("/admin/").data
