"""Members: applications, accounts, the directory, the registry and members' own data."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask


def register(app: Flask) -> None:
    from ..core import hooks
    from ..extensions import login_manager
    from .auth_views import bp as auth_bp
    from .auth_views import load_member
    from .cli import create_admin_command, seed_demo_command
    from .known_people import register_with_the_check
    from .views import bp as members_bp

    login_manager.user_loader(load_member)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.register_blueprint(auth_bp)
    app.register_blueprint(members_bp)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(seed_demo_command)
    register_with_the_check(app)
    hooks.listing_daily_jobs.connect(daily_jobs, sender=app)
    from ..core.waiting import declare_waiting
    from .applications import waiting_count

    declare_waiting(app, "applications", ("admin", "committee"), waiting_count)


def daily_jobs(_app: Flask) -> dict[str, Callable[[], object]]:
    """Members' daily job, for the worker (``hooks.listing_daily_jobs``)."""
    from .renewals import run_renewals

    return {"membership-renewals": run_renewals}
