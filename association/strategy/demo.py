"""Demo strategy group: three past meetings with issued packs and responses, one coming up."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import current_app

from ..core.database import utcnow
from ..core.timefmt import local_today, local_zone
from ..extensions import db
from ..members.models import MemberStatus
from .issuing import issue_pack
from .items import NewItem, raise_item, support, triage
from .meetings import Attendee, MeetingDetails, save_meeting
from .models import Theme
from .outcomes import record_outcome

THEMES = [
    "Communication with social workers",
    "Family time",
    "Allowances and finance",
    "Training",
    "Short breaks",
    "Support out of hours",
    "Education",
    "Health and CAMHS",
    "Allegations",
    "Placement planning",
    "Peer support",
]
ITEMS = [
    (
        "issue",
        "Communication with social workers",
        "Calls to the duty team go unanswered after 3pm; carers wait days.",
        "A named back-up worker when ours is away.",
    ),
    ("issue", "Allowances and finance", "Mileage claims take over two months to be paid.", "Pay within 30 days."),
    ("good_practice", "Training", "The trauma-informed training day was excellent and practical.", ""),
    (
        "suggestion",
        "Support out of hours",
        "An out-of-hours line staffed by someone who knows fostering.",
        "A rota of experienced carers paid to answer.",
    ),
    (
        "issue",
        "Family time",
        "Family time is moved at less than a day's notice, unsettling children.",
        "48 hours' notice unless there's an emergency.",
    ),
    ("issue", "Education", "PEP meetings are booked in school hours without asking carers.", "Ask carers first."),
    ("good_practice", "Placement planning", "Placement planning meetings now happen before moves, which helps.", ""),
    (
        "issue",
        "Health and CAMHS",
        "CAMHS waiting times are over a year; carers get no interim support.",
        "Interim advice sessions for carers.",
    ),
]
# What the service said to the first six items (two per past meeting), as a group member would
# record it: (response, action, owner, status). Good practice is thanked, not "looked into".
ANSWERS = [
    (
        "The service agreed: when a carer's social worker is away, duty calls after 3pm now go to a back-up worker.",
        "Team manager to tell every carer who their back-up worker is.",
        "service",
        "done",
    ),
    (
        "The service accepted that two months is too long and will pay mileage within 30 days.",
        "Finance lead to report payment times at the next meeting.",
        "service",
        "in_progress",
    ),
    ("The service thanked carers and will run the trauma-informed day twice a year.", "", "service", "done"),
    (
        "The service is open to a paid rota of experienced carers and will cost a three-month pilot.",
        "Head of service to bring a pilot plan to the next meeting.",
        "service",
        "open",
    ),
    (
        "The service agreed 48 hours' notice for changes to family time, except in emergencies; "
        "contact workers have been told.",
        "",
        "service",
        "done",
    ),
    (
        "The virtual school will ask carers before booking PEP meetings and offer after-school times.",
        "Association to collect carers' experience of the next round of PEPs.",
        "association",
        "in_progress",
    ),
]
CADENCE = timedelta(weeks=7)  # the middle of the 6-8 week window


def _quiet(day: date) -> bool:
    """Christmas Eve to 2 January: no service meeting (offices close, carers are with family)."""
    return (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day <= 2)


def meeting_days(today: date) -> list[date]:
    """Three past service meetings and the next one, oldest first: on a Tuesday, Wednesday or
    Thursday, 6 to 8 weeks apart, none over Christmas, the next at least three weeks away (the
    group's preparation evening comes first)."""
    coming = today + timedelta(days=25)
    while coming.weekday() not in (1, 2, 3) or _quiet(coming):
        coming += timedelta(days=1)
    days = [coming]
    while len(days) < 4:
        for gap in (CADENCE, timedelta(weeks=8), timedelta(weeks=6)):  # same weekday either way
            earlier = days[0] - gap
            if not _quiet(earlier):
                break
        days.insert(0, earlier)
    return days


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), local_zone()).astimezone(UTC).replace(tzinfo=None)


def seed_strategy(members: dict) -> None:
    for position, name in enumerate(THEMES):
        db.session.add(Theme(name=name, position=position))
    db.session.commit()
    themes = {t.name: t.id for t in db.session.query(Theme)}
    carers = [m for m in members.values() if m.status == MemberStatus.ACTIVE]
    strategist = members["strategy@example.org"]
    attendees = [
        Attendee("Helen Price", "Team manager, fostering", "helen.price@service.example.org"),
        Attendee("Raj Mistry", "Head of service", "raj.mistry@service.example.org"),
    ]
    today = local_today()
    *past_days, coming_day = meeting_days(today)
    meetings = [
        save_meeting(MeetingDetails(held_at=_at(day, 10), place="County Hall, Room 2", attendees=attendees))
        for day in past_days
    ]
    coming = save_meeting(MeetingDetails(held_at=_at(coming_day, 10), place="County Hall, Room 2", attendees=attendees))
    # Each item is raised before the meeting that answers it: two in the weeks before each past
    # meeting's cut-off, the rest since the last meeting.
    raised_at = [meeting.cutoff_at - timedelta(days=12 - 5 * n, hours=3 * n) for meeting in meetings for n in range(2)]
    since_last = meetings[-1].held_at
    raised_at += [since_last + (utcnow() - since_last) * (k + 1) / 4 for k in range(len(ITEMS) - len(raised_at))]
    created = []
    for index, (kind, theme, happened, helps) in enumerate(ITEMS):
        author = carers[index % len(carers)]
        item = raise_item(
            NewItem(
                kind=kind,
                what_happened=happened,
                what_would_help=helps,
                anonymous=index % 3 != 0,
                theme_id=themes[theme],
            ),
            author,
        )
        item.created_at = item.updated_at = raised_at[index]
        for supporter in carers[index + 1 : index + 1 + index % 4]:
            support(item, supporter)
        created.append(item)
    db.session.commit()
    # Past meetings: two items each, issued and answered; actions still to do carry forward.
    # The app itself, for the worker run below. Flask declares current_app as Flask, though it is a werkzeug
    # LocalProxy (flask/globals.py assigns it under its own type: ignore).
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    answers = iter(ANSWERS)
    for number, meeting in enumerate(meetings):
        pair = created[number * 2 : number * 2 + 2]
        for item in pair:
            triage(item, strategist, theme_id=item.theme_id, wording=item.what_happened, meeting_id=meeting.id)
        with app.test_request_context():
            issue_pack(meeting, strategist)
        for item in pair:
            response, action, owner, status = next(answers)
            held_on = meeting.held_at.date()
            if status == "done":
                due_on = held_on + timedelta(weeks=4) if held_on + timedelta(weeks=4) <= today else None
            else:
                due_on = today + timedelta(weeks=3 + number)
            record_outcome(item, meeting, response=response, action=action, owner=owner, due_on=due_on, status=status)
    # Coming up: items in triage, one for the pack, one new, one declined.
    triage(created[6], strategist, theme_id=created[6].theme_id, wording=created[6].what_happened, meeting_id=coming.id)
    from .items import decline

    decline(created[7], strategist, "Raised at the regional forum instead, where CAMHS attend.")
    raise_item(
        NewItem(
            kind="issue",
            what_happened="Respite is hard to book for sibling groups.",
            what_would_help="A pool of short-breaks carers for siblings.",
            anonymous=True,
            theme_id=themes["Short breaks"],
        ),
        carers[-1],
    )
