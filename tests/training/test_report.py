"""The committee's attendance and training report: the right numbers from a known set of registers
(a meeting cancelled after its register, a member erased since, a guest, walk-ins who are not
no-shows, a training without hours), never a name in the page, the CSV or the PDF, bad periods
refused with a message, only the committee and admins let in, and a fixed number of statements."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import zlib
from datetime import UTC, date, datetime, time, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from association.core.database import utcnow
from association.core.timefmt import local_today, local_zone, to_local
from association.events.models import RSVP, Event, RsvpResponse
from association.extensions import db
from association.members.models import Member
from association.training import registers
from association.training.models import Register, RegisterEntry
from association.training.report import attendance_report, last_twelve_months, period_between
from tests.support import count_queries, sign_in

# Everyone on a register, the guest's organisation and the meetings' titles: none may appear anywhere.
NAMES = {
    "came": "Zephyrine Quillfeather",
    "absent": "Bartholomew Inkwhistle",
    "unmarked": "Cressida Pumblechook",
    "walk_in": "Dashiell Ottershaw",
    "peer_came": "Evangeline Thistlewood",
    "peer_absent": "Fitzgerald Moorcroft",
    "peer_walk_in": "Gideon Larkspur",
    "peer_child": "Hermione Brackenbury",
}
GUEST, GUEST_ORGANISATION = "Gwendolyn Marchbanks", "Brightwater Fostering Partnership"
TITLES = ("Thimblewick attachment workshop", "Quorndon coffee circle", "Saltmarsh picnic", "Ravensworth first aid")
SECRETS = (*NAMES.values(), GUEST, GUEST_ORGANISATION, *TITLES, "Former member")


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), local_zone()).astimezone(UTC).replace(tzinfo=None)


def _month_of(stored: datetime) -> date:
    return to_local(stored).date().replace(day=1)


def add_register(kind: str, held_from: datetime, lines: list[dict], minutes: int | None = None, title="Meeting"):
    """A register as the register page leaves it (inside an app context)."""
    register = Register(
        title=title,
        kind=kind,
        held_from=held_from,
        held_until=held_from + timedelta(hours=2),
        minutes=minutes,
        closes_at=held_from + timedelta(days=16),
    )
    db.session.add(register)
    db.session.flush()
    for line in lines:
        db.session.add(RegisterEntry(register_id=register.id, **line))
    db.session.flush()
    return register


@pytest.fixture
def known(app, make_member):
    """The registers the figures are worked out from, by hand, in the tests below.

    A training held two days ago, taken through the real register: three going (one came, one absent
    with their child, one never marked), a walk-in, a guest; then the event is cancelled and the
    member who came is erased. Three months ago: a peer-support evening (a walk-in marked absent is
    not a no-show), a social whose guest line claims three adults and two children (a guest is one
    adult), and a training whose hours were never recorded. Fourteen months ago: one outside the
    default period.
    """
    from association.members.registry import erase_member
    from association.training import courses

    people = {key: make_member(name) for key, name in NAMES.items()}
    admin = make_member("Ada Admin", roles=["admin"])
    organiser = make_member("Olive Organiser")
    with app.test_request_context():
        today = local_today()
        organiser_row = db.session.get(Member, organiser.id)
        held = Event(
            kind="training",
            title=TITLES[0],
            starts_at=_local(today - timedelta(days=2), 10),
            ends_at=_local(today - timedelta(days=2), 13),
            venue_name="County Hall",
            organiser_id=organiser.id,
            visibility="members",
            takes_register=True,
        )
        db.session.add(held)
        db.session.flush()
        courses.save_course(held, 180, "Know what attachment is.", [], organiser_row)
        for key, adults, children in (("came", 1, 0), ("absent", 2, 1), ("unmarked", 1, 0)):
            db.session.add(
                RSVP(
                    event_id=held.id,
                    member_id=people[key].id,
                    response=RsvpResponse.GOING,
                    adults=adults,
                    children=children,
                )
            )
        db.session.flush()
        registers.mark(held, {people["came"].id: True, people["absent"].id: False}, organiser_row)
        registers.add_walk_in(held, people["walk_in"].id, organiser_row)
        registers.add_guest(held, GUEST, GUEST_ORGANISATION, organiser_row)
        db.session.commit()
        from association.events.scheduling import cancel_event

        cancel_event(db.session.get(Event, held.id), "The hall flooded", organiser_row)
        erase_member(db.session.get(Member, people["came"].id), db.session.get(Member, admin.id))

        earlier = (today.replace(day=1) - relativedelta(months=3)).replace(day=15)
        add_register(
            "peer_support",
            _local(earlier, 19),
            [
                {"member_id": people["peer_came"].id, "attended": True, "adults": 2, "children": 3},
                {"member_id": people["peer_absent"].id, "attended": False},
                {"member_id": people["peer_walk_in"].id, "attended": False, "walk_in": True},
                {"member_id": people["peer_child"].id, "attended": True, "adults": 1, "children": 1},
            ],
            title=TITLES[1],
        )
        add_register(
            "social",
            _local(earlier + timedelta(days=5), 12),
            [
                {"member_id": people["peer_came"].id, "attended": True, "adults": 1, "children": 2},
                {"guest_name": GUEST, "walk_in": True, "attended": True, "adults": 3, "children": 2},
            ],
            title=TITLES[2],
        )
        add_register(
            "training",
            _local(earlier + timedelta(days=8), 10),
            [{"member_id": people["peer_child"].id, "attended": True}],
            minutes=None,
            title=TITLES[3],
        )
        add_register(
            "peer_support",
            _local(today.replace(day=1) - relativedelta(months=14), 19),
            [{"member_id": people["peer_came"].id, "attended": True, "adults": 1, "children": 1}],
            title=TITLES[1],
        )
        db.session.commit()
        assert db.session.get(Event, held.id).is_cancelled
        return {
            "held_month": _month_of(held.starts_at),
            "earlier_month": earlier.replace(day=1),
            "organiser": organiser,
            "admin": admin,
        }


@pytest.fixture
def committee(app, make_member):
    return sign_in(app.test_client(), make_member("Cath Committee", roles=["committee"]))


def test_the_figures_from_a_known_set_of_registers(app, known):
    with app.app_context():
        report = attendance_report(last_twelve_months())
    total = report.total
    # Training: the erased member, the walk-in and the guest came (3 adults); the parent and child
    # who stayed away did not. Peer support 2+1 adults, 3+1 children; the social 1 + the guest as one.
    assert (total.meetings, total.adults, total.children) == (4, 3 + 3 + 2 + 1, 4 + 2)
    assert (total.training_meetings, total.training_minutes, total.learner_minutes) == (2, 180, 180 * 3)
    assert total.untimed_training == 1
    # Going and marked: training 2 (+1 on the untimed one), peer support 3, social 1; absent: one each
    # at the training and the peer-support evening (not the walk-in); never marked: one.
    assert (total.expected, total.absent, total.unmarked) == (7, 2, 1)

    kinds = {k.kind: k.total for k in report.kinds}
    assert [k.kind for k in report.kinds] == ["peer_support", "social", "training"]
    assert (kinds["training"].meetings, kinds["training"].adults, kinds["training"].children) == (2, 4, 0)
    assert (kinds["training"].expected, kinds["training"].absent, kinds["training"].unmarked) == (3, 1, 1)
    assert (kinds["peer_support"].adults, kinds["peer_support"].children) == (3, 4)
    assert kinds["peer_support"].no_show_rate == pytest.approx(1 / 3)
    assert (kinds["social"].adults, kinds["social"].children, kinds["social"].no_show_rate) == (2, 2, 0)

    months = report.months
    assert len(months) == 12
    held, earlier = months[known["held_month"]], months[known["earlier_month"]]
    assert (held.meetings, held.adults, held.training_minutes, held.learner_minutes) == (1, 3, 180, 540)
    assert (earlier.meetings, earlier.adults, earlier.children, earlier.training_minutes) == (3, 6, 6, 0)
    assert sum(m.meetings for m in months.values()) == 4

    # The meeting fourteen months ago counts once the period reaches back to it.
    with app.app_context():
        longer = attendance_report(period_between(date.today() - relativedelta(months=15), date.today()))
    assert longer.total.meetings == 5 and longer.total.children == 7


def test_a_meeting_counts_in_the_local_month_it_was_held(app):
    """Half past midnight on 1 June in London is still 31 May in UTC: it is June's meeting."""
    with app.app_context():
        year = local_today().year - 1
        add_register("social", datetime(year, 5, 31, 23, 30), [{"guest_name": "A guest", "attended": True}])
        add_register("social", datetime(year, 1, 31, 23, 30), [{"guest_name": "A guest", "attended": True}])
        db.session.commit()
        report = attendance_report(period_between(date(year, 1, 1), date(year, 6, 1)))
    assert [m.meetings for m in report.months.values()] == [1, 0, 0, 0, 0, 1]
    with app.app_context():
        may = attendance_report(period_between(date(year, 5, 1), date(year, 5, 1)))
    assert may.total.meetings == 0


def test_the_page_shows_the_numbers_and_no_names(app, known, committee):
    response = committee.get("/training/report")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for secret in SECRETS:
        assert secret not in html
    assert "4 meetings held; 9 adults and 6 children came; 3 hours of training held, 9 learner hours." in html
    assert "1 of 3 (33%)" in html  # peer support's and training's no-show rates
    assert "0 of 1 (0%)" in html  # the social's
    assert "never marked came or absent" in html and "1 training meeting was held without hours" in html
    # Both charts, each an image with a name and a description, beside a table with the same numbers.
    assert html.count('role="img"') == 2
    for chart in ("people-chart", "hours-chart"):
        assert f'aria-labelledby="{chart}-title"' in html and f'<title id="{chart}-title">' in html
        assert f'<desc id="{chart}-desc">' in html
    assert "9 adults and 6 children in all" in html
    # Nothing the Content Security Policy would block: no script, no inline style.
    assert "<script" not in html and "<style" not in html and "style=" not in html
    # The downloads ask for the same months.
    with app.app_context():
        period = last_twelve_months()
    months = f"start={period.first:%Y-%m}&amp;end={period.last:%Y-%m}"
    assert f"/training/report.csv?{months}" in html and f"/training/report.pdf?{months}" in html


def test_the_csv_has_the_numbers_and_no_names(app, known, committee):
    response = committee.get("/training/report.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    text = response.get_data(as_text=True)
    for secret in SECRETS:
        assert secret not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    by = {(row["Kind of event"], row["Month"]): row for row in rows}
    training = by["Training", "All months"]
    assert (training["Meetings held"], training["Adults who came"], training["Learner hours"]) == ("2", "4", "9")
    assert (training["Marked absent"], training["No-show rate (%)"]) == ("1", "33.3")
    assert training["Said they were going, not marked"] == "1"
    everything = by["All kinds", "All months"]
    assert (everything["Meetings held"], everything["People who came"]) == ("4", "15")
    assert by["All kinds", f"{known['held_month']:%Y-%m}"]["Hours of training held"] == "3"
    assert len([r for r in rows if r["Kind of event"] == "All kinds"]) == 13  # twelve months and the total


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _inflated(stream: bytes) -> bytes:
    try:
        return zlib.decompress(stream)
    except zlib.error:
        return b""


def _orange_pixels(pdf: bytes, tmp_path) -> int:
    """Pixels of the children's colour (#b35c00) on the PDF's pages: only the chart uses it."""
    from PIL import Image

    path = tmp_path / "chart.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    found = 0
    for page in sorted(tmp_path.glob("page*.png")):
        with Image.open(page) as image:
            found += sum(
                count
                for count, (r, g, b) in image.convert("RGB").getcolors(1 << 20)
                if abs(r - 0xB3) < 25 and abs(g - 0x5C) < 25 and b < 40
            )
        page.unlink()
    return found


def test_the_pdf_has_the_tables_and_charts_and_no_names(app, known, committee, tmp_path):
    response = committee.get("/training/report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    text = _pdf_text(response.data, tmp_path)
    for secret in SECRETS:
        assert secret not in text
    assert "Attendance and training report" in text
    assert "Each kind of event" in text and "People who came each month" in text
    assert "1 of 3 (33%)" in text and "9 adults, 6 children" in text
    assert "3 hours held, 9 learner hours" in text
    # The charts are drawn: their legend and short month labels are text in the PDF, and the
    # children's bars are there in their colour.
    assert "Children" in text and f"{known['held_month']:%b}" in text.split()
    assert _orange_pixels(response.data, tmp_path) > 20
    # Tagged for screen readers (PDF/UA), with its title shown.
    path = tmp_path / "report.pdf"
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    assert re.search(r"^Title:\s+Attendance and training report, \w+ \d{4} to \w+ \d{4}$", info, re.M), info
    # Each chart is a figure whose alternative text is its title.
    objects = b"\n".join(
        [response.data]
        + [_inflated(m.group(1)) for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", response.data, re.S)]
    )
    assert b"/S /Figure" in objects
    assert b"/Alt (People who came each month)" in objects and b"/Alt (Hours of training held each month)" in objects


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2026-05&end=2026-01", "The last month is before the first. Please check the months."),
        ("start=2019-01&end=2025-02", "That is 74 months. A report covers at most 5 years (60 months)"),
        ("start=2025-13&end=2026-01", "Please give the first month like 2025-04 for April 2025."),
        ("start=2025-01", "Please give the last month, like 2025-04 for April 2025."),
        ("end=2025-01", "Please give the first month, like 2025-04 for April 2025."),
        ("start=1999-12&end=2000-03", "Please choose a month between January 2000 and December"),
        ("start=2025-01&end=9999-12", "Please choose a month between January 2000 and December"),
        ("start=%3Cscript%3E&end=2025-01", "Please give the first month like 2025-04 for April 2025."),
    ],
)
def test_a_bad_period_is_refused_with_a_message(app, committee, query, message):
    for path in ("/training/report", "/training/report.csv", "/training/report.pdf"):
        response = committee.get(f"{path}?{query}")
        assert response.status_code == 400, path
        assert response.mimetype == "text/html"
        html = response.get_data(as_text=True)
        assert message in html, path
        assert 'aria-invalid="true"' in html
        assert "<script>" not in html


def test_periods_people_type_are_read(app, known, committee):
    five_years = committee.get("/training/report?start=2021-01&end=2025-12")
    assert five_years.status_code == 200 and "January 2021 to December 2025" in five_years.get_data(as_text=True)
    typed = committee.get("/training/report?start=04/2025&end=March+2026")
    assert typed.status_code == 200 and "April 2025 to March 2026" in typed.get_data(as_text=True)
    one = committee.get("/training/report?start=2024-02&end=2024-02")
    assert one.status_code == 200 and "No registers were taken in these months." in one.get_data(as_text=True)
    assert 'role="img"' not in one.get_data(as_text=True)


@pytest.mark.parametrize("who", ["member", "organiser", "moderator", "anonymous"])
def test_only_the_committee_and_admins_see_the_report(app, known, make_member, who):
    client = app.test_client()
    if who == "organiser":
        sign_in(client, known["organiser"])  # organises the training above, but is not on the committee
    elif who != "anonymous":
        sign_in(client, make_member(f"Some {who}", roles=["moderator"] if who == "moderator" else []))
    for path in ("/training/report", "/training/report.csv", "/training/report.pdf"):
        response = client.get(path)
        if who == "anonymous":
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        else:
            assert response.status_code == 403, (who, path)


def test_admins_see_it_too(app, known):
    client = sign_in(app.test_client(), known["admin"])
    assert client.get("/training/report").status_code == 200


def _more_registers(app, count: int) -> None:
    with app.app_context():
        member_id = db.session.scalar(select(Member.id).where(Member.erased_at.is_(None)).limit(1))
        for n in range(count):
            add_register(
                ("peer_support", "social", "training")[n % 3],
                utcnow() - timedelta(days=5 + n * 5),
                [
                    {"member_id": member_id, "attended": n % 2 == 0, "adults": 1, "children": n % 3},
                    {"guest_name": f"Guest {n}", "walk_in": True, "attended": True},
                ],
                minutes=90 if n % 3 == 2 else None,
            )
        db.session.commit()


def test_the_same_number_of_statements_for_few_registers_or_many(app, known, committee):
    def statements(path: str) -> int:
        with count_queries(app) as counted:
            assert committee.get(path).status_code == 200
        return counted[0]

    few = {path: statements(path) for path in ("/training/report", "/training/report.csv")}
    _more_registers(app, 60)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Register)) == 65
    many = {path: statements(path) for path in ("/training/report", "/training/report.csv")}
    assert many == few
