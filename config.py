"""Configuration classes, read from environment variables.

A fresh checkout runs with nothing set: SQLite under ``instance/``, a generated
secret key kept in ``instance/``, and mail delivered to the local catcher that
admins read at ``/admin/outbox``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", Path(__file__).parent / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def development_secret_key(instance_dir: Path = INSTANCE_DIR) -> str:
    """Generate a secret key once and keep it, so sessions survive restarts."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    key_file = instance_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    ASSOCIATION_NAME = os.environ.get("ASSOCIATION_NAME", "Riverside Foster Carers Association")
    TIMEZONE = os.environ.get("ASSOCIATION_TIMEZONE", "Europe/London")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'association.sqlite'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SECRET_KEY = os.environ.get("SECRET_KEY")

    # Mail: with no MAIL_SERVER the outbox worker delivers to the local catcher.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "association@example.org")
    MAIL_SUPPRESS_SEND = False
    OUTBOX_BATCH_SIZE = _int("OUTBOX_BATCH_SIZE", 50)
    OUTBOX_MAX_ATTEMPTS = _int("OUTBOX_MAX_ATTEMPTS", 6)
    OUTBOX_POLL_SECONDS = _int("OUTBOX_POLL_SECONDS", 5)
    # How long a worker holds a claimed batch before another may take it back (it died).
    OUTBOX_LEASE_SECONDS = _int("OUTBOX_LEASE_SECONDS", 600)
    # First retry after a temporary failure; it doubles each time, up to two hours.
    OUTBOX_RETRY_SECONDS = _int("OUTBOX_RETRY_SECONDS", 30)
    # Messages per minute across all workers, for SMTP providers with a limit; 0 means no limit.
    OUTBOX_RATE_PER_MINUTE = _int("OUTBOX_RATE_PER_MINUTE", 0)
    # Messages sent over one SMTP connection before reconnecting (some providers cap it); 0: a batch.
    OUTBOX_MESSAGES_PER_CONNECTION = _int("OUTBOX_MESSAGES_PER_CONNECTION", 0)
    WEEKLY_DIGEST_WEEKDAY = _int("WEEKLY_DIGEST_WEEKDAY", 0)  # Monday

    # Where links in emails point; request-less code (the worker) needs it.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    # Tokens in emailed links.
    EMAIL_CONFIRM_MAX_AGE = _int("EMAIL_CONFIRM_MAX_AGE", 3 * 24 * 3600)
    PASSWORD_TOKEN_MAX_AGE = _int("PASSWORD_TOKEN_MAX_AGE", 2 * 24 * 3600)
    # A link that signs in by itself: short-lived, and spent by any sign-in.
    SIGN_IN_LINK_MAX_AGE = _int("SIGN_IN_LINK_MAX_AGE", 20 * 60)
    PASSWORD_MIN_LENGTH = _int("PASSWORD_MIN_LENGTH", 10)

    # Membership renewals.
    RENEWAL_REMINDER_DAYS = _int("RENEWAL_REMINDER_DAYS", 21)
    RENEWAL_GRACE_DAYS = _int("RENEWAL_GRACE_DAYS", 30)

    # Forum: a new member's first posts wait for a moderator; posting pace per ten minutes.
    FORUM_PREMODERATION_POSTS = _int("FORUM_PREMODERATION_POSTS", 3)
    FORUM_PAGE_SIZE = _int("FORUM_PAGE_SIZE", 20)
    FORUM_NEW_MEMBER_PACE = _int("FORUM_NEW_MEMBER_PACE", 3)
    FORUM_MEMBER_PACE = _int("FORUM_MEMBER_PACE", 10)

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Proxies in front (nginx: 1): their X-Forwarded-* headers give the real address and scheme.
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT_ADDRESS = os.environ.get("LOGIN_RATE_LIMIT_ADDRESS", "20 per 15 minutes")
    LOGIN_RATE_LIMIT_ACCOUNT = os.environ.get("LOGIN_RATE_LIMIT_ACCOUNT", "8 per 15 minutes")
    # Emailed sign-in links asked for: per address typed, and per network address.
    SIGN_IN_LINK_RATE_LIMIT_ACCOUNT = os.environ.get("SIGN_IN_LINK_RATE_LIMIT_ACCOUNT", "3 per 15 minutes")
    SIGN_IN_LINK_RATE_LIMIT_ADDRESS = os.environ.get("SIGN_IN_LINK_RATE_LIMIT_ADDRESS", "10 per hour")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024
    # Whether a training certificate is genuine: anyone may ask, nobody may try codes by the thousand.
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30 per minute;300 per day")
    # Certificates members add to their training record; outside any folder the web server serves.
    CERTIFICATE_FOLDER = os.environ.get("CERTIFICATE_FOLDER", "")


class DevelopmentConfig(Config):
    DEBUG = False  # the debugger would run arbitrary code for anyone reaching the port
    SECRET_KEY = Config.SECRET_KEY or None  # filled by create_app from instance/


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = False
    MAIL_SERVER = None
    RATELIMIT_STORAGE_URI = "memory://"
    SERVER_NAME = None


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def check(cls) -> None:
        """Refuse to start without the settings that must never be defaulted."""
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError("Production configuration needs these environment variables: " + ", ".join(missing))


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
