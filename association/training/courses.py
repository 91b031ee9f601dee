"""Training details of an event (hours, topics, learning outcomes) and the topics the committee keeps."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from ..core.audit import record
from ..core.errors import DomainError
from ..events.models import Event
from ..extensions import db
from .models import MAX_MINUTES, TrainingCourse, TrainingTopic, hours_words


class CourseError(DomainError):
    """Training details that cannot be saved; ``str(error)`` says why."""


def course_of(event: Event) -> TrainingCourse | None:
    return db.session.get(TrainingCourse, event.id)


@dataclass
class CourseValues:
    """What the details form starts with."""

    hours: Decimal | None
    outcomes: str
    topics: list[int]


def form_values(course: TrainingCourse | None) -> CourseValues | None:
    if course is None:
        return None
    return CourseValues(Decimal(course.minutes) / 60, course.outcomes, [t.id for t in course.topics])


def active_topics() -> list[TrainingTopic]:
    return list(
        db.session.scalars(select(TrainingTopic).where(TrainingTopic.retired.is_(False)).order_by(TrainingTopic.name))
    )


def topic_choices(course: TrainingCourse | None = None) -> list[tuple[int, str]]:
    """Topics to choose from: those in use, and any retired one the course already has."""
    topics = {t.id: t for t in active_topics()}
    for topic in course.topics if course else []:
        topics.setdefault(topic.id, topic)
    return [(t.id, t.name) for t in sorted(topics.values(), key=lambda t: t.name)]


def topics_by_id(topic_ids: list[int]) -> list[TrainingTopic]:
    if not topic_ids:
        return []
    return list(db.session.scalars(select(TrainingTopic).where(TrainingTopic.id.in_(topic_ids))))


def save_course(event: Event, minutes: int, outcomes: str, topic_ids: list[int], actor) -> TrainingCourse:
    """Set the hours, topics and outcomes of a training event."""
    if event.kind != "training":
        raise CourseError("Only training events have training details.")
    if not 0 < minutes <= MAX_MINUTES:
        raise CourseError(f"Please give between a quarter of an hour and {MAX_MINUTES // 60} hours.", field="hours")
    course = course_of(event) or TrainingCourse(event_id=event.id)
    course.minutes = minutes
    course.outcomes = outcomes.strip()
    course.topics = topics_by_id(topic_ids)
    db.session.add(course)
    record("training.course", event, f"{hours_words(minutes)}, {len(course.topics)} topics", actor=actor)
    db.session.flush()
    return course
