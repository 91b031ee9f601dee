"""'This affects me too' shows its state and can be taken back; the service's answers belong to a
meeting that has happened, with due dates still ahead and one set of words for a status; a
meeting's pack keeps the items it was issued with once they are answered; 'you said, we did'
shows a handful of meetings at once; the issued PDF is tagged (PDF/UA-1) with a title and language."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from association.core.database import utcnow
from association.extensions import db
from association.members.models import Member
from association.strategy.issuing import issue_pack
from association.strategy.models import (
    OUTCOME_STATUSES,
    FeedbackItem,
    ItemOutcome,
    ItemSupport,
    PackVersion,
    ServiceMeeting,
)
from association.strategy.outcomes import OutcomeError, record_outcome
from association.strategy.packs import compile_pack
from tests.support import sign_in

from .helpers import add_item, add_meeting, add_theme
from .test_you_said_and_history import add_history

WORDING = "Mileage claims take over two months to be paid"


def _today(app) -> date:
    """Today where the association is (the rule's today, not the machine's)."""
    from association.core.timefmt import to_local

    with app.app_context():
        return to_local(utcnow()).date()


@pytest.fixture
def strategist(make_member):
    return make_member("Stef Strategy", roles=["strategy"])


def _supporters(app, item_id: int) -> tuple[int, int]:
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(ItemSupport).where(ItemSupport.item_id == item_id))
        return db.session.get(FeedbackItem, item_id).support_count, rows


def _issue(app, meeting_id: int, strategist_id: int) -> int:
    with app.test_request_context():
        return issue_pack(db.session.get(ServiceMeeting, meeting_id), db.session.get(Member, strategist_id)).id


# --- 2: "This affects me too" --------------------------------------------------------------------


def test_saying_it_affects_you_too_shows_so_and_can_be_undone(app, make_member):
    jo, sam = make_member("Jo Carer"), make_member("Sam Other")
    item_id = add_item(app, jo.id, WORDING)
    client = sign_in(app.test_client(), sam)
    before = client.get(f"/strategy/items/{item_id}").get_data(as_text=True)
    assert ">This affects me too</button>" in before and "You said this affects you too" not in before

    page = client.post(f"/strategy/items/{item_id}/support", follow_redirects=True).get_data(as_text=True)
    assert "You said this affects you too" in page
    assert f'action="/strategy/items/{item_id}/support/withdraw"' in page and ">Undo<" in page
    assert ">This affects me too</button>" not in page
    assert "Raised by 2 carers" in page and _supporters(app, item_id) == (1, 1)

    # Pressed again from an old tab: still counted once, and no "Problem".
    page = client.post(f"/strategy/items/{item_id}/support", follow_redirects=True).get_data(as_text=True)
    assert "already" not in page and "You said this affects you too" in page and _supporters(app, item_id) == (1, 1)

    page = client.post(f"/strategy/items/{item_id}/support/withdraw", follow_redirects=True).get_data(as_text=True)
    assert "it no longer counts you" in page and ">This affects me too</button>" in page
    assert "Raised by 1 carer" in page and _supporters(app, item_id) == (0, 0)
    # Undo twice: nothing to take back, nothing goes below zero.
    client.post(f"/strategy/items/{item_id}/support/withdraw")
    assert _supporters(app, item_id) == (0, 0)

    # The author has nothing to support or take back.
    mine = sign_in(app.test_client(), jo).get(f"/strategy/items/{item_id}").get_data(as_text=True)
    assert ">This affects me too</button>" not in mine and ">Undo<" not in mine


def test_support_cannot_be_taken_back_once_the_item_is_answered(app, make_member, strategist):
    from association.strategy.items import withdraw_support

    jo, sam = make_member("Jo Carer"), make_member("Sam Other")
    meeting_id = add_meeting(app, days_ahead=-1)
    item_id = add_item(app, jo.id, WORDING, meeting_id=meeting_id, strategist_id=strategist.id)
    client = sign_in(app.test_client(), sam)
    client.post(f"/strategy/items/{item_id}/support")
    with app.app_context():
        record_outcome(
            db.session.get(FeedbackItem, item_id),
            db.session.get(ServiceMeeting, meeting_id),
            response="Paid within 30 days from April",
            action="",
            owner="service",
            due_on=None,
            status="done",
        )
        with pytest.raises(Exception, match="answered"):
            withdraw_support(db.session.get(FeedbackItem, item_id), db.session.get(Member, sam.id))
    # Answered items leave the members' list, and the count that went to the service stays.
    assert client.post(f"/strategy/items/{item_id}/support/withdraw").status_code == 404
    assert _supporters(app, item_id) == (1, 1)


# --- 3: answers belong to a meeting that has happened; due dates ahead; one set of labels -----


def test_no_answer_is_recorded_for_a_meeting_still_to_come(app, make_member, strategist):
    meeting_id = add_meeting(app, days_ahead=28)
    item_id = add_item(app, make_member("Jo Carer").id, WORDING, meeting_id=meeting_id, strategist_id=strategist.id)
    client = sign_in(app.test_client(), strategist)
    form = client.get(f"/strategy/meetings/{meeting_id}/outcomes/{item_id}").get_data(as_text=True)
    assert "hasn&#39;t happened yet" in form and "Save the response" not in form
    page = client.post(
        f"/strategy/meetings/{meeting_id}/outcomes/{item_id}",
        data={"response": "We will pay within 30 days", "owner": "service", "status": "open"},
    )
    assert page.status_code == 200 and "hasn&#39;t happened yet" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ItemOutcome)) == 0
        assert db.session.get(FeedbackItem, item_id).status == "in_pack"
        with pytest.raises(OutcomeError, match="hasn't happened yet"):
            record_outcome(
                db.session.get(FeedbackItem, item_id),
                db.session.get(ServiceMeeting, meeting_id),
                response="Yes",
                action="",
                owner="service",
                due_on=None,
                status="done",
            )
    you_said = sign_in(app.test_client(), make_member("Sam Other")).get("/strategy/you-said-we-did")
    assert "We will pay within 30 days" not in you_said.get_data(as_text=True)


@pytest.mark.parametrize(
    "due, status, message",
    [
        ("2020-03-01", "open", "Choose a date after the meeting on"),
        ("2020-03-01", "done", "Choose a date after the meeting on"),
        ("yesterday", "open", "That date has passed"),
        ("yesterday", "in_progress", "That date has passed"),
    ],
)
def test_a_due_date_in_the_past_is_refused_beside_the_field_keeping_what_was_typed(
    app, make_member, strategist, due, status, message
):
    meeting_id = add_meeting(app, days_ahead=-3)
    item_id = add_item(app, make_member("Jo Carer").id, WORDING, meeting_id=meeting_id, strategist_id=strategist.id)
    typed = (_today(app) - timedelta(days=1)).isoformat() if due == "yesterday" else due
    client = sign_in(app.test_client(), strategist)
    page = client.post(
        f"/strategy/meetings/{meeting_id}/outcomes/{item_id}",
        data={
            "response": "Finance will pay within 30 days",
            "action": "New payment run",
            "owner": "service",
            "status": status,
            "due_on": typed,
        },
    ).get_data(as_text=True)
    error = re.search(r'<ul class="field-error" id="due_on-error">(.*?)</ul>', page, re.S)
    assert error and message in error.group(1), page[page.find("field-error") - 200 :][:800]
    assert re.search(rf'<input[^>]*id="due_on"[^>]*value="{typed}"', page) or re.search(
        rf'<input[^>]*value="{typed}"[^>]*id="due_on"', page
    )
    assert (
        'aria-invalid="true"' in page.split('id="due_on"')[1].split(">")[0]
        or 'aria-invalid="true"' in page.split('id="due_on"')[0].rsplit("<input", 1)[1]
    )
    assert "Finance will pay within 30 days</textarea>" in page and "New payment run</textarea>" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ItemOutcome)) == 0


def test_a_due_date_ahead_or_a_done_action_due_since_the_meeting_is_recorded(app, make_member, strategist):
    meeting_id = add_meeting(app, days_ahead=-20)
    jo = make_member("Jo Carer")
    ahead = add_item(app, jo.id, WORDING, meeting_id=meeting_id, strategist_id=strategist.id)
    done = add_item(
        app, jo.id, "Training dates clash with school runs", meeting_id=meeting_id, strategist_id=strategist.id
    )
    client = sign_in(app.test_client(), strategist)
    for item_id, status, due in (
        (ahead, "open", _today(app) + timedelta(days=30)),
        (done, "done", _today(app) - timedelta(days=5)),
    ):
        reply = client.post(
            f"/strategy/meetings/{meeting_id}/outcomes/{item_id}",
            data={"action": "Sort it", "owner": "service", "status": status, "due_on": due.isoformat()},
        )
        assert reply.status_code == 302, reply.get_data(as_text=True)[:500]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ItemOutcome)) == 2


def test_every_page_words_a_status_as_the_form_offers_it(app, make_member, strategist):
    meeting_id = add_meeting(app, days_ahead=-1)
    jo = make_member("Jo Carer")
    theme_id = add_theme(app)
    items = {
        status: add_item(
            app, jo.id, f"{label} wording", theme_id=theme_id, meeting_id=meeting_id, strategist_id=strategist.id
        )
        for status, label in OUTCOME_STATUSES.items()
    }
    client = sign_in(app.test_client(), strategist)
    form = client.get(f"/strategy/meetings/{meeting_id}/outcomes/{items['open']}").get_data(as_text=True)
    offered = dict(re.findall(r'<option[^>]*value="(\w+)"[^>]*>([^<]+)</option>', form.split('id="status"')[1]))
    assert offered == OUTCOME_STATUSES
    for status, item_id in items.items():
        assert (
            client.post(
                f"/strategy/meetings/{meeting_id}/outcomes/{item_id}",
                data={"action": f"Action {status}", "owner": "service", "status": status},
            ).status_code
            == 302
        )
    later = add_meeting(app, days_ahead=40, date_reason="test")
    reader = sign_in(app.test_client(), make_member("Sam Other"))
    pages = {
        "you said, we did": reader.get("/strategy/you-said-we-did").get_data(as_text=True),
        "the author's item": sign_in(app.test_client(), jo)
        .get(f"/strategy/items/{items['open']}")
        .get_data(as_text=True),
        "the next pack": client.get(f"/strategy/meetings/{later}/pack").get_data(as_text=True),
        "the next pack's document": client.get(f"/strategy/meetings/{later}/pack/preview").get_data(as_text=True),
    }
    for where, page in pages.items():
        assert "Not started yet" not in page, where
    assert all(
        f'badge-outcome-{s}"><span class="visually-hidden">Status: </span>{label}<' in pages["you said, we did"]
        for s, label in OUTCOME_STATUSES.items()
    )
    assert 'badge-outcome-open">Open<' in pages["the author's item"]
    assert 'badge-outcome-open">Open<' in pages["the next pack"]
    assert "Status: Open" in pages["the next pack's document"]


# --- 4: a meeting's pack keeps the items it was issued with -------------------------------------


def test_the_pack_still_lists_its_items_after_the_service_answers_them(app, make_member, strategist):
    jo = make_member("Jo Carer")
    earlier = add_meeting(app, days_ahead=-50)
    meeting_id = add_meeting(app, days_ahead=-1, date_reason="test")
    theme_id = add_theme(app)
    carried = add_item(
        app, jo.id, "Carried item wording", theme_id=theme_id, meeting_id=earlier, strategist_id=strategist.id
    )
    with app.app_context():
        record_outcome(
            db.session.get(FeedbackItem, carried),
            db.session.get(ServiceMeeting, earlier),
            response="We'll look",
            action="Review",
            owner="service",
            due_on=None,
            status="open",
        )
    answered = {
        status: add_item(
            app, jo.id, f"{status} wording", theme_id=theme_id, meeting_id=meeting_id, strategist_id=strategist.id
        )
        for status in ("open", "in_progress", "done")
    }
    good = add_item(
        app, jo.id, "Good practice wording", kind="good_practice", meeting_id=meeting_id, strategist_id=strategist.id
    )
    _issue(app, meeting_id, strategist.id)
    with app.app_context():
        before = compile_pack(db.session.get(ServiceMeeting, meeting_id))
        for item_id in [*answered.values(), good, carried]:
            status = next((s for s, i in answered.items() if i == item_id), "open")
            record_outcome(
                db.session.get(FeedbackItem, item_id),
                db.session.get(ServiceMeeting, meeting_id),
                response="Answered",
                action="Act",
                owner="service",
                due_on=None,
                status=status,
            )
        after = compile_pack(db.session.get(ServiceMeeting, meeting_id))
        assert after.counts == before.counts and after.counts["items"] == 4
        assert sorted(p.item.id for p in after.items) == sorted([*answered.values(), good])
        # The carried-forward item answered here is listed once, as carried forward.
        assert [c.item.id for c in after.carried] == [carried]
    page = sign_in(app.test_client(), strategist).get(f"/strategy/meetings/{meeting_id}/pack").get_data(as_text=True)
    assert "No issues or suggestions for this meeting yet" not in page
    assert "open wording" in page and "in_progress wording" in page and "Good practice wording" in page


# --- 5: "you said, we did" with a handful of meetings -------------------------------------------


def _meetings_shown(page: str) -> list[str]:
    return re.findall(r'<h2 id="meeting-\d+">Meeting on ([^<]+)</h2>', page)


@pytest.mark.parametrize("meetings", [1, 4, 5])
def test_up_to_five_meetings_are_all_shown_without_paging(app, make_member, meetings):
    add_history(app, make_member("Jo Carer").id, meetings, per_meeting=2)
    page = sign_in(app.test_client(), make_member("Sam Other")).get("/strategy/you-said-we-did").get_data(as_text=True)
    assert len(_meetings_shown(page)) == meetings
    assert "pagination" not in page and "Page 1" not in page and "page 1" not in page.lower().split("<main")[1]
    assert (
        "The meeting the service has answered."
        if meetings == 1
        else f"All {meetings} meetings the service has answered, newest first."
    ) in page
    assert "<table" not in page.split("<main")[1]  # cards, not five-column tables


def test_six_meetings_show_the_latest_three_and_a_link_to_earlier_ones(app, make_member):
    add_history(app, make_member("Jo Carer").id, 6, per_meeting=1)
    reader = sign_in(app.test_client(), make_member("Sam Other"))
    first = reader.get("/strategy/you-said-we-did").get_data(as_text=True)
    assert len(_meetings_shown(first)) == 3 and "The latest 3 of the 6 meetings the service has answered." in first
    assert ">Earlier meetings<" in first and "Newer meetings" not in first and "Page " not in first
    second = reader.get("/strategy/you-said-we-did?page=2").get_data(as_text=True)
    assert "Meetings 4 to 6 of the 6" in second and "Newer meetings" in second and ">Earlier meetings<" not in second


# --- 6: the issued PDF is tagged ---------------------------------------------------------------


def _pdf_objects(pdf: bytes) -> bytes:
    """Everything the PDF says, its compressed streams (object streams included) inflated."""
    parts = [pdf]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            pass
    return b"\n".join(parts)


def test_the_issued_pdf_is_tagged_with_a_title_language_and_reading_order(app, make_member, strategist, tmp_path):
    jo = make_member("Jo Carer")
    meeting_id = add_meeting(app, days_ahead=10)
    theme_id = add_theme(app)
    add_item(app, jo.id, WORDING, theme_id=theme_id, meeting_id=meeting_id, strategist_id=strategist.id)
    version_id = _issue(app, meeting_id, strategist.id)
    with app.app_context():
        version = db.session.get(PackVersion, version_id)
        pdf, html = version.pdf, version.html
    title = re.search(r"<title>([^<]+)</title>", html).group(1).replace("&#39;", "'")
    assert title.startswith("Carers' feedback for the meeting on")

    # Python's view: the catalogue of a tagged PDF with its language, and the structure in reading order.
    objects = _pdf_objects(pdf)
    catalogue = re.search(rb"<<\s*/Type\s*/Catalog(.*?)>>\s*(?:\n|$)", objects, re.S)
    assert catalogue, "no document catalogue found"
    assert re.search(rb"/MarkInfo\s*<<\s*/Marked\s+true", objects)
    assert b"/Lang (en-GB)" in objects and b"/StructTreeRoot" in objects
    assert re.search(rb"/DisplayDocTitle\s+true", objects)
    roles = [m.decode() for m in re.findall(rb"/S\s*/(H1|H2|H3)\b", objects)]
    assert roles[:1] == ["H1"] and "H2" in roles and "H3" in roles, roles

    if shutil.which("pdfinfo") is None:
        pytest.fail("pdfinfo is missing: `make system-deps` installs poppler-utils")
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    assert re.search(rf"^Title:\s+{re.escape(title)}$", info, re.M), info
    # The PDF still reads as the pack: the statement of what was checked, and the item.
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "Checked automatically for" in flat and WORDING in flat and "What carers raised" in flat
    assert flat.index("What carers raised") < flat.index(WORDING) < flat.index("Good practice")


def test_the_pdf_of_a_reviewed_pack_still_says_what_was_reviewed(app, make_member, strategist, tmp_path):
    from association.strategy.items import mark_wording_reviewed

    jo = make_member("Jo Carer")
    meeting_id = add_meeting(app, days_ahead=10)
    item_id = add_item(
        app,
        jo.id,
        "Named worker: call 0113 496 0000 for the duty desk",
        meeting_id=meeting_id,
        strategist_id=strategist.id,
    )
    with app.app_context():
        mark_wording_reviewed(
            db.session.get(FeedbackItem, item_id),
            db.session.get(Member, strategist.id),
            "The number is the service's own duty desk",
        )
    preview = sign_in(app.test_client(), strategist).get(f"/strategy/meetings/{meeting_id}/pack/preview")
    assert "1 wording reviewed by the strategy group" in preview.get_data(as_text=True)
    version_id = _issue(app, meeting_id, strategist.id)
    with app.app_context():
        pdf = db.session.get(PackVersion, version_id).pdf
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    text = " ".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    assert "1 wording reviewed by the strategy group" in text and "0113 496 0000" in text
