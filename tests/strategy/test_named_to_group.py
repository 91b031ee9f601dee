"""'Named to the strategy group' (issue 11, defect 9): the raise page promises that only the group
sees the name of a carer who chose to be named, so they can ask more. The group sees it on the
workspace, triage and the item's page; nobody else does, never for an anonymous item, and never
in what leaves the group (a pack, 'you said, we did')."""

from __future__ import annotations

import pytest

from association.extensions import db
from association.members.models import Member
from association.strategy.items import decline
from tests.support import count_queries, sign_in

from .helpers import add_item, add_meeting


@pytest.fixture
def raised(app, make_member):
    named_author = make_member("Nadia Named")
    shy_author = make_member("Quentin Quiet")
    ids = {
        "named": add_item(app, named_author.id, "Respite requests take three months to answer", anonymous=False),
        "anonymous": add_item(app, shy_author.id, "Allowances arrive late every quarter", anonymous=True),
        "strategist": make_member("Stef Strategy", roles=["strategy"]),
        "admin": make_member("Ada Admin", roles=["admin"]),
        "member": make_member("Mel Member"),
        "moderator": make_member("Mo Moderator", roles=["moderator", "committee"]),
    }
    return ids


@pytest.mark.parametrize("who", ["strategist", "admin"])
def test_the_group_sees_the_name_of_a_carer_who_chose_to_be_named(app, raised, who):
    client = sign_in(app.test_client(), raised[who])
    for url in ("/strategy/", f"/strategy/items/{raised['named']}/triage", f"/strategy/items/{raised['named']}"):
        page = client.get(url).data.decode()
        assert "Nadia Named" in page, url
        assert "Quentin Quiet" not in page, url


@pytest.mark.parametrize("who", ["strategist", "admin"])
def test_the_group_never_sees_who_raised_an_anonymous_item(app, raised, who):
    client = sign_in(app.test_client(), raised[who])
    for url in (f"/strategy/items/{raised['anonymous']}/triage", f"/strategy/items/{raised['anonymous']}"):
        page = client.get(url).data.decode()
        assert "Quentin Quiet" not in page and "Nadia Named" not in page, url


@pytest.mark.parametrize("who", ["member", "moderator"])
def test_other_members_never_see_the_name(app, raised, who):
    client = sign_in(app.test_client(), raised[who])
    for url in (f"/strategy/items/{raised['named']}", "/strategy/items", "/strategy/you-said-we-did"):
        page = client.get(url).data.decode()
        assert "Nadia Named" not in page, url
    assert client.get("/strategy/").status_code == 403


def test_a_pack_never_carries_the_name(app, raised):
    meeting_id = add_meeting(app)
    add_item(
        app, raised["strategist"].id, "Training dates clash with school runs", anonymous=False, meeting_id=meeting_id
    )
    client = sign_in(app.test_client(), raised["strategist"])
    client.post(
        f"/strategy/items/{raised['named']}/triage",
        data={
            "theme_id": "0",
            "pack_wording": "Respite requests take three months to answer",
            "meeting_id": str(meeting_id),
        },
    )
    assert "Nadia Named" not in client.get(f"/strategy/meetings/{meeting_id}/pack").data.decode()
    assert "Stef Strategy" not in client.get(f"/strategy/meetings/{meeting_id}/pack.csv").data.decode()


def test_a_declined_named_item_still_shows_its_author_to_the_group_only(app, raised):
    with app.app_context():
        from association.strategy.models import FeedbackItem

        decline(
            db.session.get(FeedbackItem, raised["named"]),
            db.session.get(Member, raised["strategist"].id),
            "Outside what the service can change",
        )
    page = sign_in(app.test_client(), raised["strategist"]).get(f"/strategy/items/{raised['named']}/triage")
    assert "Nadia Named" in page.data.decode()


def test_the_workspace_reads_the_names_in_a_fixed_number_of_queries(app, raised, make_member):
    client = sign_in(app.test_client(), raised["strategist"])
    client.get("/strategy/")
    with count_queries(app) as few:
        client.get("/strategy/")
    for n in range(8):
        author = make_member(f"Carer Number{n}")
        add_item(app, author.id, f"Item {n} about mileage", anonymous=n % 2 == 0)
    with count_queries(app) as many:
        page = client.get("/strategy/").data.decode()
    assert "Carer Number1" in page and "Carer Number0" not in page
    assert many[0] == few[0]
