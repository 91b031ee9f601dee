"""Show stored UTC times in the association's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC).astimezone(local_zone())


def local_today() -> date:
    return datetime.now(UTC).astimezone(local_zone()).date()


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = to_local(value)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return f"{value.day} {value:%B %Y}"


def format_clock(value: datetime | None) -> str:
    """The local clock time of a stored UTC time: '18:30'."""
    return f"{to_local(value):%H:%M}" if value is not None else ""
