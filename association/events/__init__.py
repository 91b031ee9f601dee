"""Events: the association's calendar, replies with a waitlist, and iCalendar feeds."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from ..members.demo import DEMO_SEEDERS
    from ..members.privacy import EXPORT_SECTIONS
    from . import reminders  # noqa: F401  (registers the daily jobs)
    from .demo import seed_events
    from .display import event_when
    from .feeds import bp as feeds_bp
    from .privacy import export_rsvps
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(feeds_bp)
    app.jinja_env.globals["event_when"] = event_when
    if seed_events not in DEMO_SEEDERS:
        DEMO_SEEDERS.append(seed_events)
    EXPORT_SECTIONS["event_replies"] = export_rsvps
