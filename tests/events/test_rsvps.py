"""Replies: places count people, a first-come waitlist, and capacity that holds under load."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from association.events.models import RSVP, Event
from association.events.rsvps import PartyTooBig, RSVPError, respond
from association.extensions import db
from association.mail.worker import deliver_due
from association.members.models import Member
from tests.smtp import text_part
from tests.support import add_member, make_app, sign_in

from .helpers import add_event


@pytest.fixture
def organiser(make_member):
    return make_member("Olive Organiser", roles=["committee"])


def _answer(app, event_id, member_ref, going=True, adults=1, children=0, note="", split=""):
    with app.app_context():
        return respond(event_id, db.session.get(Member, member_ref.id), going, adults, children, note, split=split)


def _responses(app, event_id):
    with app.app_context():
        return {
            name: (r.response, r.adults + r.children)
            for r, name in db.session.execute(
                select(RSVP, Member.name).join(Member, Member.id == RSVP.member_id).where(RSVP.event_id == event_id)
            )
        }


def test_places_count_people_and_a_full_event_waitlists(app, organiser, make_member):
    event_id = add_event(app, organiser.id, capacity=6, children_welcome=True)
    ann, ben, cat = make_member("Ann"), make_member("Ben"), make_member("Cat")
    assert _answer(app, event_id, ann, adults=2, children=3).response == "going"  # 5 of 6
    # Ben's two would make 7: asked, he puts both on the waiting list.
    assert _answer(app, event_id, ben, adults=2, children=0, split="waitlist_all").response == "waitlisted"
    # The one place left is no use to Ben's party of two, so Cat, who fits, is not kept out.
    assert _answer(app, event_id, cat, adults=1).response == "going"
    dan = make_member("Dan")
    assert _answer(app, event_id, dan, adults=1).response == "waitlisted"
    assert _responses(app, event_id) == {
        "Ann": ("going", 5),
        "Ben": ("waitlisted", 2),
        "Cat": ("going", 1),
        "Dan": ("waitlisted", 1),
    }
    # Ann's family drops out: the line is served in order, Ben first.
    _answer(app, event_id, ann, going=False)
    assert _responses(app, event_id)["Ben"] == ("going", 2)
    assert _responses(app, event_id)["Dan"] == ("going", 1)


def test_a_freed_place_goes_to_the_first_in_line_with_an_email(app, smtp, organiser, make_member):
    event_id = add_event(app, organiser.id, capacity=4, title="Holiday picnic", children_welcome=True)
    ann, ben, cat = make_member("Ann"), make_member("Ben"), make_member("Cat")
    _answer(app, event_id, ann, adults=2, children=2)
    _answer(app, event_id, ben, adults=2)
    _answer(app, event_id, cat, adults=1)
    _answer(app, event_id, ann, going=False)
    assert _responses(app, event_id) == {"Ann": ("not_going", 4), "Ben": ("going", 2), "Cat": ("going", 1)}
    with app.app_context():
        deliver_due()
    [mail] = smtp.wait_for(ben.email)
    assert "Holiday picnic" in mail["Subject"] and "place" in text_part(mail).lower()


def test_freed_places_go_down_the_line_in_order_to_whoever_fits(app, organiser, make_member):
    event_id = add_event(app, organiser.id, capacity=3)
    ann, ben, cat, dan = make_member("Ann"), make_member("Ben"), make_member("Cat"), make_member("Dan")
    _answer(app, event_id, ann, adults=3)
    _answer(app, event_id, ben, adults=3)  # first in line
    _answer(app, event_id, cat, adults=2)  # second
    _answer(app, event_id, dan, adults=1)  # third
    _answer(app, event_id, ann, going=False)  # 3 free: Ben, first in line, takes them all
    assert _responses(app, event_id) == {
        "Ann": ("not_going", 3),
        "Ben": ("going", 3),
        "Cat": ("waitlisted", 2),
        "Dan": ("waitlisted", 1),
    }
    _answer(app, event_id, ben, adults=1)  # Ben now brings one: 2 free; Cat is next and fits
    assert _responses(app, event_id)["Cat"] == ("going", 2)
    assert _responses(app, event_id)["Dan"] == ("waitlisted", 1)


def test_changing_numbers_that_no_longer_fit_keeps_the_earlier_reply(app, organiser, make_member):
    event_id = add_event(app, organiser.id, capacity=4, children_welcome=True)
    ann, ben = make_member("Ann"), make_member("Ben")
    _answer(app, event_id, ann, adults=2)
    _answer(app, event_id, ben, adults=2)
    with pytest.raises(PartyTooBig, match="only 2 places left for your party of 3"):
        _answer(app, event_id, ann, adults=2, children=1)
    assert _responses(app, event_id)["Ann"] == ("going", 2)


@pytest.mark.parametrize(
    "adults, children, note, message",
    [
        (-1, 0, "", "from 0 to 20"),
        (1, -2, "", "from 0 to 20"),
        (21, 0, "", "from 0 to 20"),
        (1, 500, "", "from 0 to 20"),
        (0, 0, "", "at least one"),
        (1, 0, "x" * 201, "200 characters"),
    ],
)
def test_bad_numbers_are_refused_and_nothing_is_stored(app, organiser, make_member, adults, children, note, message):
    event_id = add_event(app, organiser.id, capacity=10)
    ann = make_member("Ann")
    with pytest.raises(RSVPError, match=message):
        _answer(app, event_id, ann, adults=adults, children=children, note=note)
    assert _responses(app, event_id) == {}


def test_bad_numbers_through_the_page(app, organiser, make_member):
    event_id = add_event(app, organiser.id, capacity=10, children_welcome=True)
    client = sign_in(app.test_client(), make_member("Ann"))
    for data, message in [
        ({"response": "going", "adults": "-3", "children": "0"}, b"Adults must be from 0 to 20"),
        ({"response": "going", "adults": "1", "children": "9999"}, b"Children must be from 0 to 20"),
        ({"response": "going", "adults": "lots"}, b"Not a valid integer"),
        ({"response": "maybe"}, b"Not a valid choice"),
    ]:
        page = client.post(f"/events/{event_id}/rsvp", data=data, follow_redirects=True)
        assert message in page.data, data
    assert _responses(app, event_id) == {}
    ok = client.post(
        f"/events/{event_id}/rsvp",
        data={"response": "going", "adults": "2", "children": "3", "note": "bringing a curry"},
        follow_redirects=True,
    )
    assert b"You&#39;re going" in ok.data or b"You're going" in ok.data
    assert _responses(app, event_id) == {"Ann": ("going", 5)}


def test_no_replies_after_the_deadline_or_to_cancelled_or_past_events(app, organiser, make_member):
    from datetime import timedelta

    from association.core.database import utcnow
    from association.events.scheduling import cancel_event

    ann = make_member("Ann")
    past_deadline = add_event(app, organiser.id, days_ahead=3)
    with app.app_context():
        db.session.get(Event, past_deadline).rsvp_deadline = utcnow() - timedelta(hours=1)
        db.session.commit()
    with pytest.raises(RSVPError, match="deadline"):
        _answer(app, past_deadline, ann)
    assert _answer(app, past_deadline, ann, going=False).response == "not_going"  # saying no is always fine

    cancelled = add_event(app, organiser.id)
    with app.app_context():
        cancel_event(db.session.get(Event, cancelled), "rain", db.session.get(Member, organiser.id))
    with pytest.raises(RSVPError, match="cancelled"):
        _answer(app, cancelled, ann)

    past = add_event(app, organiser.id, days_ahead=-3)
    with pytest.raises(RSVPError, match="already happened"):
        _answer(app, past, ann)


@pytest.fixture
def shared_database_app(database_url, tmp_path, smtp):
    """An app on a database several threads can use at once (a file, for SQLite)."""
    url = f"sqlite:///{tmp_path / 'concurrent.sqlite'}" if database_url.startswith("sqlite") else database_url
    # Enough pooled connections for every thread to hold one at the same moment.
    app = make_app(
        url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 55, "max_overflow": 5},
    )
    yield app
    with app.app_context():
        db.session.remove()
        engine = db.engine
    engine.dispose()


def test_fifty_simultaneous_replies_for_ten_places(shared_database_app):
    app = shared_database_app
    organiser = add_member(app, "Olive Organiser", roles=["committee"])
    event_id = add_event(app, organiser.id, capacity=10)
    carers = [add_member(app, f"Carer {i}") for i in range(50)]
    barrier = threading.Barrier(len(carers))
    errors: list[BaseException] = []

    def reply(carer):
        try:
            with app.app_context():
                member = db.session.get(Member, carer.id)
                barrier.wait(timeout=30)
                respond(event_id, member, True, 1, 0)
                db.session.remove()
        except BaseException as error:  # collected and reported below
            errors.append(error)

    threads = [threading.Thread(target=reply, args=(c,)) for c in carers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors[:3]
    with app.app_context():
        counts = dict(
            db.session.execute(
                select(RSVP.response, func.count()).where(RSVP.event_id == event_id).group_by(RSVP.response)
            ).all()
        )
        seats = db.session.scalar(
            select(func.sum(RSVP.adults + RSVP.children)).where(RSVP.event_id == event_id, RSVP.response == "going")
        )
    assert counts == {"going": 10, "waitlisted": 40}
    assert seats == 10
