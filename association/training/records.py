"""A carer's training record: association training they came to, and what they added themselves.

Read in a fixed number of statements however long the record is (four: the association lines, their
topics, the member's own entries, theirs), and summed in Python: totals per year and per topic,
and what is due for renewal.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..core.timefmt import local_today, to_local
from ..extensions import db
from .models import Register, RegisterEntry, TrainingCourse, TrainingEntry, TrainingTopic, course_topics
from .topics import validity_words

# A topic whose training runs out within this many days is "due for renewal".
DUE_WITHIN_DAYS = 60


@dataclass
class RecordLine:
    """One piece of training on a member's record."""

    completed_on: date
    title: str
    provider: str
    minutes: int
    topics: list[TrainingTopic]
    # association training: the certificate's code; own entries: the entry (and whether it has a file)
    certificate_code: str | None = None
    entry_id: int | None = None
    has_file: bool = False
    outcomes: str = ""

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def by_association(self) -> bool:
        return self.certificate_code is not None

    @property
    def topic_names(self) -> str:
        return ", ".join(t.name for t in self.topics)


@dataclass
class Renewal:
    """Where a topic that runs out stands for this member."""

    topic: TrainingTopic
    last_done: date | None
    runs_out: date | None
    today: date

    @property
    def state(self) -> str:
        if self.runs_out is None:
            return "none"
        if self.runs_out < self.today:
            return "expired"
        if self.runs_out <= self.today + timedelta(days=DUE_WITHIN_DAYS):
            return "due"
        return "current"

    @property
    def validity_words(self) -> str:
        """How long training in the topic counts: '3 years', '1 year', '18 months'."""
        return validity_words(self.topic.validity_months)

    @property
    def words(self) -> str:
        return {
            "none": "No training recorded yet",
            "expired": "Ran out",
            "due": "Due for renewal",
            "current": "Up to date",
        }[self.state]


@dataclass
class TrainingRecord:
    lines: list[RecordLine] = field(default_factory=list)
    renewals: list[Renewal] = field(default_factory=list)

    @property
    def total_minutes(self) -> int:
        return sum(line.minutes for line in self.lines)

    @property
    def by_year(self) -> list[tuple[int, int, int]]:
        """(year, pieces of training, minutes), newest year first."""
        years: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for line in self.lines:
            years[line.completed_on.year][0] += 1
            years[line.completed_on.year][1] += line.minutes
        return [(year, count, minutes) for year, (count, minutes) in sorted(years.items(), reverse=True)]

    @property
    def by_topic(self) -> list[tuple[str, int, int]]:
        """(topic, pieces of training, minutes), most hours first; training without a topic is left out."""
        topics: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for line in self.lines:
            for topic in line.topics:
                topics[topic.name][0] += 1
                topics[topic.name][1] += line.minutes
        return sorted(((name, c, m) for name, (c, m) in topics.items()), key=lambda row: (-row[2], row[0]))

    @property
    def needs_attention(self) -> list[Renewal]:
        return [r for r in self.renewals if r.state in ("expired", "due")]


def association_lines(member_id: int) -> list[RecordLine]:
    """Training events the member came to (two statements)."""
    statement = (
        select(RegisterEntry.certificate_code, Register.title, Register.held_from, Register.minutes, Register.event_id)
        .join(Register, Register.id == RegisterEntry.register_id)
        .where(
            RegisterEntry.member_id == member_id,
            RegisterEntry.attended.is_(True),
            Register.kind == "training",
            Register.minutes.is_not(None),
        )
    )
    rows = list(db.session.execute(statement))
    event_ids = [row.event_id for row in rows if row.event_id is not None]
    topics, outcomes = _course_details(event_ids)
    lines = [
        RecordLine(
            to_local(row.held_from).date(),
            row.title,
            "The association",
            row.minutes,
            topics.get(row.event_id, []),
            certificate_code=row.certificate_code,
            outcomes=outcomes.get(row.event_id, ""),
        )
        for row in rows
    ]
    return lines


def _course_details(event_ids: list[int]) -> tuple[dict[int, list[TrainingTopic]], dict[int, str]]:
    topics: dict[int, list[TrainingTopic]] = defaultdict(list)
    outcomes: dict[int, str] = {}
    if not event_ids:
        return topics, outcomes
    statement = (
        select(TrainingCourse.event_id, TrainingCourse.outcomes, TrainingTopic)
        .outerjoin(course_topics, course_topics.c.event_id == TrainingCourse.event_id)
        .outerjoin(TrainingTopic, TrainingTopic.id == course_topics.c.topic_id)
        .where(TrainingCourse.event_id.in_(event_ids))
        .order_by(TrainingTopic.name)
    )
    for event_id, course_outcomes, topic in db.session.execute(statement):
        outcomes[event_id] = course_outcomes
        if topic is not None:
            topics[event_id].append(topic)
    return topics, outcomes


def own_lines(member_id: int) -> list[RecordLine]:
    """What the member added themselves (two statements)."""
    statement = (
        select(TrainingEntry).options(selectinload(TrainingEntry.topics)).where(TrainingEntry.member_id == member_id)
    )
    return [
        RecordLine(
            entry.completed_on,
            entry.title,
            entry.provider,
            entry.minutes,
            list(entry.topics),
            entry_id=entry.id,
            has_file=entry.certificate_file is not None,
        )
        for entry in db.session.scalars(statement)
    ]


def _within(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or day >= start) and (end is None or day <= end)


def training_record(member_id: int, start: date | None = None, end: date | None = None) -> TrainingRecord:
    """The member's record, newest first, with where each renewable topic stands (today)."""
    # Read whole, once: renewals look at the whole record whatever period was asked for, and the
    # period is a filter on it.
    everything = association_lines(member_id) + own_lines(member_id)
    everything.sort(key=lambda line: (line.completed_on, line.title), reverse=True)
    renewable = db.session.scalars(
        select(TrainingTopic)
        .where(TrainingTopic.validity_months.is_not(None), TrainingTopic.retired.is_(False))
        .order_by(TrainingTopic.name)
    )
    lines = [line for line in everything if _within(line.completed_on, start, end)]
    return TrainingRecord(lines, renewals_for(everything, list(renewable)))


def renewals_for(lines: list[RecordLine], topics: list[TrainingTopic], today: date | None = None) -> list[Renewal]:
    """For each topic with a validity: the last training in it and when that runs out."""
    today = today or local_today()
    last: dict[int, date] = {}
    for line in lines:
        for topic in line.topics:
            if topic.id not in last or line.completed_on > last[topic.id]:
                last[topic.id] = line.completed_on
    renewals = []
    for topic in topics:
        done = last.get(topic.id)
        assert topic.validity_months is not None, "only topics with a validity are asked about"
        runs_out = done + relativedelta(months=topic.validity_months) if done else None
        renewals.append(Renewal(topic, done, runs_out, today))
    return renewals


@dataclass
class Attended:
    title: str
    kind: str
    held_from: datetime


def meetings_attended(member_id: int, limit: int = 20) -> tuple[list[Attended], int]:
    """The meetings the member was ticked off at, newest first (up to ``limit``), and how many in all.

    Two statements. Only the member sees this list of their own; organisers see their own meeting's
    register, and the committee sees numbers.
    """
    came = (RegisterEntry.member_id == member_id, RegisterEntry.attended.is_(True))
    rows = db.session.execute(
        select(Register.title, Register.kind, Register.held_from)
        .join(RegisterEntry, RegisterEntry.register_id == Register.id)
        .where(*came)
        .order_by(Register.held_from.desc())
        .limit(limit)
    )
    total = db.session.scalar(select(func.count()).select_from(RegisterEntry).where(*came))
    return [Attended(r.title, r.kind, r.held_from) for r in rows], total or 0
