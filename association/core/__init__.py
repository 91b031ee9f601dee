"""Core: home, privacy notice, health check, error pages, security headers, template helpers, backups."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import (
        audit,  # noqa: F401  (its table known to migrations)
        errors,
        plain_text,
        timefmt,
    )
    from .backup_cli import backup_command, restore_command
    from .security import add_security_headers
    from .views import bp
    from .waiting import waiting_in_menu

    app.register_blueprint(bp)
    errors.register(app)
    plain_text.install(app)
    add_security_headers(app)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.jinja_env.filters["datetime"] = timefmt.format_datetime
    app.jinja_env.filters["date"] = timefmt.format_date
    app.jinja_env.filters["clock"] = timefmt.format_clock
    app.jinja_env.globals["waiting_in_menu"] = waiting_in_menu

    @app.context_processor
    def _association():
        return {"association_name": app.config["ASSOCIATION_NAME"]}

    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        # Flask's documented way to wrap the WSGI app ("Tell Flask it is behind a proxy"); mypy refuses any
        # assignment to a method, and Flask declares wsgi_app as one.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
