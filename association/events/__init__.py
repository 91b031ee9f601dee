"""Events: the association's calendar, replies with a waitlist, and iCalendar feeds."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask


def register(app: Flask) -> None:
    from ..core import hooks
    from .display import event_when
    from .feeds import bp as feeds_bp
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(feeds_bp)
    app.jinja_env.globals["event_when"] = event_when
    hooks.seeding_demo.connect(seed_demo, sender=app)
    hooks.exporting_member_data.connect(member_data, sender=app)
    hooks.listing_daily_jobs.connect(daily_jobs, sender=app)


def seed_demo(_app: Flask, members: dict) -> None:
    """Events with replies, for ``hooks.seeding_demo``."""
    from .demo import seed_events

    seed_events(members)


def member_data(_app: Flask, member) -> dict:
    """A member's event replies, for their data download (``hooks.exporting_member_data``)."""
    from .privacy import export_rsvps

    return {"event_replies": export_rsvps(member)}


def daily_jobs(_app: Flask) -> dict[str, Callable[[], object]]:
    """Events' daily jobs, for the worker (``hooks.listing_daily_jobs``)."""
    from .reminders import extend_series_job, send_reminders

    return {"event-reminders": send_reminders, "extend-series": extend_series_job}
