"""The association platform: app factory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """Build the app for ``config_name`` (development, testing, production).

    ``overrides`` wins over the config class; tests use it to point at their own
    database and SMTP server.
    """
    from config import CONFIGS, INSTANCE_DIR, ProductionConfig, development_secret_key

    config_name = config_name or os.environ.get("ASSOCIATION_ENV", "development")
    if config_name not in CONFIGS:
        raise RuntimeError(f"Unknown configuration {config_name!r}; use one of {sorted(CONFIGS)}")
    if config_name == "production":
        ProductionConfig.check()

    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(CONFIGS[config_name])
    app.config["ENV_NAME"] = config_name
    if overrides:
        app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = development_secret_key(Path(app.instance_path))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from .core.request_guard import guard_requests

    # Before the extensions and parts: its hook runs first and its <int:…> is the one routes use.
    guard_requests(app)
    _init_extensions(app)
    _register_parts(app)
    if config_name == "production" and app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        # Each gunicorn worker would count sign-in attempts on its own: the limit multiplies.
        app.logger.warning(
            "RATELIMIT_STORAGE_URI is memory://: with several workers each keeps its own "
            "sign-in limits. Set it to redis://… for production."
        )
    return app


def _init_extensions(app: Flask) -> None:
    from .core.database import tune_sqlite
    from .extensions import csrf, db, limiter, login_manager, mail, migrate

    db.init_app(app)
    with app.app_context():
        tune_sqlite(db.engine)
    from .forum.search import outside_models

    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, include_object=outside_models)
    csrf.init_app(app)
    mail.init_app(app)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
    login_manager.init_app(app)


def _register_parts(app: Flask) -> None:
    from .admin import register as register_admin
    from .campaigns import register as register_campaigns
    from .core import register as register_core
    from .events import register as register_events
    from .forum import register as register_forum
    from .mail import register as register_mail
    from .members import register as register_members
    from .strategy import register as register_strategy
    from .training import register as register_training

    # The parts that answer hooks come lowest layer first, and their receivers run in this order
    # (core/hooks.py): the demo seeds members, then events, training, forum, strategy and campaigns, each using
    # what came before. (mail answers no hook; where it is registered changes nothing.)
    register_core(app)
    register_members(app)
    register_events(app)
    register_training(app)
    register_forum(app)
    register_strategy(app)
    register_mail(app)
    register_campaigns(app)
    register_admin(app)
    from .serve import serve_command

    app.cli.add_command(serve_command)
