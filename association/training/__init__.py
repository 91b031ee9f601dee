"""Training: registers of who came, training details of events, each carer's training record with
certificates and a public check of them, reminders before training runs out, and the committee's
attendance report (numbers only)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask


def register(app: Flask) -> None:
    from ..core import hooks
    from ..core.request_guard import allow_large_upload
    from . import record_views, report_views, topic_views  # noqa: F401  (their routes join the blueprint)
    from .entries import CERTIFICATE_MAX_BYTES
    from .views import bp

    app.register_blueprint(bp)
    # The event page (events part, below this one) shows a training's hours, topics and outcomes.
    app.jinja_env.globals["training_details"] = course_details
    # Room for a 10 MB certificate and the form around it; the rule refuses a file over 10 MB itself.
    allow_large_upload(app, "training.add_entry", CERTIFICATE_MAX_BYTES + 256 * 1024)
    hooks.seeding_demo.connect(seed_demo, sender=app)
    hooks.exporting_member_data.connect(member_data, sender=app)
    hooks.erasing_member.connect(erase_member, sender=app)
    hooks.listing_daily_jobs.connect(daily_jobs, sender=app)


def course_details(event_id: int):
    """A training event's details with their topics (two statements), or None."""
    from sqlalchemy.orm import selectinload

    from ..extensions import db
    from .models import TrainingCourse

    return db.session.scalar(
        db.select(TrainingCourse)
        .options(selectinload(TrainingCourse.topics))
        .where(TrainingCourse.event_id == event_id)
    )


def seed_demo(_app: Flask, members: dict) -> None:
    """Training details, registers and records, for ``hooks.seeding_demo``."""
    from .demo import seed_training

    seed_training(members)


def member_data(_app: Flask, member) -> dict:
    """A member's attendance and training record, for their data download (``hooks.exporting_member_data``)."""
    from .privacy import export_training

    return export_training(member)


def erase_member(_app: Flask, member) -> None:
    """On erasure (``hooks.erasing_member``): their own training entries and files go, and when they
    were last reminded."""
    from .entries import erase_entries
    from .reminders import forget_reminders

    erase_entries(member.id)
    forget_reminders(member.id)


def daily_jobs(_app: Flask) -> dict[str, Callable[[], object]]:
    """Training's daily job, for the worker (``hooks.listing_daily_jobs``): reminders before training runs out."""
    from .reminders import send_training_reminders

    return {"training-reminders": send_training_reminders}
