"""A real, threaded HTTP server on a real database (a SQLite file in WAL mode, and PostgreSQL when
the suite has it), and signed-in visitors who send it 30 requests at the same instant.

The server runs in this process (werkzeug's threaded server: a thread per request, each with its
own database connection), so tests can read the database directly and swap out slow parts that
are not under test (the PDF renderer). One server per engine serves the whole folder: signing 30
members in once keeps the folder fast; each test makes its own thread, item, event or campaign.
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

import pytest
from argon2 import PasswordHasher
from werkzeug.serving import WSGIRequestHandler, make_server

from association.extensions import db
from association.members.models import Member, MemberRole
from tests.conftest import BACKENDS, PASSWORD, make_app

CROWD = 30
# A cheap hash: verifying the real one (argon2 defaults) 30 times per engine would cost seconds.
_CHEAP_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


class _Quiet(WSGIRequestHandler):
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
        return _signed_in(self.url, *_add(self.app, name))


def _add(app, name: str, roles=()) -> tuple[int, str]:
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


def _signed_in(url: str, member_id: int, email: str) -> Person:
    browser = Browser(url)
    reply = browser.post("/login", {"email": email, "password": PASSWORD})
    assert reply.status == 302, f"could not sign {email} in: {reply.status}"
    return Person(member_id, email, browser)


@pytest.fixture(scope="package", params=BACKENDS)
def live(request, tmp_path_factory):
    if request.param == "sqlite":
        # A file, not memory: WAL and one connection per request thread, as deployed.
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'association.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
    app = make_app(
        url,
        RATELIMIT_ENABLED=False,  # 30 sign-ins from one address, 30 applications
        FORUM_MEMBER_PACE=10_000,
        FORUM_NEW_MEMBER_PACE=10_000,
        FORUM_PREMODERATION_POSTS=0,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": CROWD + 5, "max_overflow": 10, "pool_timeout": 60},
    )
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    server.daemon_threads = True
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        members = [_add(app, f"Carer {n:02d}") for n in range(CROWD)]
        admin_id, admin_email = _add(app, "Alex Admin", roles=("admin", "committee", "strategy", "moderator"))
        with ThreadPoolExecutor(8) as pool:
            crowd = list(pool.map(lambda m: _signed_in(base, *m), members))
        yield Live(app, base, request.param, crowd, _signed_in(base, admin_id, admin_email))
    finally:
        server.shutdown()
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


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
