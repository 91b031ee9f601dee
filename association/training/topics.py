"""The training topics the committee keeps: safeguarding, first aid, TSD standards ….

A topic's name is unique whatever its case, so carers never choose between "First aid" and "first
aid". A validity (in months) says how long training in the topic counts before it should be renewed;
none means it does not run out. A topic no longer taught is retired rather than deleted: it is not
offered for new training, but the records and certificates that have it keep it, and it can be
brought back. Each change is written to the audit log. The view commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..core.audit import record
from ..core.database import insert_or_ignore, utcnow
from ..core.errors import DomainError
from ..extensions import db
from .models import TrainingTopic, course_topics, entry_topics

NAME_LENGTH = 80
# Ten years: longer than any renewal period the sector uses (first aid: three years).
MAX_VALIDITY_MONTHS = 120


class TopicError(DomainError):
    """A topic change that cannot be made; ``str(error)`` says why."""


@dataclass
class TopicRow:
    """A topic on the committee's list, with how much training has it (to judge retiring it)."""

    topic: TrainingTopic
    courses: int  # association training events that teach it
    entries: int  # training carers added themselves with it

    @property
    def validity(self) -> str:
        return validity_words(self.topic.validity_months)


def validity_words(months: int | None) -> str:
    """How long training in a topic counts: '3 years', '18 months', 'Does not run out'."""
    if months is None:
        return "Does not run out"
    if months % 12 == 0:
        years = months // 12
        return f"{years} year" if years == 1 else f"{years} years"
    return f"{months} month" if months == 1 else f"{months} months"


def topic_list() -> list[TopicRow]:
    """Every topic, those in use first, by name; one statement however many there are."""
    courses = (
        select(func.count())
        .select_from(course_topics)
        .where(course_topics.c.topic_id == TrainingTopic.id)
        .scalar_subquery()
    )
    entries = (
        select(func.count())
        .select_from(entry_topics)
        .where(entry_topics.c.topic_id == TrainingTopic.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(TrainingTopic, courses, entries).order_by(TrainingTopic.retired, func.lower(TrainingTopic.name))
    )
    return [TopicRow(topic, course_count or 0, entry_count or 0) for topic, course_count, entry_count in rows]


def _clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise TopicError("Please give the topic a name, like First aid.", field="name")
    if len(cleaned) > NAME_LENGTH:
        raise TopicError(f"Please keep the name to {NAME_LENGTH} characters or fewer.", field="name")
    return cleaned


def _check_validity(months: int | None) -> None:
    if months is not None and not 1 <= months <= MAX_VALIDITY_MONTHS:
        raise TopicError(
            f"Please give between 1 and {MAX_VALIDITY_MONTHS} months ({MAX_VALIDITY_MONTHS // 12} years), "
            "or leave it empty if training in this topic does not run out.",
            field="validity_months",
        )


def _same_name(name: str, other_than: int | None = None) -> TrainingTopic | None:
    query = select(TrainingTopic).where(func.lower(TrainingTopic.name) == name.lower())
    if other_than is not None:
        query = query.where(TrainingTopic.id != other_than)
    return db.session.scalar(query.limit(1))


def _name_taken(existing: TrainingTopic) -> TopicError:
    if existing.retired:
        return TopicError(
            f"There is already a topic called “{existing.name}”, retired. Bring it back from the list instead.",
            field="name",
        )
    return TopicError(f"There is already a topic called “{existing.name}”.", field="name")


def add_topic(name: str, validity_months: int | None, actor) -> TrainingTopic:
    """Add a topic; refused when one has that name already, whatever its case."""
    name = _clean_name(name)
    _check_validity(validity_months)
    existing = _same_name(name)
    if existing is not None:
        raise _name_taken(existing)
    # ON CONFLICT DO NOTHING: of a double click, the second finds the first's topic and is told so.
    inserted = insert_or_ignore(
        TrainingTopic, name=name, validity_months=validity_months, retired=False, created_at=utcnow()
    )
    topic = _same_name(name)
    assert topic is not None, "inserted above, or by the request that got there first"
    if not inserted:
        raise _name_taken(topic)
    record("training.topic_added", topic, f"{name}: {validity_words(validity_months).lower()}", actor=actor)
    db.session.flush()
    return topic


def change_topic(topic: TrainingTopic, name: str, validity_months: int | None, actor) -> bool:
    """Rename a topic or change how long training in it counts; False when nothing changed.

    A new validity applies to everyone's record at once: "My training" works out renewals from it.
    """
    name = _clean_name(name)
    _check_validity(validity_months)
    existing = _same_name(name, other_than=topic.id)
    if existing is not None:
        raise _name_taken(existing)
    changes = []
    if name != topic.name:
        changes.append(f"name “{topic.name}” → “{name}”")
    if validity_months != topic.validity_months:
        changes.append(
            f"counts for: {validity_words(topic.validity_months).lower()} → {validity_words(validity_months).lower()}"
        )
    if not changes:
        return False
    topic.name, topic.validity_months = name, validity_months
    try:
        # Two committee members giving two topics the same name at once: the second is told, not a 500.
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise TopicError(f"There is already a topic called “{name}”.", field="name") from error
    record("training.topic_changed", topic, "; ".join(changes), actor=actor)
    db.session.flush()
    return True


def set_retired(topic: TrainingTopic, retired: bool, actor) -> bool:
    """Retire a topic (not offered for new training) or bring it back; False when it already was."""
    if topic.retired == retired:
        return False
    topic.retired = retired
    record("training.topic_retired" if retired else "training.topic_restored", topic, topic.name, actor=actor)
    db.session.flush()
    return True
