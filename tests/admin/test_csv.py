"""CSV export and the import that checks every row before it writes any."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from association.extensions import db
from association.members.models import Member

HEADER = (
    "name,email,phone,area,service_type,approval_category,years_fostering,"
    "status,roles,renewal_date,skills,buddy_willing\n"
)
GOOD_ROWS = (
    "Rhian Evans,rhian@example.org,07700 900555,Otley,local_authority,kinship,4,active,committee,2027-04-30,"
    "Speaks Welsh;First aid trainer,yes\n"
    "Omar Iqbal,omar@example.org,,Hadley,independent_agency,mainstream,12,active,,2027-06-01,,no\n"
)


def _upload(client, text: str, name="members.csv"):
    return client.post(
        "/admin/members/import", data={"file": (io.BytesIO(text.encode()), name)}, content_type="multipart/form-data"
    )


def _count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Member))


def test_export_has_every_member_and_defuses_formulas(app, admin_client, make_member):
    client, _admin = admin_client
    make_member('=HYPERLINK("http://evil")', area="Otley")
    response = client.get("/admin/members/export.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.data.decode())))
    assert {r["name"] for r in rows} == {"Alex Admin", '\'=HYPERLINK("http://evil")'}
    assert rows[0].keys() >= {"email", "status", "roles", "renewal_date", "skills"}


def test_good_import_previews_then_imports_and_emails(app, admin_client, smtp):
    client, _admin = admin_client
    before = _count(app)
    preview = _upload(client, HEADER + GOOD_ROWS)
    assert preview.status_code == 200 and b"Import 2 members" in preview.data
    assert _count(app) == before  # a preview writes nothing
    response = client.post("/admin/members/import/confirm", data={"csv_text": HEADER + GOOD_ROWS, "send_welcome": "y"})
    assert response.status_code == 302
    with app.app_context():
        rhian = db.session.scalar(select(Member).where(Member.email == "rhian@example.org"))
        assert rhian.roles == {"committee"} and rhian.approval_category == "kinship" and rhian.buddy_willing
        assert sorted(s.name for s in rhian.skills) == ["First aid trainer", "Speaks Welsh"]
        from association.mail.worker import deliver_due

        deliver_due()
    assert smtp.wait_for("rhian@example.org") and smtp.wait_for("omar@example.org")
    assert _count(app) == before + 2


def test_bad_rows_are_listed_by_line_and_nothing_is_imported(app, admin_client, make_member):
    client, _admin = admin_client
    make_member("Already Here", email="taken@example.org")
    before = _count(app)
    text = (
        HEADER
        + GOOD_ROWS
        + (
            ",missing-name@example.org,,,,,,,,,,\n"  # line 4
            "Bad Email,not-an-email,,,,,,,,,,\n"  # line 5
            "Dup,rhian@example.org,,,,,,,,,,\n"  # line 6
            "Taken,taken@example.org,,,,,,,,,,\n"  # line 7
            "Odd,odd@example.org,,,council,fostering,lots,gone,king,31/12/2027,,maybe\n"  # line 8
            f"{'L' * 130},long@example.org,,,,,,,,,,\n"  # line 9
            "Too,many@example.org,,,,,,,,,,,extra\n"  # line 10
        )
    )
    response = _upload(client, text)
    body = response.data.decode()
    for line, reason in [
        (4, "name is missing"),
        (5, "not a valid email"),
        (6, "also on line 2"),
        (7, "already belongs to a member"),
        (8, "service_type"),
        (8, "approval_category"),
        (8, "years_fostering"),
        (8, "status"),
        (8, "roles"),
        (8, "renewal_date"),
        (8, "buddy_willing"),
        (9, "longer than 120"),
        (10, "more cells"),
    ]:
        assert f"Line {line}" in body and reason in body, (line, reason)
    assert "Import 2 members" not in body
    # Posting the bad file straight to confirm is refused too: all or nothing.
    confirm = client.post("/admin/members/import/confirm", data={"csv_text": text})
    assert confirm.status_code == 400
    assert _count(app) == before


def test_unusable_files_get_a_clear_message(app, admin_client):
    client, _admin = admin_client
    assert (
        b"Choose a CSV file" in client.post("/admin/members/import", data={}, content_type="multipart/form-data").data
    )
    assert b"Choose a .csv file" in _upload(client, HEADER + GOOD_ROWS, name="members.xlsx").data
    latin1 = client.post(
        "/admin/members/import",
        data={"file": (io.BytesIO("name,email\nJos\xe9,j@example.org\n".encode("latin-1")), "m.csv")},
        content_type="multipart/form-data",
    )
    assert b"CSV UTF-8" in latin1.data
    assert b"missing: email" in _upload(client, "name,mail\nJo,jo@example.org\n").data
    assert b"Unknown columns: shoe_size" in _upload(client, "name,email,shoe_size\nJo,jo@example.org,9\n").data
    assert b"no rows to import" in _upload(client, HEADER).data
    assert b"expired" in client.post("/admin/members/import/confirm", data={}, follow_redirects=True).data
