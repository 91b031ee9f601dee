"""Demo strategy group: three past meetings with issued packs and responses, one coming up."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app

from ..core.database import utcnow
from ..extensions import db
from .items import NewItem, raise_item, support, triage
from .meetings import Attendee, MeetingDetails, save_meeting
from .models import Theme
from .outcomes import record_outcome
from .issuing import issue_pack

THEMES = ["Communication with social workers", "Family time", "Allowances and finance", "Training",
          "Short breaks", "Support out of hours", "Education", "Health and CAMHS", "Allegations",
          "Placement planning", "Peer support"]
ITEMS = [
    ("issue", "Communication with social workers", "Calls to the duty team go unanswered after 3pm; carers wait days.",
     "A named back-up worker when ours is away."),
    ("issue", "Allowances and finance", "Mileage claims take over two months to be paid.", "Pay within 30 days."),
    ("good_practice", "Training", "The trauma-informed training day was excellent and practical.", ""),
    ("suggestion", "Support out of hours", "An out-of-hours line staffed by someone who knows fostering.",
     "A rota of experienced carers paid to answer."),
    ("issue", "Family time", "Family time is moved at less than a day's notice, unsettling children.",
     "48 hours' notice unless there's an emergency."),
    ("issue", "Education", "PEP meetings are booked in school hours without asking carers.", "Ask carers first."),
    ("good_practice", "Placement planning", "Placement planning meetings now happen before moves, which helps.", ""),
    ("issue", "Health and CAMHS", "CAMHS waiting times are over a year; carers get no interim support.",
     "Interim advice sessions for carers."),
]


def seed_strategy(members: dict) -> None:
    for position, name in enumerate(THEMES):
        db.session.add(Theme(name=name, position=position))
    db.session.commit()
    themes = {t.name: t.id for t in db.session.query(Theme)}
    carers = [m for m in members.values() if m.status == "active"]
    strategist = members["strategy@example.org"]
    attendees = [Attendee("Helen Price", "Team manager, fostering", "helen.price@service.example.org"),
                 Attendee("Raj Mistry", "Head of service", "raj.mistry@service.example.org")]
    first = (utcnow() - timedelta(weeks=17)).replace(hour=10, minute=0, second=0, microsecond=0)
    meetings = [save_meeting(MeetingDetails(held_at=first + timedelta(weeks=7 * i), place="County Hall, Room 2",
                                            attendees=attendees)) for i in range(3)]
    coming = save_meeting(MeetingDetails(held_at=first + timedelta(weeks=21), place="County Hall, Room 2",
                                         attendees=attendees))
    created = []
    for index, (kind, theme, happened, helps) in enumerate(ITEMS):
        author = carers[index % len(carers)]
        item = raise_item(NewItem(kind=kind, what_happened=happened, what_would_help=helps,
                                  anonymous=index % 3 != 0, theme_id=themes[theme]), author)
        for supporter in carers[index + 1: index + 1 + index % 4]:
            support(item, supporter)
        created.append(item)
    # Past meetings: two items each, issued and answered; one action stays open and carries forward.
    app = current_app._get_current_object()
    for number, meeting in enumerate(meetings):
        pair = created[number * 2: number * 2 + 2]
        for item in pair:
            triage(item, strategist, theme_id=item.theme_id, wording=item.what_happened, meeting_id=meeting.id)
        with app.test_request_context():
            issue_pack(meeting, strategist)
        for item in pair:
            record_outcome(item, meeting, response="The service agreed to look into this.",
                           action="Team manager to report back with a plan.", owner="service",
                           due_on=(meeting.held_at + timedelta(weeks=6)).date(),
                           status="done" if item.kind == "good_practice" or number < 2 else "open")
    # Coming up: items in triage, one for the pack, one new, one declined.
    triage(created[6], strategist, theme_id=created[6].theme_id, wording=created[6].what_happened,
           meeting_id=coming.id)
    from .items import decline

    decline(created[7], strategist, "Raised at the regional forum instead, where CAMHS attend.")
    raise_item(NewItem(kind="issue", what_happened="Respite is hard to book for sibling groups.",
                       what_would_help="A pool of short-breaks carers for siblings.", anonymous=True,
                       theme_id=themes["Short breaks"]), carers[-1])
