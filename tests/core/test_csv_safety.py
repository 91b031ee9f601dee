"""No CSV the app writes carries a live spreadsheet formula (issue 11, defect 7)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from association.core.csv_safety import FORMULA_STARTS, safe_cell
from association.extensions import db
from association.members.models import Member
from association.strategy.issuing import issue_pack
from association.strategy.items import mark_wording_reviewed
from association.strategy.models import FeedbackItem, PackVersion, ServiceMeeting
from tests.strategy.helpers import add_item, add_meeting, add_theme
from tests.support import sign_in

PACKAGE = Path(__file__).resolve().parents[2] / "association"
FORMULAS = [
    '=HYPERLINK("http://evil.example","Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(A1)",
]


def _live_formulas(text: str) -> list[str]:
    """Cells a spreadsheet would run: starting with a formula sign (after any TAB, CR or LF)."""
    return [
        cell
        for row in csv.reader(io.StringIO(text))
        for cell in row
        if cell.lstrip("\t\r\n").startswith(FORMULA_STARTS)
    ]


@pytest.mark.parametrize("value", FORMULAS)
def test_every_formula_start_is_quoted(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Jo Carer", "", None, 3, "a=b", "O'Brien", " =1", "Siân"])
def test_other_values_are_left_alone(value):
    assert safe_cell(value) == ("" if value is None else str(value))


def test_no_module_writes_csv_except_through_the_safe_writer():
    writers = re.compile(r"csv\s*\.\s*(writer|DictWriter)\b|from\s+csv\s+import[^\n]*\b(writer|DictWriter)\b")
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name != "csv_safety.py" and writers.search(path.read_text())
    ]
    assert offenders == []


def test_registry_export_quotes_every_formula(app, admin_client, make_member):
    client, _admin = admin_client
    # TAB, CR and LF cannot be stored in a name at all any more (core/plain_text.py).
    for n, formula in enumerate(f for f in FORMULAS if f[0] not in "\t\r\n"):
        jo = make_member(f"Carer {n}", area=formula, phone=formula[:40], service_name=formula)
        with app.app_context():
            db.session.get(Member, jo.id).name = formula
            db.session.commit()
    response = client.get("/admin/members/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert _live_formulas(text) == []
    rows = list(csv.DictReader(io.StringIO(text)))
    assert '\'=HYPERLINK("http://evil.example","Click")' in {r["name"] for r in rows}
    assert "'＠SUM(A1)" in {r["area"] for r in rows}


def test_pack_csv_quotes_theme_and_wording_in_every_section(app, make_member):
    jo = make_member("Jo Carer")
    strategist = make_member("Stef Strategy", roles=["strategy"])
    theme_id = add_theme(app, name='=HYPERLINK("http://evil.example","Open")')
    meeting_id = add_meeting(app)
    item_ids = [
        add_item(
            app,
            jo.id,
            f"Calls go unanswered {n}",
            theme_id=theme_id,
            meeting_id=meeting_id,
            strategist_id=strategist.id,
        )
        for n in range(len(FORMULAS))
    ]
    good = add_item(
        app, jo.id, "A quick reply", kind="good_practice", meeting_id=meeting_id, strategist_id=strategist.id
    )
    with app.app_context():
        # Wording is multi-line text, so a leading TAB or CR can be stored: written straight in.
        for item_id, formula in zip(item_ids, FORMULAS, strict=True):
            db.session.get(FeedbackItem, item_id).pack_wording = formula
        db.session.get(FeedbackItem, good).pack_wording = "\r@SUM(1)"
        db.session.commit()
    client = sign_in(app.test_client(), strategist)
    response = client.get(f"/strategy/meetings/{meeting_id}/pack.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert _live_formulas(text) == []
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["theme"] for r in rows if r["section"] == "raised"} == {'\'=HYPERLINK("http://evil.example","Open")'}
    assert {r["wording"] for r in rows} >= {"'" + f for f in FORMULAS} | {"'\r@SUM(1)"}
    # The issued, frozen version keeps the same protection.
    with app.app_context():
        reviewer = db.session.get(Member, strategist.id)
        for item_id in [*item_ids, good]:  # whatever the personal-data check makes of the formulas
            mark_wording_reviewed(db.session.get(FeedbackItem, item_id), reviewer, "Formulas, not personal data")
    with app.test_request_context():
        version = issue_pack(db.session.get(ServiceMeeting, meeting_id), db.session.get(Member, strategist.id))
        assert _live_formulas(db.session.get(PackVersion, version.id).csv) == []
