"""The app keeps no state in process memory: two gunicorn processes, one PostgreSQL database and
one Redis, run with the production configuration, share sessions, CSRF tokens, sign-in limits and
event places.

Runs when PostgreSQL is configured for the suite (``CI`` or ``TEST_POSTGRES_URL``) and Redis
answers on 127.0.0.1:6379; with ``CI`` set, Redis being down fails the run instead of skipping.
Redis database 15 is this module's own: it is emptied before and after.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from association import create_app
from association.events.models import RSVP
from association.extensions import db
from association.mail.preferences import MailPreferences
from tests.events.helpers import add_event
from tests.support import PASSWORD, POSTGRES_URL, MemberRef, add_member

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL: set CI or TEST_POSTGRES_URL")

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 15
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
ACCOUNT_LIMIT = 3  # failed sign-ins per account, across every process
CAPACITY, REPLIERS = 5, 20
SECRET_KEY = secrets.token_hex(32)  # one key for both processes, as a deployment shares one

# Settings the processes must not inherit from whoever runs the tests.
_APP_SETTINGS = (
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "RATELIMIT_STORAGE_URI",
    "LOGIN_RATE_LIMIT_ADDRESS",
    "LOGIN_RATE_LIMIT_ACCOUNT",
    "TRUSTED_PROXIES",
    "FLASK_APP",
    "FLASK_DEBUG",
)


# --- Services ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def redis_db():
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    client = redis.Redis(
        host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_connect_timeout=2, retry=Retry(NoBackoff(), 0)
    )
    try:
        client.ping()
        problem = None
    except redis.RedisError as error:
        problem = f"Redis at {REDIS_URL} is unreachable: {error}"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem + " (CI is set, so this fails rather than skips)", pytrace=False)
        pytest.skip(problem)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="module")
def database(postgres_url, tmp_path_factory):
    """A database of our own beside the suite's, built by the migrations as a deployment is.

    The suite's own database (``postgres_url``) is built by ``create_all`` in other tests, so the
    migrations run on a fresh one on the same server.
    """
    server = make_url(postgres_url)
    name = f"association_scaleout_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        instance = tmp_path_factory.mktemp("instance")
        upgrade = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"],
            cwd=REPO,
            env=production_env(url, instance),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert upgrade.returncode == 0, f"flask db upgrade failed:\n{upgrade.stdout}\n{upgrade.stderr}"
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def seed(database):
    """An app on the shared database for setting up members and events and reading results."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def production_env(database_url: str, instance: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _APP_SETTINGS}
    env.update(
        ASSOCIATION_ENV="production",
        SECRET_KEY=SECRET_KEY,
        DATABASE_URL=database_url,
        RATELIMIT_STORAGE_URI=REDIS_URL,
        INSTANCE_PATH=str(instance),
        BASE_URL="https://members.example.org",
        PYTHONUNBUFFERED="1",
        **settings,
    )
    return env


# --- Processes -----------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(name: str, env: dict[str, str], log_dir: Path) -> Server:
    port = _free_port()
    log = log_dir / f"gunicorn-{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-w",
                "1",
                "-b",
                f"127.0.0.1:{port}",
                "--graceful-timeout",
                "3",
                "--no-control-socket",
                "wsgi:app",
            ],  # the default control socket path is one per user, not per process
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(name, port, process, log)


def _wait_healthy(server: Server, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"process {server.name} exited with {server.process.returncode}:\n{server.output()}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"process {server.name} did not answer /healthz in time:\n{server.output()}")


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        try:
            os.killpg(server.process.pid, signal.SIGTERM)  # its own group: the master and its worker
            server.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=5)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def pair(redis_db, database, tmp_path_factory):
    """Processes A and B: production settings, one database, one Redis, small sign-in limits."""
    log_dir = tmp_path_factory.mktemp("gunicorn")
    env = production_env(
        database,
        tmp_path_factory.mktemp("instance"),
        LOGIN_RATE_LIMIT_ACCOUNT=f"{ACCOUNT_LIMIT} per hour",
        LOGIN_RATE_LIMIT_ADDRESS="1000 per hour",
    )  # every client here is 127.0.0.1
    servers = []
    try:
        for name in ("A", "B"):
            servers.append(_start(name, env, log_dir))
        deadline = time.monotonic() + 30
        for server in servers:
            _wait_healthy(server, deadline)
        yield servers
    finally:
        for server in servers:
            _stop(server)


@pytest.fixture(autouse=True)
def _show_process_output_on_failure(request, pair):
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before:
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        for server in pair:
            reporter.write_line(f"\n----- gunicorn {server.name} ({server.url}) output -----\n{server.output()}")


# --- A client that keeps cookies, like one browser --------------------------------------------------


class BehindTLSProxy(http.cookiejar.DefaultCookiePolicy):
    """Production cookies are Secure, so a browser returns them only over HTTPS, which the proxy in
    front of gunicorn ends. These processes speak plain HTTP on loopback: the client stands where
    the proxy would and returns Secure cookies anyway. (The production settings stay as deployed.)"""

    def return_ok_secure(self, cookie, request):
        return True


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Reply:
    status: int
    location: str
    body: str


_CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')


class Browser:
    """One visitor: a cookie jar shared by both processes (same host, different ports), as behind
    one load balancer."""

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar(policy=BehindTLSProxy())
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects)

    def get(self, server: Server, path: str) -> Reply:
        return self._open(urllib.request.Request(server.url + path))

    def post(self, server: Server, path: str, fields: dict[str, str]) -> Reply:
        data = urllib.parse.urlencode(fields).encode()
        return self._open(urllib.request.Request(server.url + path, data=data, method="POST"))

    def _open(self, req: urllib.request.Request) -> Reply:
        req.add_header("Accept", "text/html")
        try:
            response = self._opener.open(req, timeout=20)
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            response = error
        with response:
            return Reply(
                response.status, response.headers.get("Location", ""), response.read().decode("utf-8", "replace")
            )

    def token(self, server: Server, path: str) -> str:
        """The CSRF token in the form on ``path``, as served by ``server``."""
        page = self.get(server, path)
        assert page.status == 200, f"GET {path} on {server.name}: {page.status}"
        found = _CSRF_INPUT.search(page.body)
        assert found, f"no CSRF token in the form on {path}"
        return re.search(r'value="([^"]+)"', found.group(0)).group(1)

    def sign_in(self, server: Server, email: str, password: str = PASSWORD) -> Reply:
        token = self.token(server, "/login")
        return self.post(server, "/login", {"csrf_token": token, "email": email, "password": password})


def signed_in(server: Server, member: MemberRef) -> Browser:
    browser = Browser()
    reply = browser.sign_in(server, member.email)
    assert reply.status == 302, f"could not sign {member.email} in on {server.name}: {reply.status}"
    return browser


# --- The tests --------------------------------------------------------------------------------------


def test_a_session_started_on_one_process_is_honoured_by_the_other(pair, seed):
    a, b = pair
    jo = add_member(seed, "Jo Carer")
    assert Browser().get(b, "/members/").status == 302, "the directory should need a signed-in member"

    browser = signed_in(a, jo)
    [session] = [c for c in browser.cookies if c.name == "session"]
    assert session.secure, "production should set the session cookie Secure"

    page = browser.get(b, "/members/")
    assert page.status == 200, f"B answered {page.status} ({page.location}) for a session started on A"
    assert "Jo Carer" in page.body
    assert browser.get(a, "/members/").status == 200


def test_a_form_token_from_one_process_is_accepted_by_the_other_and_a_forged_one_refused(pair, seed):
    a, b = pair
    sam = add_member(seed, "Sam Carer")
    browser = signed_in(b, sam)
    choices = {"association_news": "y", "event_reminders": "y", "strategy_updates": "y"}

    token = browser.token(a, "/account/preferences")
    saved = browser.post(b, "/account/preferences", {"csrf_token": token, **choices, "forum_notifications": "digest"})
    assert saved.status == 302, f"B refused a token served by A: {saved.status}"

    for forged in ({"csrf_token": "not-a-real-token"}, {}):
        refused = browser.post(b, "/account/preferences", {**forged, **choices, "forum_notifications": "none"})
        assert refused.status == 400 and "Your form expired" in refused.body, refused.status
        refused = browser.post(a, "/account/preferences", {**forged, **choices, "forum_notifications": "none"})
        assert refused.status == 400 and "Your form expired" in refused.body, refused.status

    with seed.app_context():
        assert db.session.get(MailPreferences, sam.id).forum_notifications == "digest"


def test_failed_sign_ins_are_counted_once_across_both_processes(pair, seed):
    a, b = pair
    rita = add_member(seed, "Rita Carer")
    browser = Browser()
    for attempt, server in enumerate((pair[i % 2] for i in range(ACCOUNT_LIMIT)), start=1):
        reply = browser.sign_in(server, rita.email, "not-her-password")
        assert reply.status == 200 and "match an account" in reply.body, (
            f"attempt {attempt} on {server.name}: {reply.status}"
        )

    # The limit is reached in total, not per process: B refuses, and so does A, even the right password.
    over = pair[ACCOUNT_LIMIT % 2]
    refused = browser.sign_in(over, rita.email, "not-her-password")
    assert refused.status == 429 and "too many wrong passwords" in refused.body, refused.status
    for server in pair:
        assert browser.sign_in(server, rita.email).status == 429
    # Another account is not held back by Rita's.
    assert signed_in(b, add_member(seed, "Una Carer")).get(a, "/members/").status == 200


def test_event_places_hold_when_both_processes_take_replies_at_once(pair, seed):
    a, b = pair
    organiser = add_member(seed, "Olive Organiser", roles=["committee"])
    event_id = add_event(seed, organiser.id, capacity=CAPACITY, title="Summer picnic")
    members = [add_member(seed, f"Replier {i:02d}") for i in range(REPLIERS)]

    # Each member signs in once; sign-in is argon2, so do it a few at a time, on both processes.
    with ThreadPoolExecutor(max_workers=4) as pool:
        browsers = list(pool.map(lambda i: signed_in(pair[i % 2], members[i]), range(REPLIERS)))
    # Half reply to the process that did not serve their form.
    tokens = [browser.token(pair[i % 2], f"/events/{event_id}") for i, browser in enumerate(browsers)]
    replies: list[Reply | None] = [None] * REPLIERS
    start = threading.Barrier(REPLIERS)

    def reply(i: int) -> None:
        fields = {"csrf_token": tokens[i], "response": "going", "adults": "1", "children": "0", "note": ""}
        start.wait(timeout=20)
        replies[i] = browsers[i].post(pair[(i // 2) % 2], f"/events/{event_id}/rsvp", fields)

    threads = [threading.Thread(target=reply, args=(i,)) for i in range(REPLIERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [r.status if r else None for r in replies] == [302] * REPLIERS

    with seed.app_context():
        counts = dict(
            db.session.execute(
                select(RSVP.response, func.count()).where(RSVP.event_id == event_id).group_by(RSVP.response)
            ).all()
        )
    assert counts == {"going": CAPACITY, "waitlisted": REPLIERS - CAPACITY}

    # What each member is told agrees with the database.
    pages = [browser.get(pair[i % 2], f"/events/{event_id}").body for i, browser in enumerate(browsers)]
    assert sum("See you there!" in p for p in pages) == CAPACITY
    assert sum("if a place frees up" in p for p in pages) == REPLIERS - CAPACITY
