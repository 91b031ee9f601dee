"""Reminders before training runs out: an email, at most once a week, to each member whose training
in a topic with a validity (first aid: three years) runs out within ``records.DUE_WITHIN_DAYS``, with the
next association training on that topic when one is planned.

When to write, and what to say. A topic *running out soon* is the reason to write: it is the one
time a reminder helps, while there is still time to book a course. A topic that has *already run
out* never starts an email on its own (or a carer who let something lapse years ago would hear
about it every week for ever), but once there is a reason to write it is named too, if it ran out
within ``RAN_OUT_MENTIONED_DAYS``: a year, the time between two annual reviews, where a lapse since
the last one will be asked about. Older lapses are on "My training". A topic never done at all is
not mentioned: nothing says the carer needs it.

"Runs out" is what "My training" says: the last completion in the topic, from association training
the member came to (registers of kind 'training' and the course's topics) or from their own entries,
plus the topic's validity.

At most once a week: the ``training_reminders`` row of a member is claimed in SQL (an UPDATE of an
old row, an INSERT that ignores an existing one) in the transaction that queues the emails, so two
runs never both write, and a run that fails writes nothing and claims nothing.

A fixed number of SQL statements whatever the number of members: the latest training per member and
topic is read by two aggregate queries (association training, own entries), the claims are two
statements for everyone, and the members, the coming training and who is going to it one each.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import ColumnElement, delete, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import raiseload

from ..core.database import table_of, utcnow
from ..core.timefmt import local_zone, to_local
from ..events.display import event_when
from ..events.models import RSVP, Event, EventStatus, RsvpResponse
from ..extensions import db
from ..mail.outbox import email_values, external_url, queue_emails
from ..mail.preferences import MailPreferences
from ..members.models import Member, MemberStatus
from .models import (
    Register,
    RegisterEntry,
    TrainingEntry,
    TrainingReminder,
    TrainingTopic,
    course_topics,
    entry_topics,
)
from .records import Renewal

# A topic that already ran out is named (in an email written for another topic) this long after.
RAN_OUT_MENTIONED_DAYS = 365
# Days between two reminders to one member, counted in the association's days: the job runs once a
# day, at whatever time the worker's first round comes, so a count in hours would slip a day now and
# then; in days a member reminded on a Monday is reminded again on the next Monday at the earliest.
REMIND_EVERY_DAYS = 7
# Events a member is told about: those every active member may see.
VISIBLE_TO_MEMBERS = ("public", "members")
# How many topics a subject line names before "and N more".
SUBJECT_TOPICS = 2


@dataclass
class NextTraining:
    """An association training coming up on a topic."""

    title: str
    when: str
    url: str
    going: bool = False  # the member already said they are going


@dataclass
class TopicDue:
    """One topic in a member's reminder."""

    renewal: Renewal
    next_training: NextTraining | None = None

    @property
    def name(self) -> str:
        return self.renewal.topic.name

    @property
    def ran_out(self) -> bool:
        return self.renewal.state == "expired"


@dataclass
class MemberDue:
    member_id: int
    topics: list[TopicDue] = field(default_factory=list)


def send_training_reminders(now: datetime | None = None) -> int:
    """The daily job: queue each member's reminder that is due. Commits (a job owns its transaction:
    the weekly claims and the emails are written together or not at all); returns emails queued."""
    queued = queue_training_reminders(now)
    db.session.commit()
    return queued


def queue_training_reminders(now: datetime | None = None) -> int:
    """Claim and queue the reminders due at ``now``; returns how many emails were queued (the caller commits)."""
    now = now or utcnow()
    today = to_local(now).date()
    cutoff = _start_of_day(today - timedelta(days=REMIND_EVERY_DAYS - 1))
    topics = {
        topic.id: topic
        for topic in db.session.scalars(
            select(TrainingTopic).where(TrainingTopic.validity_months.is_not(None), TrainingTopic.retired.is_(False))
        )
    }
    if not topics:
        return 0
    due = _members_due(_last_done(list(topics), cutoff), topics, today)
    if not due:
        return 0
    claimed = _claim(sorted(due), now, cutoff)
    if not claimed:
        return 0
    members = db.session.scalars(
        select(Member)
        .options(raiseload(Member.role_rows))
        .where(Member.id.in_(claimed), *_may_be_written_to())
        .order_by(Member.id)
    ).all()
    _add_next_training([due[m.id] for m in members], now)
    my_training_url = external_url("training.my_training")
    # One INSERT for all the emails: a flush would write them one statement each on SQLite.
    return queue_emails(
        [
            email_values(
                member.mail_to,  # an active member (the query wants an address): not erased
                _subject(due[member.id].topics),
                "training_reminder",
                member=member,
                kind="training_reminder",
                topics=due[member.id].topics,
                my_training_url=my_training_url,
            )
            for member in members
        ]
    )


def _start_of_day(day: date) -> datetime:
    """The first moment of ``day`` in the association's time zone, as stored (naive UTC)."""
    return datetime.combine(day, time(0), local_zone()).astimezone(UTC).replace(tzinfo=None)


def _may_be_written_to() -> list[ColumnElement[bool]]:
    """Active members with an address (so not erased) who did not turn training reminders off."""
    return [
        Member.status == MemberStatus.ACTIVE,
        Member.erased_at.is_(None),
        Member.email.is_not(None),
        ~exists().where(MailPreferences.member_id == Member.id, MailPreferences.training_reminders.is_(False)),
    ]


def _not_reminded_since(cutoff: datetime) -> ColumnElement[bool]:
    """Not reminded this week: read here only to leave those members out early (the claim decides)."""
    return ~exists().where(TrainingReminder.member_id == Member.id, TrainingReminder.sent_at >= cutoff)


def _last_done(topic_ids: list[int], cutoff: datetime) -> dict[tuple[int, int], date]:
    """(member, topic) -> the day of the member's latest training in the topic, for the members who
    may be reminded now: two aggregate statements, one row per member and topic."""
    eligible = [*_may_be_written_to(), _not_reminded_since(cutoff)]
    association = (
        select(RegisterEntry.member_id, course_topics.c.topic_id, func.max(Register.held_from))
        .join(Register, Register.id == RegisterEntry.register_id)
        .join(course_topics, course_topics.c.event_id == Register.event_id)
        .join(Member, Member.id == RegisterEntry.member_id)
        # As "My training" counts it (records.association_lines): a training register with its hours.
        .where(
            RegisterEntry.attended.is_(True),
            Register.kind == "training",
            Register.minutes.is_not(None),
            course_topics.c.topic_id.in_(topic_ids),
            *eligible,
        )
        .group_by(RegisterEntry.member_id, course_topics.c.topic_id)
    )
    own = (
        select(TrainingEntry.member_id, entry_topics.c.topic_id, func.max(TrainingEntry.completed_on))
        .join(entry_topics, entry_topics.c.entry_id == TrainingEntry.id)
        .join(Member, Member.id == TrainingEntry.member_id)
        .where(entry_topics.c.topic_id.in_(topic_ids), *eligible)
        .group_by(TrainingEntry.member_id, entry_topics.c.topic_id)
    )
    last: dict[tuple[int, int], date] = {}
    for member_id, topic_id, held_from in db.session.execute(association):
        last[(member_id, topic_id)] = to_local(held_from).date()
    for member_id, topic_id, completed_on in db.session.execute(own):
        key = (member_id, topic_id)
        if key not in last or completed_on > last[key]:
            last[key] = completed_on
    return last


def _members_due(
    last: dict[tuple[int, int], date], topics: dict[int, TrainingTopic], today: date
) -> dict[int, MemberDue]:
    """The members with a topic running out soon, each with the topics their email names, soonest first."""
    renewals: dict[int, list[Renewal]] = defaultdict(list)
    for (member_id, topic_id), done in last.items():
        topic = topics[topic_id]
        assert topic.validity_months is not None, "only topics with a validity are read"
        renewals[member_id].append(Renewal(topic, done, done + relativedelta(months=topic.validity_months), today))
    oldest_mentioned = today - timedelta(days=RAN_OUT_MENTIONED_DAYS)
    due = {}
    for member_id, found in renewals.items():
        if not any(r.state == "due" for r in found):
            continue
        named = [
            r
            for r in found
            if r.state == "due" or (r.state == "expired" and r.runs_out and r.runs_out >= oldest_mentioned)
        ]
        named.sort(key=lambda r: (r.runs_out, r.topic.name))
        due[member_id] = MemberDue(member_id, [TopicDue(r) for r in named])
    return due


def _claim(member_ids: list[int], now: datetime, cutoff: datetime) -> set[int]:
    """Take this week's reminder of each of ``member_ids``; the ids taken here (two statements).

    An UPDATE takes the rows of members last reminded before ``cutoff``, an INSERT … ON CONFLICT DO
    NOTHING those never reminded. A row another run took first (or one taken this week) matches
    neither: the database serialises the two writers on it, so no member is claimed twice.
    """
    table = table_of(TrainingReminder)
    renewed = db.session.scalars(
        update(table)
        .where(table.c.member_id.in_(member_ids), table.c.sent_at < cutoff)
        .values(sent_at=now)
        .returning(table.c.member_id)
    ).all()
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    first = db.session.scalars(
        dialect.insert(table)
        .values([{"member_id": member_id, "sent_at": now} for member_id in member_ids])
        .on_conflict_do_nothing()
        .returning(table.c.member_id)
    ).all()
    return set(renewed) | set(first)


def _add_next_training(reminders: list[MemberDue], now: datetime) -> None:
    """Name on each topic the next association training on it: the one the member is going to, if
    they said so, or else the soonest (two statements: the coming training, who is going)."""
    topic_ids = {t.renewal.topic.id for r in reminders for t in r.topics}
    if not topic_ids:
        return
    coming = db.session.execute(
        select(Event, course_topics.c.topic_id)
        .join(course_topics, course_topics.c.event_id == Event.id)
        .where(
            Event.kind == "training",
            Event.status == EventStatus.SCHEDULED,
            Event.starts_at > now,
            Event.visibility.in_(VISIBLE_TO_MEMBERS),
            course_topics.c.topic_id.in_(topic_ids),
        )
        .order_by(Event.starts_at, Event.id)
    ).all()
    if not coming:
        return
    by_topic: dict[int, list[Event]] = defaultdict(list)
    for event, topic_id in coming:
        by_topic[topic_id].append(event)
    going = {
        (member_id, event_id)
        for member_id, event_id in db.session.execute(
            select(RSVP.member_id, RSVP.event_id).where(
                RSVP.event_id.in_({event.id for event, _ in coming}),
                RSVP.member_id.in_([r.member_id for r in reminders]),
                RSVP.response == RsvpResponse.GOING,
            )
        )
    }
    urls = {event.id: external_url("events.detail", event_id=event.id) for event, _ in coming}
    for reminder in reminders:
        for topic in reminder.topics:
            events = by_topic.get(topic.renewal.topic.id, [])
            booked = next((e for e in events if (reminder.member_id, e.id) in going), None)
            event = booked or (events[0] if events else None)
            if event is not None:
                topic.next_training = NextTraining(event.title, event_when(event), urls[event.id], booked is not None)


def _subject(topics: list[TopicDue]) -> str:
    names = [t.name for t in topics]
    if len(names) > SUBJECT_TOPICS + 1:
        names = [*names[:SUBJECT_TOPICS], f"{len(names) - SUBJECT_TOPICS} more"]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"Training to renew: {listed}"


def forget_reminders(member_id: int) -> None:
    """On erasure: when the member was last reminded goes too."""
    db.session.execute(delete(TrainingReminder).where(TrainingReminder.member_id == member_id))


def last_reminded(member_id: int) -> datetime | None:
    """When the member was last sent a training reminder, for their own data download."""
    return db.session.scalar(select(TrainingReminder.sent_at).where(TrainingReminder.member_id == member_id))
