"""Benchmark: the pages of a large association under load, against a hello-world ceiling.

Serves the generated association (bench/generate.py) with gunicorn in the production
configuration (``-w 2`` sync workers on 127.0.0.1), signs in with a real POST /login, and drives
each page with ``wrk --latency`` at 32 connections; serves a bare Flask hello world the same way
as the ceiling. SQL statements per request are counted in-process, one request through the
app's test client with a ``before_cursor_execute`` counter. Pages that miss their target are
profiled in-process with pyinstrument.

Writes bench/results/<engine>-<date>.md (and profiles under bench/results/profiles/).
Run: .venv/bin/python bench/run.py --engine sqlite|postgresql [--seed 42] [--duration 5]
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for path in (str(BENCH), str(ROOT)):
    if path not in sys.path:
        sys.path.insert(0, path)

from generate import ACCOUNTS, BENCH_PASSWORD, fingerprint, generate  # noqa: E402

DATA = BENCH / "data"
TOOLS = DATA / "tools"
RESULTS = BENCH / "results"
BIN = Path(sys.executable).parent
SECRET_KEY = "bench-only-secret-key-0f3c9a7d2b6e41c8a5d9e7f1b3c5a7e9"
USER_AGENT = "association-bench/1.0"
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
# A cached database is made again once its dates drift this far from today (events come and go).
MAX_DATA_AGE = timedelta(days=7)
MEMBER_TARGET, P99_TARGET_MS, NOT_MODIFIED_TARGET = 0.15, 150.0, 0.8


@dataclass
class Page:
    key: str
    name: str
    path: str
    who: str | None = None  # which signed-in account; None for anonymous
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200
    target: float = MEMBER_TARGET
    note: str = ""
    # filled in
    sql: int | None = None
    sql_ms: float | None = None
    inprocess_ms: float | None = None
    first_ms: float | None = None
    rps: float | None = None
    p50: float | None = None
    p99: float | None = None
    requests: int = 0
    bad: int = 0
    status: int | None = None
    profile: str = ""
    hello_rps: float | None = None  # hello world measured just before this page
    idle: float | None = None  # share of the machine's CPU idle just before (others' load)

    @property
    def fraction(self) -> float | None:
        return None if self.rps is None or not self.hello_rps else self.rps / self.hello_rps

    @property
    def misses(self) -> list[str]:
        out = []
        if self.status != self.expect:
            out.append(f"status {self.status}, expected {self.expect}")
        if self.fraction is not None and self.fraction < self.target:
            out.append(f"{self.fraction:.2f} of hello world < {self.target}")
        if self.p99 is not None and self.p99 > P99_TARGET_MS:
            out.append(f"p99 {self.p99:.0f} ms > {P99_TARGET_MS:.0f} ms")
        if self.bad:
            out.append(f"{self.bad} bad responses or socket errors")
        return out


HELLO: dict = {}


# --- data ----------------------------------------------------------------------------------------


def _fresh(meta: dict | None, seed: int) -> bool:
    if not meta or meta.get("fingerprint") != fingerprint(seed):
        return False
    return datetime.now(UTC).replace(tzinfo=None) - datetime.fromisoformat(meta["now"]) < MAX_DATA_AGE


def prepare_sqlite(seed: int, regenerate: bool) -> tuple[str, dict, bool]:
    """The cached database for ``seed`` (made if missing or stale) and a fresh copy to run on."""
    DATA.mkdir(parents=True, exist_ok=True)
    pristine, meta_path = DATA / f"sqlite-seed{seed}.sqlite", DATA / f"sqlite-seed{seed}.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else None
    made = False
    if regenerate or not _fresh(meta, seed) or not pristine.exists():
        meta_path.unlink(missing_ok=True)
        meta = generate(f"sqlite:///{pristine}", seed)
        meta_path.write_text(json.dumps(meta, indent=2, default=str))
        made = True
    run = DATA / f"run-sqlite-seed{seed}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{run}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(pristine, run)  # every run starts from the same rows
    return f"sqlite:///{run}", meta, made


def prepare_postgresql(seed: int, regenerate: bool) -> tuple[str, dict, bool]:
    """The generated database for ``seed`` (made if missing or stale; its summary is kept as the
    database's comment) and a copy of it (CREATE DATABASE … TEMPLATE) to run on."""
    from sqlalchemy import create_engine, text

    pristine, run = f"association_bench_s{seed}", f"association_bench_s{seed}_run"
    admin = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        comment = conn.execute(
            text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :name"),
            {"name": pristine},
        ).scalar()
    meta = json.loads(comment) if comment and comment.startswith("{") else None
    made = False
    if regenerate or not _fresh(meta, seed):
        meta = generate(f"{POSTGRES_SERVER}/{pristine}", seed)
        with admin.connect() as conn:
            conn.execute(
                text(
                    f'COMMENT ON DATABASE "{pristine}" IS '
                    + "'"
                    + json.dumps(meta, default=str).replace("'", "''")
                    + "'"
                )
            )
        made = True
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{run}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{run}" TEMPLATE "{pristine}"'))
    admin.dispose()
    return f"{POSTGRES_SERVER}/{run}", meta, made


# --- pages and in-process counts ------------------------------------------------------------


def choose_pages(app) -> list[Page]:
    """The pages to load, with real ids from the generated data."""
    from sqlalchemy import func, select

    from association.events.models import RSVP, Event
    from association.extensions import db
    from association.forum.models import Category, Thread
    from association.members.models import Member
    from association.strategy.meetings import next_meeting

    with app.app_context():
        now = datetime.now(UTC).replace(tzinfo=None)
        going = (
            select(RSVP.event_id, func.count().label("n"))
            .where(RSVP.response == "going")
            .group_by(RSVP.event_id)
            .subquery()
        )
        event_id = db.session.scalar(
            select(Event.id)
            .join(going, going.c.event_id == Event.id)
            .where(
                Event.series_id.is_not(None),
                Event.visibility == "members",
                Event.status == "scheduled",
                Event.starts_at > now,
                Event.starts_at < now + timedelta(days=30),
            )
            .order_by(going.c.n.desc(), Event.id)
            .limit(1)
        )
        carer = db.session.scalar(select(Member).where(Member.email == ACCOUNTS["carer"][0]))
        category = db.session.execute(
            select(Category.id, Category.name)
            .where(Category.restricted_to.is_(None))
            .order_by(Category.thread_count.desc(), Category.id)
            .limit(1)
        ).one()
        thread_id = db.session.scalar(
            select(Thread.id)
            .where(Thread.category_id == category.id, Thread.held.is_(False), Thread.last_post_number >= 250)
            .order_by(Thread.id)
            .limit(1)
        )
        last_page = math.ceil(db.session.get(Thread, thread_id).last_post_number / app.config["FORUM_PAGE_SIZE"])
        meeting = next_meeting()
        token = carer.calendar_token
        db.session.remove()
    return [
        Page("home", "home (signed out)", "/"),
        Page("events", "events list", "/events/", "carer"),
        Page("event", "one event (series meeting)", f"/events/{event_id}", "carer"),
        Page("public_ics", "public feed", "/events.ics"),
        Page(
            "private_ics",
            "private feed (no ETag)",
            f"/calendar/{token}.ics",
            note="full 200 body; the per-event VEVENT cache is warm after the first request",
        ),
        Page(
            "private_ics_304",
            "private feed 304 (If-None-Match)",
            f"/calendar/{token}.ics",
            expect=304,
            target=NOT_MODIFIED_TARGET,
        ),
        Page("forum", "forum index", "/forum/", "carer"),
        Page("category", f"forum category ({category.name})", f"/forum/c/{category.id}", "carer"),
        Page("thread", "thread, last page (250 posts)", f"/forum/t/{thread_id}?page={last_page}", "carer"),
        Page("search", "forum search, common word", "/forum/search?q=respite", "carer"),
        Page("search_rare", "forum search, two words", "/forum/search?q=mileage%20claims", "carer"),
        Page("members", "members search", "/members/?q=sarah", "carer"),
        Page("strategy", "strategy workspace", "/strategy/", "strategy"),
        Page("pack", "pack compile (next meeting)", f"/strategy/meetings/{meeting.id}/pack", "strategy"),
        Page("you_said", "you said, we did", "/strategy/you-said-we-did", "carer"),
    ]


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    if not match:
        raise RuntimeError("no CSRF token on the login form")
    return match.group(1)


def test_clients(app) -> dict:
    clients = {None: app.test_client()}
    for who in ("carer", "strategy"):
        client = app.test_client()
        client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
        token = _csrf(client.get("/login").get_data(as_text=True))
        # The test client speaks https here (PREFERRED_URL_SCHEME), so CSRF wants a same-site
        # Referer, as a browser sends.
        response = client.post(
            "/login",
            data={"email": ACCOUNTS[who][0], "password": BENCH_PASSWORD, "csrf_token": token},
            headers={"Referer": "https://localhost/login"},
        )
        if response.status_code != 302:
            raise RuntimeError(f"in-process sign-in as {who} failed: {response.status_code}")
        clients[who] = client
    return clients


class StatementCounter:
    def __init__(self, engine):
        from sqlalchemy import event

        self.count, self.seconds, self._started = 0, 0.0, 0.0
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def before(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        self._started = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany):
        self.seconds += time.perf_counter() - self._started

    def reset(self):
        self.count, self.seconds = 0, 0.0


def count_statements(app, clients, pages: list[Page]) -> None:
    """One request per page through the test client: statements, time in SQL, time in all.

    The first request of each page runs before (the VEVENT caches of the feeds start empty in
    a fresh copy, so its time is the feed's first build); the counted one is the steady state."""
    from association.extensions import db

    with app.app_context():
        counter = StatementCounter(db.engine)
    for page in pages:
        client = clients[page.who]
        headers = dict(page.headers)
        if page.expect == 304:
            etag = client.get(page.path).headers.get("ETag")
            headers["If-None-Match"] = etag or ""
            page.headers["If-None-Match"] = etag or ""
        started = time.perf_counter()
        client.get(page.path, headers=headers)
        page.first_ms = (time.perf_counter() - started) * 1000
        counter.reset()
        started = time.perf_counter()
        response = client.get(page.path, headers=headers)
        page.inprocess_ms = (time.perf_counter() - started) * 1000
        page.sql, page.sql_ms, page.status = counter.count, counter.seconds * 1000, response.status_code
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def profile(app, clients, page: Page, out: Path) -> str:
    """pyinstrument over one request of ``page``, in-process (after a warm-up request)."""
    sys.path.append(str(TOOLS))  # make bench installs it here, outside the project's venv
    try:
        from pyinstrument import Profiler
    except ImportError:
        return "(pyinstrument is not installed: pip install --target bench/data/tools pyinstrument)"

    from association.extensions import db

    client = clients[page.who]
    client.get(page.path, headers=page.headers)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    client.get(page.path, headers=page.headers)
    profiler.stop()
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return text


# --- servers and load -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, headers: dict | None = None, method: str = "GET", body: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers={"User-Agent": USER_AGENT, **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response, data


def serve(spec: str, port: int, env: dict, log: Path, ready_path: str) -> subprocess.Popen:
    command = [
        str(BIN / "gunicorn"),
        "-w",
        "2",
        "-k",
        "sync",
        "-b",
        f"127.0.0.1:{port}",
        "--chdir",
        str(ROOT),
        "--pythonpath",
        str(BENCH),
        "--log-level",
        "warning",
        spec,
    ]
    with log.open("ab") as handle:
        process = subprocess.Popen(command, env=env, stdout=handle, stderr=handle)
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn {spec} exited; see {log}")
        try:
            if get(port, ready_path)[0].status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"gunicorn {spec} did not start; see {log}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()  # SIGTERM to the master we started: it stops its own workers
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def sign_in(port: int, who: str) -> str:
    """A real sign-in over HTTP: the form's CSRF token, then POST /login. Returns the Cookie header."""
    response, body = get(port, "/login")
    cookies = _cookies(response)
    token = _csrf(body.decode())
    response, _ = get(
        port,
        "/login",
        method="POST",
        body=urlencode({"email": ACCOUNTS[who][0], "password": BENCH_PASSWORD, "csrf_token": token}),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        },
    )
    if response.status != 302:
        raise RuntimeError(f"sign-in as {who} answered {response.status}")
    cookies.update(_cookies(response))
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _cookies(response) -> dict[str, str]:
    found = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def _cpu_times() -> tuple[int, int]:
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return fields[3] + fields[4], sum(fields[:8])  # idle + iowait, total


def cpu_idle(seconds: float = 2.0) -> float:
    idle0, total0 = _cpu_times()
    time.sleep(seconds)
    idle1, total1 = _cpu_times()
    return (idle1 - idle0) / max(total1 - total0, 1)


def wait_for_quiet(threshold: float, max_wait: float) -> float:
    """This machine may be shared: wait (a while) until others leave most of the CPU idle, so
    the numbers are about this app. Returns the idle share seen last."""
    deadline = time.time() + max_wait
    idle = cpu_idle()
    while idle < threshold and time.time() < deadline:
        idle = cpu_idle()
    return idle


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def wrk(url: str, headers: dict, duration: float, connections: int) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration:g}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout

    def latency(percent: str) -> float:
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M).groups()
        return float(value) * UNITS[unit]

    bad = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "bad": bad + (int(non_2xx.group(1)) if non_2xx else 0),
        "raw": out,
    }


def load(port: int, path: str, headers: dict, duration: float, connections: int) -> dict:
    url = f"http://127.0.0.1:{port}{path}"
    wrk(url, headers, 1, connections)  # warm both workers: templates, compiled SQL, caches
    # gunicorn still works through the connections wrk left queued; one request in line behind
    # them returns once they are done, so the measured run starts on an idle server.
    get(port, path, headers)
    return wrk(url, headers, duration, connections)


# --- report ---------------------------------------------------------------------------------


def code_version() -> str:
    """The commit measured, and whether the app's files had uncommitted changes then."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    changed = git("status", "--porcelain", "--", "association", "templates", "config.py", "migrations")
    return f"commit {git('rev-parse', '--short', 'HEAD')}" + (
        f", with uncommitted changes in {len(changed.splitlines())} app files" if changed else ", clean"
    )


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}" if value < 10 else f"{value:.0f}"


def _short(path: str) -> str:
    return re.sub(r"/calendar/[^/.]{8}[^/.]*\.ics", "/calendar/<token>.ics", path)


def table(pages: list[Page]) -> str:
    lines = [
        "| page | path | req/s | p50 ms | p99 ms | SQL/request | × hello | target | verdict | "
        "in-process ms (SQL ms) | hello req/s, idle before |",
        "|---|---|--:|--:|--:|--:|--:|---|---|--:|--:|",
    ]
    lines.append(
        f"| hello world (ceiling) | `/` | {HELLO['rps']:,.0f} | {_ms(HELLO['p50'])} | {_ms(HELLO['p99'])} "
        f"| — | 1.00 | — | — | — | — |"
    )
    for p in pages:
        target = f"≥ {p.target} × hello, p99 ≤ {P99_TARGET_MS:.0f} ms"
        verdict = "**miss**" if p.misses else "ok"
        lines.append(
            f"| {p.name} | `{_short(p.path)}` | {p.rps:,.0f} | {_ms(p.p50)} | {_ms(p.p99)} | {p.sql} "
            f"| {p.fraction:.2f} | {target} | {verdict} | {_ms(p.inprocess_ms)} ({_ms(p.sql_ms)}) "
            f"| {p.hello_rps:,.0f}, {p.idle:.0%} |"
        )
    return "\n".join(lines)


def report(
    engine: str, pages: list[Page], meta: dict, made: bool, args, hello_runs: list[dict], profiles_dir: Path
) -> str:
    rows = meta.get("rows", {})
    code = (
        f"**the app code changed during the run**: {meta['code_changed']}"
        if meta.get("code_changed")
        else code_version()
    )
    lines = [
        f"# Benchmark: {engine}, {date.today().isoformat()}",
        "",
        f"App code: {code}.",
        "",
        f"gunicorn `-w 2 -k sync` on 127.0.0.1 (production configuration, bench/bench_wsgi.py), "
        f"`wrk -t2 -c{args.connections} -d{args.duration:g}s --latency` per page (three times as long for a page "
        f"over 30 ms in-process) after a 1 s warm-up; "
        f"{os.cpu_count()} cores shared by server, database and wrk. Hello world is a bare Flask app with "
        f"the same gunicorn settings: "
        + ", ".join(f"{h['rps']:,.0f}" for h in hello_runs)
        + " req/s over 5 s at the start and the end; it is measured again (3 s) right before each page, "
        "and the page's fraction (× hello) is of that run. This machine may be shared with others' work: "
        f"before each page the run waits (up to {args.quiet_wait:g} s) until {args.quiet:.0%} of the CPU is "
        "idle, and measures the ceiling again if it came out under 0.8 of the best seen; the last column "
        "says how idle the machine was.",
        "",
        f"Data: seed {meta['seed']}, anchored {meta['now']}, {sum(rows.values()):,} rows "
        f"({rows.get('members', 0):,} members, {rows.get('events', 0):,} events, "
        f"{rows.get('rsvps', 0):,} RSVPs, {rows.get('forum_posts', 0):,} posts, "
        f"{rows.get('strategy_items', 0):,} feedback items, {rows.get('outbox_messages', 0):,} outbox rows); "
        f"generated in {meta['seconds']} s " + ("during this run." if made else "(cached from an earlier run)."),
        "",
        "SQL/request: statements through SQLAlchemy for one steady-state request in-process "
        "(test client, `before_cursor_execute`); the pool's pre-ping is not counted. In-process ms is that "
        "one request's time without HTTP or concurrency, SQL ms the part spent in the database driver.",
        "",
        table(pages),
        "",
    ]
    firsts = [p for p in pages if p.key in ("public_ics", "private_ics")]
    lines += [
        "Feeds' first request on a fresh copy (VEVENT cache empty, every event serialised): "
        + "; ".join(f"{p.name} {p.first_ms:.0f} ms" for p in firsts)
        + ".",
        "",
    ]
    misses = [p for p in pages if p.misses]
    lines.append("## Against the targets")
    lines.append("")
    if not misses:
        lines.append("Every page meets its target.")
    for p in misses:
        lines.append(f"- **{p.name}** (`{_short(p.path)}`): " + "; ".join(p.misses) + ".")
    for p in misses:
        if p.profile:
            head = "\n".join(p.profile.splitlines()[:60])
            lines += [
                "",
                f"### Profile: {p.name}",
                "",
                f"pyinstrument, one request in-process; full text in "
                f"`{(profiles_dir / (p.key + '.txt')).relative_to(BENCH)}`.",
                "",
                "```",
                head,
                "```",
            ]
    return "\n".join(lines) + "\n"


# --- main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description="Load the pages of a large association with wrk.")
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--regenerate", action="store_true", help="make the data again even if cached")
    parser.add_argument("--pages", help="comma-separated page keys to run (default: all)")
    parser.add_argument(
        "--tag", default="", help="added to the results' file name, so a partial run keeps the full one"
    )
    parser.add_argument(
        "--quiet",
        type=float,
        default=0.85,
        help="before each page, wait until this share of CPU is idle (the machine may be shared)",
    )
    parser.add_argument("--quiet-wait", type=float, default=120, help="at most this many seconds")
    parser.add_argument("--tries", type=int, default=3, help="measurements of the ceiling before giving up")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (make bench installs it: apt-get install wrk)")

    started = time.time()
    code_at_start = code_version()
    prepare = prepare_sqlite if args.engine == "sqlite" else prepare_postgresql
    database_url, meta, made = prepare(args.seed, args.regenerate)
    env = {
        **os.environ,
        "ASSOCIATION_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "BASE_URL": "http://127.0.0.1",
    }
    os.environ.update({k: env[k] for k in ("ASSOCIATION_ENV", "SECRET_KEY", "DATABASE_URL", "BASE_URL")})

    from bench_wsgi import make_app

    app = make_app()
    pages = choose_pages(app)
    if args.pages:
        wanted = set(args.pages.split(","))
        pages = [p for p in pages if p.key in wanted]
    clients = test_clients(app)
    count_statements(app, clients, pages)

    stamp = date.today().isoformat() + (f"-{args.tag}" if args.tag else "")
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = RESULTS / f"{args.engine}-{stamp}.gunicorn.log.tmp"
    log.unlink(missing_ok=True)
    app_port, hello_port = free_port(), free_port()
    server = serve("bench_wsgi:make_app()", app_port, env, log, "/healthz")
    hello = serve("hello_app:app", hello_port, env, log, "/")
    hello_runs = []
    try:
        wait_for_quiet(args.quiet, args.quiet_wait)
        hello_runs.append(load(hello_port, "/", {}, args.duration, args.connections))
        best_hello = hello_runs[0]["rps"]
        cookies = {who: sign_in(app_port, who) for who in ("carer", "strategy")}
        for page in pages:
            # The ceiling again, right before the page: others' load on a shared machine drifts.
            # A ceiling well below the best seen means someone else is busy: wait and try again.
            for _ in range(args.tries):
                page.idle = wait_for_quiet(args.quiet, args.quiet_wait)
                page.hello_rps = wrk(f"http://127.0.0.1:{hello_port}/", {}, 3, args.connections)["rps"]
                best_hello = max(best_hello, page.hello_rps)
                if page.hello_rps >= 0.8 * best_hello:
                    break
            headers = {"User-Agent": USER_AGENT, **page.headers}
            if page.who:
                headers["Cookie"] = cookies[page.who]
            response, _ = get(app_port, page.path, headers)
            if response.status != page.expect:
                print(f"  ! {page.path} answered {response.status} over HTTP, expected {page.expect}")
                page.status = response.status
            # A slow page gets longer, so that its percentiles rest on more than a handful of requests.
            duration = args.duration * (3 if (page.inprocess_ms or 0) > 30 else 1)
            result = load(app_port, page.path, headers, duration, args.connections)
            page.rps, page.p50, page.p99 = result["rps"], result["p50"], result["p99"]
            page.requests, page.bad = result["requests"], result["bad"]
            print(
                f"  {page.name:40} {page.rps:8,.0f} req/s  p50 {page.p50:7.1f} ms  p99 {page.p99:7.1f} ms  "
                f"{page.sql} SQL  (hello {page.hello_rps:,.0f} req/s, idle before {page.idle:.0%})",
                flush=True,
            )
        wait_for_quiet(args.quiet, args.quiet_wait)
        hello_runs.append(load(hello_port, "/", {}, args.duration, args.connections))
    finally:
        stop(server)
        stop(hello)
    HELLO.update(
        rps=sum(h["rps"] for h in hello_runs) / len(hello_runs), p50=hello_runs[0]["p50"], p99=hello_runs[0]["p99"]
    )

    if code_version() != code_at_start:
        # Others commit to this tree while it runs; in-process counts and gunicorn may then
        # have run different code.
        meta = {**meta, "code_changed": f"{code_at_start} at the start, {code_version()} at the end"}
    profiles_dir = RESULTS / "profiles" / f"{args.engine}-{stamp}"
    out = RESULTS / f"{args.engine}-{stamp}.md"
    out.write_text(report(args.engine, pages, meta, made, args, hello_runs, profiles_dir))
    Path(f"{out}.json.tmp").write_text(
        json.dumps(
            {
                "pages": [{k: v for k, v in vars(p).items() if k != "profile"} for p in pages],
                "hello": [{k: v for k, v in h.items() if k != "raw"} for h in hello_runs],
            },
            indent=1,
        )
    )
    for page in pages:
        if page.misses:
            page.profile = profile(app, clients, page, profiles_dir / f"{page.key}.txt")
    out.write_text(report(args.engine, pages, meta, made, args, hello_runs, profiles_dir))
    print()
    print(table(pages))
    hello_text = ", ".join(f"{h['rps']:,.0f}" for h in hello_runs)
    print(
        f"\nhello world: {hello_text} req/s; "
        f"{len([p for p in pages if p.misses])} of {len(pages)} pages miss their target; "
        f"written to {out.relative_to(ROOT)} in {time.time() - started:.0f} s"
    )
    return 1 if any(p.status != p.expect for p in pages) else 0


if __name__ == "__main__":
    sys.exit(main())
