"""Where to go after a form: only ever a page on this site.

Every ``next`` the app follows comes through :func:`safe_next`. Browsers forgive a great deal in a
``Location`` header — they drop tabs and newlines, read a backslash as a slash and ``//host`` as
another site — so the check is not on the text as typed but on the URL a browser would resolve
it to: joined to this site's address, it must still be this site, and only its path and query
are kept. Anything unusual (control characters, spaces, backslashes, characters outside ASCII)
is refused outright rather than cleaned, because cleaning is where bypasses live.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit, urlunsplit

from flask import request

# Printable ASCII without the space: everything a path and query built by url_for can hold.
_ALLOWED = frozenset(chr(c) for c in range(0x21, 0x7F)) - {"\\"}
MAX_LENGTH = 2000


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` as a path (and query) on this site if it is one, else ``fallback``."""
    if not target or len(target) > MAX_LENGTH or not set(target) <= _ALLOWED or target.startswith("//"):
        return fallback
    here = urlsplit(request.host_url)
    resolved = urlsplit(urljoin(request.host_url, target))
    if resolved.scheme not in ("http", "https") or resolved.netloc != here.netloc:
        return fallback
    path = resolved.path or "/"
    if not path.startswith("/") or path.startswith("//"):
        return fallback
    return urlunsplit(("", "", path, resolved.query, ""))
