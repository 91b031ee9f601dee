"""Flask extensions, created unbound and attached in the app factory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so migrations can alter them on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)

# Models subclass `Model`. At run time it is db.Model: Flask-SQLAlchemy builds it from Base's body on its own mixins
# (bind keys, the legacy `query`, none of which the models rely on). mypy cannot take a base class from an attribute
# of an instance (python/mypy#8603) and would see every model as untyped, so for the type checker models derive from
# Base itself, whose Mapped[...] attributes, constructor and metadata are the ones db.Model copies.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()


def client_address() -> str:
    # Behind a proxy, ProxyFix (enabled by TRUSTED_PROXIES) has already set remote_addr.
    return get_remote_address() or "unknown"


limiter = Limiter(key_func=client_address, default_limits=[], headers_enabled=True)


def login_account_key() -> str:
    """Rate-limit key for one account: the email typed, normalised, whether or not it exists."""
    email = (request.form.get("email") or "").strip().lower()
    return f"account:{email}"
