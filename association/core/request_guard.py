"""What a request may carry before any view sees it: readable text and ids the database can hold.

Two kinds of crafted input used to reach the database and end in a 500:

- text it cannot store: PostgreSQL refuses a NUL byte in ``text``, and no engine can store an
  unpaired surrogate; invalid UTF-8 is silently turned into U+FFFD by Werkzeug, so what is stored
  is not what was sent. The guard answers 400 with a plain page for any of these, anywhere in the
  path, the query string, a form or a JSON body, so no view (and no later form) needs to check.
- ids past the database's integer range: SQLite overflows past 2^63, PostgreSQL's ``integer``
  past 2^31. ``<int:…>`` in every route is bounded to that range (a larger id is a 404, as a
  missing one is), and ``requested_id`` does the same for ids in the query string.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from flask import Flask, current_app, request
from werkzeug.routing import IntegerConverter

from .errors import render_error

# Every id column is an ``integer``: 4 bytes on PostgreSQL, the smaller of the two engines.
DB_INT_MAX = 2**31 - 1

UNREADABLE = (
    "Some of that couldn't be read",
    "It had a hidden or broken character in it, which can happen when text is copied from another "
    "program. Please go back, type it again and send it.",
)

_SURROGATES = re.compile("[\ud800-\udfff]")
_FIELD_SEPARATORS = re.compile(rb"[&;]")


class DatabaseInteger(IntegerConverter):
    """``<int:…>`` that only matches ids the database can hold, so a larger one is a plain 404."""

    def __init__(
        self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = DB_INT_MAX, signed: bool = False
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def requested_id(name: str) -> int | None:
    """The id in ``?name=``, or None when it is missing, unreadable or no row could have it."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= DB_INT_MAX else None


def form_ids(name: str) -> set[int]:
    """The ids in a form's repeated ``name`` field; anything but an id a row could have is dropped.

    ``str.isdigit`` alone lets '²' through to ``int()``, which then raises.
    """
    values = request.form.getlist(name)
    return {int(v) for v in values if v.isascii() and v.isdigit() and 0 < int(v) <= DB_INT_MAX}


def _bad_text(text: str) -> bool:
    return "\x00" in text or _SURROGATES.search(text) is not None


def _bad_percent_encoded(raw: bytes) -> bool:
    """Not UTF-8 once percent-decoded, or holding a NUL."""
    try:
        return "\x00" in unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return True


def _bad_urlencoded(raw: bytes) -> bool:
    """Any name or value of a query string or form body that is unreadable."""
    return any(_bad_percent_encoded(field) for field in _FIELD_SEPARATORS.split(raw))


def _bad_json(value) -> bool:
    if isinstance(value, str):
        return _bad_text(value)
    if isinstance(value, dict):
        return any(_bad_json(k) or _bad_json(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_bad_json(v) for v in value)
    return False


def _unreadable_body() -> bool:
    # Reading the body is bounded by MAX_CONTENT_LENGTH: past it Werkzeug answers 413.
    if request.mimetype == "application/x-www-form-urlencoded":
        return _bad_urlencoded(request.get_data(cache=True))  # cached: the form is parsed from it later
    if request.is_json:
        raw = request.get_data(cache=True)
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return True
        return _bad_json(request.get_json(silent=True))
    if request.mimetype == "multipart/form-data":
        # Uploaded files are the importer's to read; the text fields beside them are checked here.
        return any(_bad_text(k) or _bad_text(v) for k, values in request.form.lists() for v in values)
    return False


def unreadable_input() -> bool:
    """Whether the path, query string or body holds text the app could not store as sent."""
    environ = request.environ
    # PATH_INFO is the path's bytes as latin-1, per WSGI: decode them as the browser meant them. Some
    # servers (and the test client) have already replaced invalid bytes there, so the URI as sent
    # (gunicorn's RAW_URI, Werkzeug's REQUEST_URI) is checked too.
    raw_uri = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or "").split("?", 1)[0]
    try:
        if "\x00" in environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8"):
            return True
        if _bad_percent_encoded(raw_uri.encode("latin-1")):
            return True
    except (UnicodeEncodeError, UnicodeDecodeError):
        return True
    return _bad_urlencoded(request.query_string) or _unreadable_body()


def guard_requests(app: Flask) -> None:
    """Bound ``<int:…>`` ids and refuse unreadable input; call before routes and other hooks exist."""
    app.url_map.converters["int"] = DatabaseInteger

    def refuse_unreadable_input():
        # A route that takes a larger file (a training certificate) says so at app build: its body
        # may be larger than MAX_CONTENT_LENGTH, which bounds every other request.
        larger = current_app.extensions.get("large_uploads", {}).get(request.endpoint)
        if larger:
            request.max_content_length = larger
        if unreadable_input():
            current_app.logger.info("Refused unreadable input: %s %s", request.method, request.path)
            return render_error(400, message=UNREADABLE)
        return None

    # First of all hooks: sign-in limits and CSRF read the form too, and must not see it first.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unreadable_input)


def allow_large_upload(app: Flask, endpoint: str, max_bytes: int) -> None:
    """Let requests to ``endpoint`` carry up to ``max_bytes`` (a file upload); the rest keep MAX_CONTENT_LENGTH."""
    app.extensions.setdefault("large_uploads", {})[endpoint] = max_bytes
