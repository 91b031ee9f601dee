"""My training: what it adds up, own entries with certificate files, certificates, the annual review,
the public check, and what erasure and the data download do with it."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from association.core.timefmt import local_today
from association.extensions import db
from association.members.models import Member
from association.members.registry import erase_member
from association.training.models import RegisterEntry, TrainingEntry
from tests.support import count_queries, sign_in

from .helpers import going, held_event, mark, topic, with_course

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def carer(app, make_member, tmp_path):
    app.config["CERTIFICATE_FOLDER"] = str(tmp_path / "certificates")
    member = make_member("Jo Fletcher")
    return member, sign_in(app.test_client(), member)


def _entry_form(**overrides):
    data = {"title": "Paediatric first aid", "provider": "Red Cross", "completed_on": "2026-03-14", "hours": "6"}
    data.update(overrides)
    return data


def _entries(app, member_id: int) -> list[TrainingEntry]:
    with app.app_context():
        return list(db.session.scalars(select(TrainingEntry).where(TrainingEntry.member_id == member_id)))


def test_training_attended_is_on_the_record_with_a_certificate_anyone_can_check(app, carer, make_member):
    member, client = carer
    organiser = make_member("Olive Organiser")
    safeguarding = topic(app, "Safeguarding", 36)
    event_id = held_event(app, organiser.id, title="Managing allegations")
    with_course(app, event_id, 150, [safeguarding], "Know the steps\nKnow where to get support")
    going(app, event_id, member.id)
    mark(app, event_id, {member.id: True}, organiser.id)

    page = client.get("/training/").get_data(as_text=True)
    assert "Managing allegations" in page and "2.5 hours" in page and "Safeguarding" in page
    code = re.search(r"/training/certificates/([\w-]+)\.pdf", page).group(1)

    pdf = client.get(f"/training/certificates/{code}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    other = sign_in(app.test_client(), make_member("Nosy Neighbour"))
    assert other.get(f"/training/certificates/{code}.pdf").status_code == 404

    anyone = app.test_client()
    checked = anyone.get(f"/verify/{code}").get_data(as_text=True)
    assert "This certificate is genuine" in checked and "Jo Fletcher" in checked and "Managing allegations" in checked
    assert member.email not in checked
    for wrong in ("A" * 32, code[:-1] + ("A" if code[-1] != "A" else "B"), "short", "x" * 5000, "a%20b"):
        response = anyone.get(f"/verify/{wrong}")
        assert response.status_code == 404 and "find a certificate with that code" in response.get_data(as_text=True)
    assert anyone.get("/verify/%00").status_code == 400
    assert anyone.get(f"/verify/?code={code}").headers["Location"].endswith(f"/verify/{code}")

    # Marked absent afterwards: the certificate no longer checks out.
    mark(app, event_id, {member.id: False}, organiser.id)
    assert anyone.get(f"/verify/{code}").status_code == 404


def test_a_carer_adds_training_with_a_certificate_only_they_can_open(app, carer, make_member):
    member, client = carer
    first_aid = topic(app, "First aid", 36)
    added = client.post(
        "/training/add",
        data={**_entry_form(topics=[str(first_aid)]), "certificate": (io.BytesIO(PDF), "My cert.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Added to your training record: Paediatric first aid." in added.get_data(as_text=True)
    (entry,) = _entries(app, member.id)
    assert entry.minutes == 360 and entry.certificate_type == "application/pdf"
    stored = app.config["CERTIFICATE_FOLDER"] + "/" + entry.certificate_file
    assert open(stored, "rb").read() == PDF

    download = client.get(f"/training/entries/{entry.id}/certificate")
    assert download.data == PDF and "attachment" in download.headers["Content-Disposition"]
    other = sign_in(app.test_client(), make_member("Nosy Neighbour"))
    assert other.get(f"/training/entries/{entry.id}/certificate").status_code == 404
    assert other.post(f"/training/entries/{entry.id}/delete").status_code == 404
    admin = sign_in(app.test_client(), make_member("Ada Admin", roles=["admin"]))
    assert admin.get(f"/training/entries/{entry.id}/certificate").status_code == 404

    photo = client.post(
        "/training/add",
        data={**_entry_form(title="Online safety"), "certificate": (io.BytesIO(_png()), "photo.png")},
        content_type="multipart/form-data",
    )
    assert photo.status_code == 302
    assert {e.certificate_type for e in _entries(app, member.id)} == {"application/pdf", "image/png"}

    client.post(f"/training/entries/{entry.id}/delete")
    assert len(_entries(app, member.id)) == 1
    assert not os.path.exists(stored)


@pytest.mark.parametrize(
    "upload, message",
    [
        ((b"<html>not a pdf</html>", "cert.pdf"), "isn&#39;t a PDF or a photo we can read"),
        ((b"%PDF-1.4 but cut short", "cert.pdf"), "isn&#39;t a PDF or a photo we can read"),
        ((b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "photo.png"), "isn&#39;t a PDF or a photo we can read"),
        ((b"", "empty.pdf"), "That file is empty"),
        ((b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024) + b"\n%%EOF", "huge.pdf"), "larger than 10 MB"),
    ],
)
def test_a_file_that_is_not_a_certificate_is_refused_and_nothing_is_kept(app, carer, upload, message):
    member, client = carer
    content, name = upload
    response = client.post(
        "/training/add",
        data={**_entry_form(), "certificate": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _entries(app, member.id) == []
    folder = app.config["CERTIFICATE_FOLDER"]
    assert not os.path.isdir(folder) or os.listdir(folder) == []


def test_an_upload_far_over_the_limit_is_stopped_before_it_is_read(app, carer):
    member, client = carer
    response = client.post(
        "/training/add",
        data={**_entry_form(), "certificate": (io.BytesIO(b"%PDF-" + b"0" * (12 * 1024 * 1024)), "big.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413 and "That file is too large" in response.get_data(as_text=True)
    assert _entries(app, member.id) == []


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("hours", "0", "between a quarter of an hour"),
        ("hours", "500", "between a quarter of an hour"),
        ("hours", "-2", "between a quarter of an hour"),
        ("hours", "lots", "Please give the hours as a number"),
        ("completed_on", (date.today() + timedelta(days=10)).isoformat(), "in the future"),
        ("completed_on", "1066-10-14", "check the year"),
        ("completed_on", "14th March", "like 2026-03-14"),
        ("title", "", "Please say what the training was called."),
        ("title", "x" * 201, "200"),
        ("provider", "Red\r\nCross", "line breaks"),
    ],
)
def test_bad_training_details_are_refused_beside_their_field(app, carer, field, value, message):
    member, client = carer
    response = client.post("/training/add", data=_entry_form(**{field: value}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _entries(app, member.id) == []


def test_my_training_adds_up_by_year_and_topic_and_says_what_needs_renewing(app, carer):
    member, client = carer
    with app.app_context():
        today = local_today()
    first_aid, safeguarding = topic(app, "First aid", 36), topic(app, "Safeguarding", 12)
    trauma = topic(app, "Attachment and trauma")
    for title, day, hours, topics in (
        ("First aid at work", today - timedelta(days=3 * 365 - 30), "6", [first_aid]),
        ("Safeguarding refresher", today - timedelta(days=400), "3", [safeguarding]),
        ("Trauma-informed care", today - timedelta(days=20), "1.5", [trauma, safeguarding]),
    ):
        client.post(
            "/training/add",
            data=_entry_form(title=title, completed_on=day.isoformat(), hours=hours, topics=[str(t) for t in topics]),
        )
    page = client.get("/training/").get_data(as_text=True)
    assert "3 pieces of training, 10.5 hours in all." in page
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Safeguarding 2 4.5 hours" in text and "First aid 1 6 hours" in text
    # First aid (3 years, done 35 months ago) runs out within 60 days; safeguarding (1 year) was
    # renewed 20 days ago; attachment and trauma does not run out, so it is not listed.
    assert re.search(r"First aid \(3 years\): Due for renewal, runs out", text)
    assert re.search(r"Safeguarding \(1 year\): Up to date, runs out", text)
    assert "Attachment and trauma (" not in text
    assert "Due for renewal First aid : runs out on" in text


def test_the_annual_review_download_holds_the_chosen_period(app, carer):
    member, client = carer
    client.post("/training/add", data=_entry_form(title="Inside the period", completed_on="2026-02-01"))
    client.post("/training/add", data=_entry_form(title="Before the period", completed_on="2024-02-01"))
    csv = client.get("/training/review?start=2025-04-01&end=2026-03-31&format=csv").get_data(as_text=True)
    assert "Inside the period" in csv and "Before the period" not in csv
    pdf = client.get("/training/review?start=2025-04-01&end=2026-03-31")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    for query, message in (
        ("start=2026-04-01&end=2025-04-01", "The last day is before the first"),
        ("start=&end=2025-04-01", "Please give the first day"),
        ("start=yesterday&end=2025-04-01", "like 2026-03-14"),
    ):
        response = client.get(f"/training/review?{query}")
        assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_formulas_typed_as_a_title_stay_text_in_the_spreadsheet(app, carer):
    member, client = carer
    client.post("/training/add", data=_entry_form(title='=HYPERLINK("http://x")', completed_on="2026-02-01"))
    csv = client.get("/training/review?start=2025-04-01&end=2026-03-31&format=csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv


def test_my_training_reads_a_fixed_number_of_statements(app, carer, make_member):
    member, client = carer
    organiser = make_member("Olive Organiser")
    topics = [topic(app, f"Topic {n}", 24) for n in range(3)]
    costs = []
    for batch in (1, 12):
        for n in range(batch):
            event_id = held_event(app, organiser.id, title=f"Course {batch}-{n}")
            with_course(app, event_id, 60, topics[: 1 + n % 3])
            going(app, event_id, member.id)
            mark(app, event_id, {member.id: True}, organiser.id)
            client.post("/training/add", data=_entry_form(title=f"Own {batch}-{n}", topics=[str(topics[n % 3])]))
        with count_queries(app) as statements:
            page = client.get("/training/")
        assert page.status_code == 200
        costs.append(statements[0])
    assert costs[0] == costs[1], costs


def test_erasure_removes_own_training_and_files_but_keeps_the_register_line(app, carer, make_member):
    member, client = carer
    organiser = make_member("Olive Organiser")
    admin = make_member("Ada Admin", roles=["admin"])
    event_id = held_event(app, organiser.id)
    going(app, event_id, member.id)
    mark(app, event_id, {member.id: True}, organiser.id)
    client.post(
        "/training/add",
        data={**_entry_form(), "certificate": (io.BytesIO(PDF), "cert.pdf")},
        content_type="multipart/form-data",
    )
    (entry,) = _entries(app, member.id)
    stored = app.config["CERTIFICATE_FOLDER"] + "/" + entry.certificate_file
    with app.app_context():
        code = db.session.scalar(select(RegisterEntry.certificate_code).where(RegisterEntry.member_id == member.id))
        erase_member(db.session.get(Member, member.id), db.session.get(Member, admin.id))
        assert db.session.scalar(select(func.count()).select_from(RegisterEntry)) == 1
    assert _entries(app, member.id) == []
    assert not os.path.exists(stored)
    checked = app.test_client().get(f"/verify/{code}").get_data(as_text=True)
    assert "Former member" in checked and "Jo Fletcher" not in checked


def test_the_data_download_holds_attendance_and_own_training(app, carer, make_member):
    member, client = carer
    organiser = make_member("Olive Organiser")
    event_id = held_event(app, organiser.id, kind="peer_support", title="Coffee and chat")
    going(app, event_id, member.id)
    mark(app, event_id, {member.id: True}, organiser.id)
    client.post("/training/add", data=_entry_form())
    data = client.get("/account/export.json").get_json()
    assert [a["meeting"] for a in data["attendance"]] == ["Coffee and chat"] and data["attendance"][0]["came"] is True
    assert [t["training"] for t in data["training_added"]] == ["Paediatric first aid"]
    assert data["training_added"][0]["completed_on"] == date(2026, 3, 14).isoformat()


def test_the_event_page_says_what_the_training_covers(app, carer, make_member):
    member, client = carer
    organiser = make_member("Olive Organiser")
    first_aid = topic(app, "First aid", 36)
    event_id = held_event(app, organiser.id, title="Emergency first aid")
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert "What the training covers" not in page  # no details yet: nothing half-shown
    with_course(app, event_id, 90, [first_aid], "Put someone in the recovery position\n\nCall for help")
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert "What the training covers" in page and "1.5 hours" in page and "First aid" in page
    assert "<li>Put someone in the recovery position</li><li>Call for help</li>" in page


def test_a_member_sees_the_meetings_they_came_to_and_no_one_else_does(app, carer, make_member):
    member, client = carer
    organiser = make_member("Olive Organiser")
    event_id = held_event(app, organiser.id, kind="peer_support", title="Coffee and chat")
    other = make_member("Ann Ash")
    going(app, event_id, member.id, other.id)
    mark(app, event_id, {member.id: True, other.id: False}, organiser.id)
    mine = client.get("/training/").get_data(as_text=True)
    assert "Coffee and chat" in mine.split("Meetings you came to")[1]
    theirs = sign_in(app.test_client(), other).get("/training/").get_data(as_text=True)
    assert "Coffee and chat" not in theirs and "None yet" in theirs


def _pdf_facts(tmp_path, pdf: bytes) -> tuple[str, str]:
    """(pdfinfo, pdftotext) of a PDF: whether it is tagged, and its words."""
    if shutil.which("pdfinfo") is None:
        pytest.fail("pdfinfo is missing: `make system-deps` installs poppler-utils")
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return info, " ".join(text.split())


def test_the_certificate_and_the_review_are_tagged_pdfs_with_what_a_reviewer_needs(app, carer, make_member, tmp_path):
    member, client = carer
    organiser = make_member("Olive Organiser")
    safeguarding = topic(app, "Safeguarding", 36)
    event_id = held_event(app, organiser.id, title="Managing allegations")
    with_course(app, event_id, 150, [safeguarding], "Know the steps to take")
    going(app, event_id, member.id)
    mark(app, event_id, {member.id: True}, organiser.id)
    page = client.get("/training/").get_data(as_text=True)
    code = re.search(r"/training/certificates/([\w-]+)\.pdf", page).group(1)

    info, text = _pdf_facts(tmp_path, client.get(f"/training/certificates/{code}.pdf").data)
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    assert re.search(r"^Title:\s+Certificate: Managing allegations", info, re.M), info
    for words in ("Jo Fletcher", "Managing allegations", "2.5 hours", "Safeguarding", "Know the steps to take", code):
        assert words in text, words

    client.post("/training/add", data=_entry_form(title="Online safety course", completed_on="2026-02-01"))
    with app.app_context():
        today = local_today()
    review = client.get(f"/training/review?start=2026-01-01&end={today.isoformat()}")
    info, text = _pdf_facts(tmp_path, review.data)
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    for words in ("Training record", "Jo Fletcher", "Managing allegations", "Online safety course", "Red Cross"):
        assert words in text, words
    assert code in text.replace(" ", "")  # a long code may wrap in its table cell


def test_guessing_codes_is_slowed_down_after_thirty_tries_a_minute(app):
    client = app.test_client()
    tries = [client.get(f"/verify/{'A' * 31}{n % 10}").status_code for n in range(30)]
    assert set(tries) == {404}
    blocked = client.get("/verify/" + "B" * 32)
    assert blocked.status_code == 429 and "Too many attempts" in blocked.get_data(as_text=True)
    assert client.get("/verify/?code=" + "C" * 32).status_code == 429  # the form counts too


def test_a_code_typed_from_paper_in_lower_case_or_groups_still_checks_out(app, carer, make_member):
    member, client = carer
    organiser = make_member("Olive Organiser")
    event_id = held_event(app, organiser.id, title="Safer caring")
    going(app, event_id, member.id)
    mark(app, event_id, {member.id: True}, organiser.id)
    with app.app_context():
        code = db.session.scalar(select(RegisterEntry.certificate_code).where(RegisterEntry.member_id == member.id))
    assert re.fullmatch(r"[A-Z2-7]{32}", code)  # no 0/O, 1/I, case or hyphen to get wrong
    typed = " ".join(code[i : i + 4] for i in range(0, 32, 4)).lower()
    anyone = app.test_client()
    redirected = anyone.get("/verify/", query_string={"code": typed})
    assert redirected.headers["Location"].endswith(f"/verify/{code}")
    assert "This certificate is genuine" in anyone.get(f"/verify/{code.lower()}").get_data(as_text=True)
