"""Plain helpers for the concurrency tests: a browser of our own (a cookie jar over urllib), the
members who use it, and sending calls at the same instant. The live server fixture is in conftest.py.
"""

from __future__ import annotations

import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from argon2 import PasswordHasher
from werkzeug.serving import WSGIRequestHandler

from association.extensions import db
from association.members.models import Member, MemberRole
from tests.support import PASSWORD

CROWD = 30
# A cheap hash: verifying the real one (argon2 defaults) 30 times per engine would cost seconds.
_CHEAP_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


class QuietHandler(WSGIRequestHandler):
    """No access-log line per request: 30 of them per step would bury a failure's traceback."""

    def log_request(self, *args, **kwargs):
        pass


@dataclass
class Reply:
    status: int
    location: str
    body: str


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One signed-in member: a cookie jar, as one browser."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects)

    def get(self, path: str) -> Reply:
        return self._open(urllib.request.Request(self.base_url + path))

    def post(self, path: str, fields: dict | None = None) -> Reply:
        data = urllib.parse.urlencode(fields or {}, doseq=True).encode()
        return self._open(urllib.request.Request(self.base_url + path, data=data, method="POST"))

    def _open(self, req: urllib.request.Request) -> Reply:
        req.add_header("Accept", "text/html")
        try:
            response = self._opener.open(req, timeout=60)
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            response = error
        with response:
            return Reply(
                response.status, response.headers.get("Location", ""), response.read().decode("utf-8", "replace")
            )


@dataclass
class Person:
    id: int
    email: str
    browser: Browser


@dataclass
class Live:
    app: object
    url: str
    engine: str
    crowd: list[Person]  # CROWD ordinary members
    admin: Person  # admin, committee and strategy group

    def browser(self) -> Browser:
        return Browser(self.url)

    def newcomer(self, name: str) -> Person:
        """A member of our own, signed in, for a test that needs one with no history."""
        return signed_in(self.url, *add_member_cheaply(self.app, name))


def add_member_cheaply(app, name: str, roles=()) -> tuple[int, str]:
    email = f"{name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:6]}@example.org"
    with app.app_context():
        member = Member(
            name=name,
            email=email,
            area="Riverside",
            status="active",
            application_state="approved",
            password_hash=_CHEAP_HASH,
            role_rows=[MemberRole(role=r) for r in roles],
        )
        db.session.add(member)
        db.session.commit()
        return member.id, email


def signed_in(url: str, member_id: int, email: str) -> Person:
    browser = Browser(url)
    reply = browser.post("/login", {"email": email, "password": PASSWORD})
    assert reply.status == 302, f"could not sign {email} in: {reply.status}"
    return Person(member_id, email, browser)


def at_once(*calls) -> list:
    """Run every call in its own thread, released together; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def no_server_errors(replies: list[Reply]) -> None:
    errors = [r for r in replies if r.status >= 500]
    assert not errors, f"{len(errors)}/{len(replies)} requests failed with 5xx: " + "; ".join(
        f"{r.status} {r.body[:300]!r}" for r in errors[:3]
    )
