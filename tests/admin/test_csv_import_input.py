"""The registry import under crafted files: a clear message in the preview, never a 500, nothing
written (issue 11, defects 2 and 6)."""

from __future__ import annotations

import csv
import io
import time

import pytest
from sqlalchemy import func, select

from association.extensions import db
from association.members.models import Member
from tests.admin.test_csv import HEADER, _upload

ROW = "Rhian Evans,rhian@example.org,07700 900555,Otley,local_authority,kinship,{years},active,,2027-04-30,,yes\n"


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Member))


def _preview(client, text: str) -> str:
    response = _upload(client, text)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _refused(app, client, text: str, *messages: str) -> None:
    """The preview explains the problem, offers no import, and a confirm of the same text is refused."""
    before = _count(app)
    body = _preview(client, text)
    for message in messages:
        assert message in body, (message, body[body.find("error-summary") :][:1500])
    assert 'name="csv_text"' not in body  # no confirm button
    assert client.post("/admin/members/import/confirm", data={"csv_text": text}).status_code in (400, 302)
    assert _count(app) == before


@pytest.mark.parametrize("years", ["²", "٣", "¾", "1.5", "-1", "+3", "81", "007", "1e2", "３"])
def test_years_fostering_must_be_ascii_digits_from_0_to_80(app, admin_client, years):
    client, _admin = admin_client
    _refused(
        app, client, HEADER + ROW.format(years=years), "Line 2: years_fostering must be a whole number from 0 to 80"
    )


@pytest.mark.parametrize("years", ["0", "3", "80", " 12 ", ""])
def test_good_years_are_accepted(app, admin_client, years):
    client, _admin = admin_client
    assert "Import 1 members" in _preview(client, HEADER + ROW.format(years=years))


def test_a_cell_beyond_the_csv_field_limit_is_explained(app, admin_client):
    client, _admin = admin_client
    huge = "x" * (csv.field_size_limit() + 10)
    _refused(
        app,
        client,
        HEADER + ROW.format(years=3) + f'"{huge}",big@example.org,,,,,,,,,,\n',
        "Line 3: A cell is longer than 131,072 characters",
    )
    # An unclosed quote swallows the rest of the file into one cell: the same clear message.
    _refused(app, client, HEADER + '"Jo Carer,jo@example.org\n' + ("y" * 1000 + "\n") * 140, "A cell is longer than")


@pytest.mark.parametrize(
    "cell",
    [
        '"Eve\r\nBcc: all@example.org"',
        '"Eve\nX"',
        "Eve\tX",
        "Eve\x00X",
        "Eve\u2028X",
        "Eve\x85X",
        "Eve\x1bX",
        "Eve\x7fX",
    ],
)
@pytest.mark.parametrize("column", ["name", "area", "service_name", "skills"])
def test_control_characters_in_any_cell_refuse_the_row(app, admin_client, cell, column):
    client, _admin = admin_client
    values = {
        "name": "Eve Adams",
        "email": "eve@example.org",
        "area": "Otley",
        "service_name": "Riverside",
        "skills": "First aid",
    }
    values[column] = cell
    text = (
        "name,email,area,service_name,skills\n"
        + ",".join(values.values())
        + "\n"
        + "Omar Iqbal,omar@example.org,Hadley,Riverside,\n"
    )
    _refused(app, client, text, f"Line 2: {column} contains a line break or special character")


def test_empty_files_and_odd_headers_are_explained(app, admin_client):
    client, _admin = admin_client
    for text, message in [
        ("", "The file is empty"),
        ("\ufeff", "The file is empty"),
        ("\n\n  \n", "The file is empty"),
        (HEADER, "no rows to import"),
        (HEADER + ",,,,,,,,,,,\n" * 3, "no rows to import"),
        ("name,email,email\nJo,jo@example.org,jo@example.org\n", "appear more than once: email"),
        ("name,email,\nJo,jo@example.org,\n", "Unknown columns: (a blank name)"),
        ("name,email,\x00evil\nJo,jo@example.org,x\n", "Unknown columns:"),
        ('name,email\r\n"Jo\rCarer",jo@example.org\r\n', "name contains a line break"),
    ]:
        _refused(app, client, text, message)


def test_a_byte_order_mark_and_windows_line_ends_are_fine(app, admin_client):
    client, _admin = admin_client
    text = "\ufeff" + (HEADER + ROW.format(years=4)).replace("\n", "\r\n")
    response = client.post(
        "/admin/members/import",
        data={"file": (io.BytesIO(text.encode("utf-8")), "m.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and "Import 1 members" in response.get_data(as_text=True)
    assert client.post("/admin/members/import/confirm", data={"csv_text": text}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Member.years_fostering).where(Member.email == "rhian@example.org")) == 4


def test_duplicate_emails_in_the_file_whatever_their_case(app, admin_client):
    client, _admin = admin_client
    text = HEADER + ROW.format(years=1) + ROW.format(years=2).replace("rhian@example.org", "Rhian@Example.ORG")
    _refused(app, client, text, "Line 3: email rhian@example.org is also on line 2")


def test_the_largest_allowed_import_is_previewed_and_imported(app, admin_client):
    """5,000 rows (about 400 KB): previewed, confirmed through the form (the CSV comes back as a form
    field, beyond Flask's default 500 KB form limit for a larger file), and written in one commit."""
    client, _admin = admin_client
    rows = "".join(f"Carer {n},carer{n}@example.org,,Otley,,,,,,,First aid;Speaks Welsh,no\n" for n in range(5000))
    text = HEADER + rows
    started = time.perf_counter()
    body = _preview(client, text + "One Too Many,extra@example.org,,,,,,,,,,\n")
    assert "Import at most 5000 rows" in body
    assert "Import 5000 members" in _preview(client, text)
    padded = text.replace(",Otley,", "," + "O" * 81 + ",")  # ~850 KB
    assert len(padded.encode()) > 500_000
    assert "longer than 80" in _preview(client, padded)  # read to the end, not refused as too large
    # A full registry: every row with a long fostering service name, about 1 MB in all.
    full = "name,email,area,service_name,skills\n" + "".join(
        f"Carer {n},carer{n}@example.org,Otley,{'Riverside County Council Fostering Service ' * 2},First aid\n"
        for n in range(5000)
    )
    assert len(full.encode()) > 500_000
    before = _count(app)
    assert "Import 5000 members" in _preview(client, full)
    response = client.post("/admin/members/import/confirm", data={"csv_text": full})
    assert response.status_code == 302, response.status_code
    assert _count(app) == before + 5000
    assert time.perf_counter() - started < 120
