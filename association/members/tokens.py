"""Signed, time-limited tokens for links sent by email."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..core.errors import DomainError


class TokenError(DomainError):
    """A link that cannot be used; ``str(error)`` says why in plain words."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"association.{purpose}")


def make_token(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int) -> dict:
    """The payload of a valid token for ``purpose``; raises TokenError otherwise."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise TokenError("This link has expired. Links in our emails only work for a limited time.") from error
    except BadSignature as error:
        raise TokenError("This link is not valid. Please check you copied the whole link.") from error
    if not isinstance(payload, dict):
        raise TokenError("This link is not valid. Please check you copied the whole link.")
    return payload
