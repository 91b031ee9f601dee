"""Organisers are warned, not blocked, when an event's title, description or access notes may identify
someone: the words are highlighted and kept only by pressing "Save anyway" on those very findings."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from association.core.audit import AuditEntry
from association.events.models import Event
from association.extensions import db
from tests.support import sign_in

from .helpers import add_event
from .test_organising import _form

SAVE_ANYWAY = re.compile(r'name="save_anyway" value="([0-9a-f]+)"')


@pytest.fixture
def organiser(app, make_member):
    ref = make_member("Olive Organiser", roles=["committee"])
    return ref, sign_in(app.test_client(), ref)


def _events(app) -> list[Event]:
    with app.app_context():
        return list(db.session.scalars(select(Event)))


def _day() -> date:
    return date.today() + timedelta(days=10)


@pytest.mark.parametrize(
    "changes, marked",
    [
        ({"description": "Any questions, ring Jo on 07700 900123."}, "07700 900123"),
        ({"title": "Picnic with my foster son Tyler"}, "Tyler"),
        ({"accessibility_notes": "Step-free; email jo@example.org for parking"}, "jo@example.org"),
    ],
)
def test_a_new_event_is_warned_about_then_saved_anyway(app, organiser, changes, marked):
    _ref, client = organiser
    data = _form(_day(), **changes)
    response = client.post("/events/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Not saved yet: this may identify someone" in page
    assert f"{marked}</mark>" in page
    assert "Save anyway" in page
    assert _events(app) == []  # nothing saved while the organiser decides

    key = SAVE_ANYWAY.search(page).group(1)
    response = client.post("/events/new", data={**data, "save_anyway": key})
    assert response.status_code == 302
    [event] = _events(app)
    assert marked in (event.title + event.description_md + event.accessibility_notes)
    # Keeping flagged words is a choice on the record: who, which event, what was kept.
    with app.app_context():
        [kept] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "event.wording_kept")).all()
        assert kept.actor_id == _ref.id and kept.subject_id == event.id and marked in kept.detail


def test_saving_again_without_save_anyway_warns_again(app, organiser):
    _ref, client = organiser
    data = _form(_day(), description="Call 07700 900123 to book")
    client.post("/events/new", data=data)
    response = client.post("/events/new", data=data)  # "Save event" again, unchanged
    assert response.status_code == 200 and "Not saved yet" in response.get_data(as_text=True)
    assert _events(app) == []


def test_save_anyway_keeps_only_the_findings_that_were_shown(app, organiser):
    _ref, client = organiser
    shown = client.post("/events/new", data=_form(_day(), description="Call 07700 900123 to book"))
    key = SAVE_ANYWAY.search(shown.get_data(as_text=True)).group(1)
    # An email address added after the warning is new: warned about again, not saved.
    more = _form(_day(), description="Call 07700 900123 to book, or write to jo@example.org", save_anyway=key)
    response = client.post("/events/new", data=more)
    assert response.status_code == 200 and "jo@example.org</mark>" in response.get_data(as_text=True)
    for forged in ("", "0" * 24, "x" * 64, "x" * 65):
        response = client.post("/events/new", data=_form(_day(), description="Call 07700 900123", save_anyway=forged))
        assert response.status_code == 200, forged
    assert _events(app) == []


def test_a_clean_or_corrected_event_saves_without_a_warning(app, organiser):
    _ref, client = organiser
    response = client.post("/events/new", data=_form(_day(), description="Call 07700 900123 to book"))
    assert response.status_code == 200
    response = client.post("/events/new", data=_form(_day(), description="Reply here to book a place."))
    assert response.status_code == 302
    assert len(_events(app)) == 1


def test_venue_name_and_address_are_not_checked(app, organiser):
    _ref, client = organiser
    response = client.post(
        "/events/new", data=_form(_day(), venue_name="Oak Hall", venue_address="12 Mill Street, Bedford MK40 1AA")
    )
    assert response.status_code == 302


def test_editing_an_event_warns_and_changes_nothing_until_confirmed(app, organiser):
    ref, client = organiser
    event_id = add_event(app, ref.id, title="Coffee morning", description_md="Tea and cake.")
    edit = client.get(f"/events/{event_id}/edit").get_data(as_text=True)
    version = re.search(r'name="edit_version" type="hidden" value="(\d+)"', edit).group(1)
    with app.app_context():
        event = db.session.get(Event, event_id)
        from association.core.timefmt import to_local

        start, end = to_local(event.starts_at), to_local(event.ends_at)
    data = _form(
        start.date(),
        title="Coffee morning",
        description="Ask for my foster daughter Amelia at the door.",
        start_time=f"{start:%H:%M}",
        end_time=f"{end:%H:%M}",
        edit_version=version,
    )
    response = client.post(f"/events/{event_id}/edit", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Amelia</mark>" in page
    with app.app_context():
        assert db.session.get(Event, event_id).description_md == "Tea and cake."

    key = SAVE_ANYWAY.search(page).group(1)
    response = client.post(f"/events/{event_id}/edit", data={**data, "save_anyway": key})
    assert response.status_code == 302
    with app.app_context():
        [kept] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "event.wording_kept")).all()
        assert kept.subject_id == event_id and "Amelia" in kept.detail
        saved = db.session.get(Event, event_id)
        assert saved.description_md.startswith("Ask for my foster daughter Amelia")
        assert db.session.scalar(select(func.count()).select_from(Event)) == 1
