"""The members' directory: search, what is shared, households, and a fixed number of queries."""

from __future__ import annotations

import pytest

from association.extensions import db
from association.members.directory import set_skills
from association.members.models import Household, Member
from tests.events.helpers import rows_returned, statements_run
from tests.support import count_queries, sign_in


def _add_many(app, count: int, start: int = 0) -> None:
    with app.app_context():
        households = []
        for i in range(start, start + count):
            member = Member(
                name=f"Carer {i:04d}",
                email=f"carer{i}@example.net",
                area="Hadley",
                status="active",
                application_state="approved",
                service_name="Brightpath Fostering",
                share_service=True,
                buddy_willing=i % 3 == 0,
            )
            set_skills(member, ["First aid trainer"] if i % 2 else ["Speaks Polish", "Life story work"])
            if i % 4 == 0:
                households.append(Household(name=f"Household {i}"))
                db.session.add(households[-1])
                member.household = households[-1]
            elif i % 4 == 1 and households:
                member.household = households[-1]
            db.session.add(member)
        db.session.commit()


@pytest.fixture
def directory_client(app, make_member):
    viewer = make_member("Vera Viewer")
    return sign_in(app.test_client(), viewer)


def test_search_by_name_area_service_skill_and_buddy(app, make_member, directory_client):
    priya = make_member(
        "Priya Patel", area="Otley", buddy_willing=True, service_name="Brightpath Fostering", share_service=True
    )
    make_member("Tom Baker", area="Leeds LS6", service_name="Brightpath Fostering", share_service=False)
    make_member("Gone Away", area="Otley", status="left")
    with app.app_context():
        set_skills(db.session.get(Member, priya.id), ["Speaks Polish", "First aid trainer"])
        db.session.commit()

    def names(**query):
        page = directory_client.get("/members/", query_string=query).data.decode()
        return {n for n in ("Priya Patel", "Tom Baker", "Gone Away", "Vera Viewer") if n in page}

    assert names(q="priya") == {"Priya Patel"}
    assert names(area="otley") == {"Priya Patel"}  # a member who left is never listed
    assert names(area="LS6") == {"Tom Baker"}
    assert names(skill="polish") == {"Priya Patel"}
    assert names(buddy="1") == {"Priya Patel"}
    # Tom did not share his fostering service, so he cannot be found by it.
    assert names(service="brightpath") == {"Priya Patel"}
    assert names(q="%") == set()  # wildcards are literal
    assert "Vera Viewer" in names()


def test_only_shared_contact_details_are_shown(app, make_member, directory_client):
    make_member("Private Pat", phone="07700 900111", area="Otley")
    make_member(
        "Open Olu", phone="07700 900222", area="Otley", share_phone=True, share_email=True, email="olu@example.org"
    )
    page = directory_client.get("/members/", query_string={"area": "otley"}).data.decode()
    assert "07700 900222" in page and "olu@example.org" in page
    assert "07700 900111" not in page
    private = directory_client.get("/members/", query_string={"q": "private"}).data.decode()
    assert "private.pat" not in private.lower()


def test_households_are_shown_together(app, make_member, directory_client):
    a = make_member("Sam Fletcher", area="Otley")
    b = make_member("Chris Fletcher", area="Leeds")
    with app.app_context():
        household = Household(name="Fletcher household")
        for ref in (a, b):
            db.session.get(Member, ref.id).household = household
        db.session.commit()
    # Only Sam matches the area, but Chris is shown beside them.
    page = directory_client.get("/members/", query_string={"area": "otley"}).data.decode()
    assert "Sam Fletcher" in page and "Chris Fletcher" in page
    assert page.count('class="household"') == 1


def test_profile_of_a_member_and_of_someone_who_left(app, make_member, directory_client):
    active = make_member("Amy Active", area="Otley")
    left = make_member("Lee Left", status="left")
    assert b"Amy Active" in directory_client.get(f"/members/{active.id}").data
    assert directory_client.get(f"/members/{left.id}").status_code == 404
    assert directory_client.get("/members/999999").status_code == 404
    assert directory_client.get("/members/not-a-number").status_code == 404


def test_bad_page_numbers_are_handled(app, directory_client):
    for page in ("0", "-3", "9999", "abc"):
        assert directory_client.get("/members/", query_string={"page": page}).status_code == 200


def test_directory_uses_the_same_number_of_queries_for_10_and_500_members(app, directory_client):
    directory_client.get("/members/")  # warm up: first-request work is not the page's
    _add_many(app, 10)
    with count_queries(app) as small:
        assert directory_client.get("/members/").status_code == 200
    _add_many(app, 490, start=10)
    with count_queries(app) as large:
        page = directory_client.get("/members/")
    assert page.status_code == 200 and b"Carer 0001" in page.data
    assert small[0] == large[0], f"{small[0]} queries for 10 members, {large[0]} for 500"
    with count_queries(app) as searched:
        directory_client.get("/members/", query_string={"skill": "polish", "buddy": "1", "page": "2"})
    assert searched[0] == large[0]


def test_directory_reads_one_page_of_rows_however_many_members(app, directory_client):
    _add_many(app, 500)
    directory_client.get("/members/")
    with statements_run(app) as run:
        first = directory_client.get("/members/")
    read = sum(rows_returned(app, run))
    _add_many(app, 500, start=500)
    with statements_run(app) as run:
        again = directory_client.get("/members/")
    assert b"Page 1 of 26" in again.data and again.data.count(b'class="member"') == first.data.count(b'class="member"')
    assert len(run) <= 6 and sum(rows_returned(app, run)) == read, "rows read grew with the number of members"
    # One page: forty members, their household partners and their skills; never every member.
    assert read < 200


def test_details_a_member_did_not_share_are_never_read(app, make_member, directory_client):
    make_member(
        "Private Pat",
        email="pat.private@example.org",
        phone="07700 900111",
        area="Otley",
        service_name="Hidden Fostering",
        approval_category="kinship",
    )
    make_member(
        "Open Olu",
        email="olu@example.org",
        phone="07700 900222",
        area="Otley",
        share_email=True,
        share_phone=True,
        service_name="Brightpath Fostering",
        share_service=True,
        share_category=True,
        approval_category="short_breaks",
    )
    with statements_run(app) as run:
        page = directory_client.get("/members/", query_string={"area": "otley"}).data.decode()
    assert "olu@example.org" in page and "07700 900222" in page and "Brightpath Fostering" in page
    assert "Short breaks" in page
    with app.app_context():
        conn = db.session.connection()
        read = repr(
            [
                conn.exec_driver_sql(statement, parameters).fetchall()
                for statement, parameters in run
                if statement.lstrip().upper().startswith("SELECT")
            ]
        )
    assert "Open Olu" in read
    for private in ("pat.private@example.org", "07700 900111", "Hidden Fostering", "kinship"):
        assert private not in read and private not in page


def test_a_page_past_the_end_shows_the_last_page(app, directory_client):
    _add_many(app, 45)
    page = directory_client.get("/members/", query_string={"page": "9999"}).data.decode()
    assert "Page 2 of 2" in page and "Carer 0044" in page and "Carer 0001" not in page
    searched = directory_client.get("/members/", query_string={"q": "carer 003", "page": "3"}).data.decode()
    assert "Carer 0030" in searched and "Carer 0039" in searched and "Page 1" not in searched
    nothing = directory_client.get("/members/", query_string={"q": "nobody", "page": "2"}).data.decode()
    assert "No members match that search." in nothing


def test_a_partner_who_left_is_not_shown_and_partners_show_their_skills(app, make_member, directory_client):
    sam = make_member("Sam Fletcher", area="Otley")
    chris = make_member("Chris Fletcher", area="Leeds")
    lee = make_member("Lee Fletcher", area="Leeds", status="left")
    with app.app_context():
        household = Household(name="Fletcher household")
        for ref in (sam, chris, lee):
            db.session.get(Member, ref.id).household = household
        set_skills(db.session.get(Member, chris.id), ["Speaks Welsh", "First aid trainer"])
        db.session.commit()
    page = directory_client.get("/members/", query_string={"area": "otley"}).data.decode()
    assert "Sam Fletcher" in page and "Chris Fletcher" in page and "Lee Fletcher" not in page
    assert "First aid trainer, Speaks Welsh" in page
    assert page.index("Chris Fletcher") < page.index("Sam Fletcher")  # partners in name order
