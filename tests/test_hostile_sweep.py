"""The hostile-input sweep: every route, as every role, with crafted values everywhere it reads input.

For each engine the sweep:

1. renders every GET route as every role (anonymous, applicant, member, moderator, strategy,
   admin) with real objects' ids, and collects every ``<form>`` on every page;
2. sends every GET route hostile ids in its URL (2^63, 2^31, -1, 0) and every query argument it
   reads (found in its module's source and in the GET forms on its page) each hostile value;
3. posts every form found, one field at a time, the other fields as the page filled them (CSRF
   token kept), as each role that was shown the form; the roles shown a form share the hostile
   values between them, so each field gets every value once and every role posts every field.
   Roles that were not shown a form post it with every field hostile (and a good CSRF token, so
   the view's own refusal answers), to see the refusal is clean too; a POST route no page holds a
   form for is posted the same way.

Query arguments go the same way: each one a page reads, with every value, as an admin (shown
every page), and all of them at once as each role with a share of the values.

It asserts: no 5xx, no error logged (a traceback is logged at ERROR), and a request that failed
(4xx, or the form shown again with an error) left every table's row count as it was.

Rate limits are off and the forum's posting pace is raised, so thousands of posts are not refused
for speed instead of for their content. Hypothesis adds generated text to the fixed corpus; it is
derandomised and bounded, so every run sends the same requests.
"""

from __future__ import annotations

import inspect
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select, text

from association.extensions import db
from association.members.models import Member
from tests.support import PASSWORD, dispose_app, make_app

from .test_access_control import RULES, VISITORS, people  # noqa: F401 (people is a fixture used here)

SWEEP_CONFIG = {
    "RATELIMIT_ENABLED": False,
    "FORUM_MEMBER_PACE": 10**6,
    "FORUM_NEW_MEMBER_PACE": 10**6,
    "FORUM_PREMODERATION_POSTS": 0,
    "WTF_CSRF_ENABLED": True,  # as in production: the token is read from the page and kept
    "PROPAGATE_EXCEPTIONS": False,  # a crash is a 500 and a logged traceback, as in production
}

# Bytes are sent as they are (percent-encoded), to carry what is not valid UTF-8.
CORPUS: dict[str, str | bytes] = {
    "nul": "before\x00after",
    "crlf": "line\r\nBcc: someone@example.org",
    "id 2^63": str(2**63),
    "id 2^31": str(2**31),
    "-1": "-1",
    "empty": "",
    "5k chars": "Long " * 1000,
    "400k chars": "x" * 400_000,
    "1 MB": "y" * 1_000_000,
    "invalid utf-8": b"\xff\xfe caf\xe9",
    "encoded surrogate": b"\xed\xa0\x80",
    "rtl": "\u202eevil.example\u202c \u200f",
    "emoji": "👩‍👧‍👦💛🏳️‍🌈",
    "script": "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "formula": "=cmd|' /C calc'!A0",
    "quotes": "O'Brien \"quoted` ' -- ;",
    "unicode slashes": "\u2215\u2044\uff0f\\evil.example",
    "superscript digit": "²",
}
HOSTILE_IDS = (2**63, 2**31, -1, 0)
CSRF_RAW = "0" * 40  # the session's CSRF secret in every client; signed into ``Sweep.csrf``
# Query arguments worth trying on every page, besides those its module reads.
COMMON_ARGS = ("page", "next")
EXAMPLES_FROM_HYPOTHESIS = 6


def _generated_values() -> list[str]:
    """A fixed handful of awkward strings from Hypothesis: control and format characters, private
    use, combining marks, odd spaces and numbers, mixed with ordinary text."""
    alphabet = st.characters(
        categories=("Cc", "Cf", "Co", "Mn", "Zs", "Zl", "Zp", "Nd", "No", "So", "Lo", "Po"), exclude_characters="\x00"
    )  # NUL has its own entry above
    found: list[str] = []

    @settings(
        max_examples=EXAMPLES_FROM_HYPOTHESIS,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(
        st.one_of(
            st.text(alphabet, min_size=1, max_size=40),
            st.integers().map(str),
            st.from_regex(r"\A[=+\-@\t\r][A-Za-z0-9|!(]{1,20}\Z"),
        )
    )
    def collect(value):
        found.append(value)

    collect()
    return found


VALUES: dict[str, str | bytes] = {**CORPUS, **{f"hypothesis #{n}": v for n, v in enumerate(_generated_values())}}


@pytest.fixture
def app(database_url, smtp):
    """The app with limits off and CSRF on; overrides conftest's ``app`` for this module."""
    app = make_app(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, **SWEEP_CONFIG)
    yield app
    dispose_app(app)


@pytest.fixture
def sweep_objects(app, people):
    """Objects beyond the access-control test's, so that every form has a page that shows it:
    valid tokens, a household, a failed email, a report, a scheduled campaign, a member's own post."""
    from datetime import timedelta

    from association.campaigns.models import Campaign
    from association.core.database import utcnow
    from association.events.models import RSVP
    from association.forum.models import Post, Report, Thread
    from association.forum.posting import reply
    from association.mail.consent import unsubscribe_token
    from association.mail.models import OutboxMessage
    from association.members.accounts import request_sign_in_link
    from association.members.applications import password_token
    from association.members.models import Household

    with app.test_request_context():
        target = db.session.get(Member, people["target"].id)
        partner = Member(
            name="Pat Partner",
            email="pat.partner@example.org",
            area="Riverside",
            status="active",
            application_state="approved",
        )
        db.session.add(Household(name="Target household", members=[target, partner]))
        db.session.add(RSVP(event_id=people["event"], member_id=people["member"].id, response="going"))
        db.session.get(OutboxMessage, people["message"]).status = "failed"
        own = reply(
            db.session.get(Thread, people["thread"]),
            db.session.get(Member, people["member"].id),
            "Our own bedtime story works",
        ).post
        db.session.add(Report(post_id=people["post"], reporter_id=people["member"].id, reason="Please look"))
        scheduled = Campaign(
            subject="Autumn social",
            body_markdown="Hello",
            topic="news",
            audience="active",
            status="scheduled",
            scheduled_for=utcnow() + timedelta(days=3),
        )
        db.session.add(scheduled)
        db.session.commit()
        tokens = {
            "auth.set_password": password_token(target),
            "mail.unsubscribe": unsubscribe_token(target.id, "association_news"),
        }
        request_sign_in_link(target.email)
        link = db.session.scalars(
            select(OutboxMessage.text_body).where(OutboxMessage.template == "sign_in_link")
        ).first()
        found = re.search(r"/login/link/([^\s/]+)", link or "")
        if found:
            tokens["auth.sign_in_with_link"] = found.group(1)
        assert db.session.get(Post, own.id) is not None
        held = _held_training(people)
        return {
            "tokens": tokens,
            "pages": [
                f"/admin/mail/{scheduled.id}",
                f"/forum/p/{own.id}/edit",
                f"/admin/members/{people['erasable'].id}",
                f"/events/{held}/register",
            ],
        }


def _held_training(people) -> int:
    """A training that started an hour ago, with a register taken: the member came (so My training
    shows a certificate) and Pat Partner can be found as a walk-in."""
    from datetime import timedelta

    from association.core.database import utcnow
    from association.events.models import RSVP, Event
    from association.training import courses, registers

    target = db.session.get(Member, people["target"].id)
    start = utcnow() - timedelta(hours=1)
    event = Event(
        kind="training",
        title="Safer caring",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        organiser_id=target.id,
        visibility="members",
    )
    db.session.add(event)
    db.session.flush()
    courses.save_course(event, 120, "Write a safer caring plan", [], target)
    db.session.add(RSVP(event_id=event.id, member_id=people["member"].id, response="going"))
    db.session.flush()
    registers.mark(event, {people["member"].id: True}, target)
    registers.add_guest(event, "Sam Social Worker", "Fostering service", target)
    db.session.commit()
    return event.id


# --- forms, as a browser reads them --------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    multipart: bool
    fields: list[tuple[str, str]] = field(default_factory=list)  # what the browser would send
    names: list[str] = field(default_factory=list)  # every named control, sent or not


class FormReader(HTMLParser):
    """Every form on a page with the values a browser would submit unchanged."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, list[str], list[str]] | None = None
        self._option_value: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._radios: dict[str, str] = {}
        self._submitted = False

    def _name(self, name: str) -> None:
        if name not in self._form.names:
            self._form.names.append(name)

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(
                action=a.get("action") or self.page_url,
                method=(a.get("method") or "get").lower(),
                multipart="multipart" in a.get("enctype", ""),
            )
            self._radios, self._submitted = {}, False
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            self._name(name)
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.fields.append((name, a.get("value", "on")))
                elif kind == "radio":
                    self._radios.setdefault(name, a.get("value", "on"))
            elif kind in ("submit", "image", "button", "reset"):
                if kind == "submit" and not self._submitted:
                    self._form.fields.append((name, a.get("value", "")))
                    self._submitted = True
            elif kind != "file":
                self._form.fields.append((name, a.get("value", "")))
        elif tag == "button" and name:
            self._name(name)
            if a.get("type", "submit") == "submit" and not self._submitted:
                self._form.fields.append((name, a.get("value", "")))
                self._submitted = True
        elif tag == "select" and name:
            self._name(name)
            self._select = (name, [], [])
        elif tag == "option" and self._select is not None:
            self._option_value = a.get("value")
            self._text = []
            if "selected" in a:
                self._select[2].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._name(name)
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea is not None or self._option_value is not None or self._select is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._form is None:
            return
        if tag == "option" and self._select is not None:
            value = self._option_value if self._option_value is not None else "".join(self._text).strip()
            self._select[1].append(value)
            self._option_value = None
        elif tag == "select" and self._select is not None:
            name, options, selected = self._select
            for value in selected or options[:1]:
                self._form.fields.append((name, value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form.fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None
        elif tag == "form":
            sent = {n for n, _ in self._form.fields}
            self._form.fields += [(n, v) for n, v in self._radios.items() if n not in sent]
            self.forms.append(self._form)
            self._form = None


def read_forms(page_url: str, html: str) -> list[Form]:
    reader = FormReader(page_url)
    reader.feed(html)
    return reader.forms


def _encode(pairs: list[tuple[str, str | bytes]]) -> bytes:
    return urlencode(pairs).encode("ascii")


# --- the app's routes ---------------------------------------------------------------------


def _ids(people) -> dict:
    """URL values per access-control name: the real objects the sweep visits."""
    member_like = ("applicant", "target", "erasable")
    return {
        name: (people[name].id if name in member_like else people[name])
        for name in (
            "applicant",
            "target",
            "erasable",
            "message",
            "event",
            "calendar_token",
            "category",
            "thread",
            "post",
            "item",
            "meeting",
            "version",
            "revocable_version",
            "pack_token",
            "campaign",
            "training_event",
            "training_entry",
            "certificate_code",
            "topic",
        )
    }


def _rule_url(rule, values: dict) -> str:
    _, path = rule.build(values, append_unknown=False)
    return path


def _real_values(rule, ids: dict) -> dict:
    _, names = RULES.get(rule.endpoint, (None, {}))  # a route without a rule fails test_access_control
    return {k: ids.get(v, v) for k, v in names.items() if k in rule.arguments}


def _args_read_by(app, endpoint: str) -> set[str]:
    """Query arguments the view reads (``request.args.get("x"``, ``requested_id("x")``, the page)."""
    source = inspect.getsource(inspect.unwrap(app.view_functions[endpoint]))
    names = set(re.findall(r"request\.args\.get(?:list)?\(\s*[\"'](\w+)[\"']", source))
    names |= set(re.findall(r"requested_id\(\s*[\"'](\w+)[\"']", source))
    if "requested_page(" in source:
        names.add("page")
    return names


# --- the sweep ----------------------------------------------------------------------------


class Sweep:
    def __init__(self, app, people, objects, caplog):
        self.app, self.people, self.caplog = app, people, caplog
        self.ids = _ids(people)
        self.tokens, self.extra_pages = objects["tokens"], objects["pages"]
        self.good_values = {"auth.login": {"email": people["member"].email, "password": PASSWORD}}
        self.csrf = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(CSRF_RAW)
        self.adapter = app.url_map.bind("localhost")
        self.failures: list[str] = []
        self.requests = 0
        self.statuses: Counter[int] = Counter()
        with app.app_context():
            self.tables = [t.name for t in db.metadata.sorted_tables]

    def values(self, rule) -> dict:
        """Real objects' ids (and valid tokens) for ``rule``'s URL."""
        values = _real_values(rule, self.ids)
        if rule.endpoint in self.tokens and "token" in rule.arguments:
            values["token"] = self.tokens[rule.endpoint]
        return values

    # clients

    def client(self, role: str):
        """A client signed in as ``role`` with a known CSRF token (``self.csrf``), as a page would give."""
        client = self.app.test_client()
        with client.session_transaction() as session:
            session["csrf_token"] = CSRF_RAW  # Flask-WTF signs this for every form the client is shown
        if role != "anonymous":
            person = self.people[role]
            with self.app.app_context():
                version = db.session.get(Member, person.id).login_version
            with client.session_transaction() as session:
                session["_user_id"] = f"{person.id}.{version}"
                session["_fresh"] = True
        return client

    def row_counts(self) -> tuple[int, ...]:
        sql = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{t}")' for t in self.tables)
        with self.app.app_context():
            return tuple(db.session.execute(text(sql)).one())

    # one request

    def send(
        self,
        client,
        method: str,
        url: str,
        what: str,
        body: bytes | None = None,
        multipart=None,
        count_rows: bool = False,
    ):
        before = self.row_counts() if count_rows else None
        self.caplog.clear()
        kwargs = {}
        if multipart is not None:
            kwargs = {"data": multipart, "content_type": "multipart/form-data"}
        elif body is not None:
            kwargs = {"data": body, "content_type": "application/x-www-form-urlencoded"}
        try:
            response = client.open(url, method=method, **kwargs)
        except Exception as error:  # the test client raises what the app did not handle
            self.failures.append(f"{what}: {method} {url[:120]} raised {error!r}"[:400])
            return None
        self.requests += 1
        self.statuses[response.status_code] += 1
        errors = [r for r in self.caplog.records if r.levelno >= logging.ERROR]
        if response.status_code >= 500:
            self.failures.append(
                f"{what}: {method} {url[:120]} -> {response.status_code}"
                + (f" ({errors[0].getMessage()[:200]})" if errors else "")
            )
        elif errors:
            self.failures.append(f"{what}: {method} {url[:120]} logged {errors[0].getMessage()[:200]}")
        if count_rows:
            refused = response.status_code >= 400 or (
                response.status_code == 200 and b'class="field-error"' in response.data
            )
            if refused and self.row_counts() != before:
                changed = [t for t, a, b in zip(self.tables, before, self.row_counts(), strict=True) if a != b]
                self.failures.append(
                    f"{what}: {method} {url[:120]} -> {response.status_code} but wrote rows in {changed}"
                )
        return response

    # the three parts

    def crawl(self) -> dict[tuple[str, str], list[tuple[str, Form]]]:
        """Render every GET route as every role; the forms found, by (endpoint of the action, role)."""
        forms: dict[tuple[str, str], list[tuple[str, Form]]] = {}
        seen: set[tuple] = set()
        for role in VISITORS:
            client = self.client(role)
            pages = [
                _rule_url(rule, self.values(rule))
                for rule in self.app.url_map.iter_rules()
                if "GET" in rule.methods and rule.endpoint != "static"
            ] + self.extra_pages
            for url in pages:
                response = self.send(client, "GET", url, f"crawl as {role}")
                if response is None or response.status_code != 200 or response.mimetype != "text/html":
                    continue
                for form in read_forms(url, response.get_data(as_text=True)):
                    action = urlsplit(form.action)
                    try:
                        endpoint, values = self.adapter.match(action.path, method=form.method.upper())
                    except Exception:
                        continue
                    # One form per action for each role: the same form for the next post in a list
                    # adds nothing. Words in the URL (approve, hide) make different forms.
                    key = (
                        role,
                        endpoint,
                        form.method,
                        tuple(sorted((k, v) for k, v in values.items() if isinstance(v, str))),
                    )
                    if key not in seen:
                        seen.add(key)
                        forms.setdefault((endpoint, role), []).append((url, form))
        return forms

    def query_arguments(self, get_forms: dict[str, set[str]]):
        """Each argument a page reads, each value, as an admin (who is shown every page); then all
        arguments hostile at once as each other role, with that role's share of the values."""
        clients = {role: self.client(role) for role in VISITORS}
        admin = clients["admin"]
        for rule in self.app.url_map.iter_rules():
            if "GET" not in rule.methods:
                continue
            url = _rule_url(rule, self.values(rule))
            read = sorted(_args_read_by(self.app, rule.endpoint) | get_forms.get(rule.endpoint, set()))
            for name in read:
                for label, value in VALUES.items():
                    self.send(admin, "GET", f"{url}?{_encode([(name, value)]).decode()}", f"?{name}={label} as admin")
            every = sorted(set(read) | set(COMMON_ARGS))
            for role, client in clients.items():
                for label, value in self.share(VALUES, role, VISITORS):
                    self.send(
                        client,
                        "GET",
                        f"{url}?{_encode([(n, value) for n in every]).decode()}",
                        f"?{'&'.join(every)}={label} as {role}",
                    )

    def hostile_ids(self):
        """Ids the database cannot hold (and ids no row has) in every URL: as an admin for every
        method, and as a member and an anonymous visitor for pages."""
        for role, methods in (("admin", {"GET", "POST"}), ("member", {"GET"}), ("anonymous", {"GET"})):
            client = self.client(role)
            for rule in self.app.url_map.iter_rules():
                real = self.values(rule)
                for name in rule.arguments:
                    if not isinstance(real.get(name), int):
                        continue
                    for hostile in HOSTILE_IDS:
                        for method in sorted(rule.methods & methods):
                            body = _encode([("csrf_token", self.csrf)]) if method == "POST" else None
                            self.send(
                                client,
                                method,
                                _rule_url(rule, {**real, name: hostile}),
                                f"<{name}>={hostile} as {role}",
                                body=body,
                                count_rows=method == "POST",
                            )

    @staticmethod
    def share(values: dict, who: str, everyone) -> list:
        """``who``'s share of ``values`` when ``everyone`` splits them: together they send each once."""
        everyone = list(everyone)
        return list(values.items())[everyone.index(who) :: len(everyone)]

    def post_form(self, shown: list[str], role: str, page_url: str, form: Form, endpoint: str):
        """One field at a time, as a role that was shown the form; the roles shown it share the values."""
        for name in form.names:
            # A fresh session and page for each field: a value may have signed the role out or
            # moved the object on (a post approved, an event cancelled).
            client = self.client(role)
            fresh = self._fresh_form(client, page_url, form)
            for label, value in self.share(VALUES, role, shown):
                pairs = [(n, v) for n, v in fresh.fields if n != name] + [(name, value)]
                self._post(client, fresh, pairs, f"{endpoint} {name}={label} as {role}")

    def post_with_arguments(self, role: str, page_url: str, form: Form, endpoint: str):
        """The form as the page filled it, with each query argument the view reads made hostile."""
        for name in sorted(_args_read_by(self.app, endpoint)):
            for label, value in VALUES.items():
                client = self.client(role)  # signing in succeeds: a new visitor each time
                fresh = self._fresh_form(client, page_url, form)
                # Sign-in reads ?next= only once the password is right.
                good = self.good_values.get(endpoint, {})
                fields = [(n, good.get(n, v)) for n, v in fresh.fields]
                action = f"{fresh.action}{'&' if '?' in fresh.action else '?'}{_encode([(name, value)]).decode()}"
                self._post(
                    client,
                    Form(action, fresh.method, fresh.multipart, fields, fresh.names),
                    fields,
                    f"{endpoint} ?{name}={label} as {role}",
                )

    def post_blind(self, not_shown: list[str], role: str, form: Form, endpoint: str):
        """Every field hostile at once, as a role that was not shown the form (its share of the values)."""
        client = self.client(role)
        for label, value in self.share(VALUES, role, not_shown):
            # With a good CSRF token, so that the view's own refusal is what answers.
            pairs = [(n, value) for n in form.names if n != "csrf_token"] + [("csrf_token", self.csrf)]
            self._post(client, form, pairs, f"{endpoint} all fields={label} as {role} (not shown the form)")

    def _fresh_form(self, client, page_url: str, form: Form) -> Form:
        """The form as the page shows it now (a new CSRF token; values may have moved on)."""
        response = client.get(page_url)
        if response.status_code == 200:
            for candidate in read_forms(page_url, response.get_data(as_text=True)):
                if candidate.action == form.action and candidate.method == form.method:
                    return candidate
        return form

    def _post(self, client, form: Form, pairs, what: str):
        if form.multipart:
            data = {}
            for n, v in pairs:
                data.setdefault(n, []).append(v.decode("latin-1") if isinstance(v, bytes) else v)
            self.send(client, "POST", form.action, what, multipart=data, count_rows=True)
        else:
            self.send(client, "POST", form.action, what, body=_encode(pairs), count_rows=True)


def test_hostile_input_never_breaks_a_page(app, people, sweep_objects, caplog):
    caplog.set_level(logging.ERROR)
    sweep = Sweep(app, people, sweep_objects, caplog)
    started = time.perf_counter()
    forms = sweep.crawl()
    get_forms: dict[str, set[str]] = {}
    for (endpoint, _role), found in forms.items():
        for _url, form in found:
            if form.method == "get":
                get_forms.setdefault(endpoint, set()).update(form.names)
    sweep.query_arguments(get_forms)
    sweep.hostile_ids()
    posted = set()
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in posted:
            continue
        posted.add(rule.endpoint)  # strategy.meeting has two rules, for a new and an existing meeting
        shown = {
            role: [(u, f) for u, f in forms.get((rule.endpoint, role), []) if f.method == "post"] for role in VISITORS
        }
        shown_to = [role for role in VISITORS if shown[role]]
        for role in shown_to:
            for page_url, form in shown[role]:
                sweep.post_form(shown_to, role, page_url, form, rule.endpoint)
        if shown_to:
            page_url, form = shown[shown_to[0]][0]
            sweep.post_with_arguments(shown_to[0], page_url, form, rule.endpoint)
        not_shown = [role for role in VISITORS if not shown[role]]
        blind = next((f for role in shown_to for _u, f in shown[role]), None) or Form(
            action=_rule_url(rule, sweep.values(rule)), method="post", multipart=False, names=["value"]
        )
        for role in not_shown:
            sweep.post_blind(not_shown, role, blind, rule.endpoint)
    elapsed = time.perf_counter() - started
    print(
        f"\nhostile sweep: {sweep.requests} requests in {elapsed:.1f} s; answers {dict(sorted(sweep.statuses.items()))}"
    )
    assert not sweep.failures, f"{len(sweep.failures)} failures:\n" + "\n".join(sweep.failures[:80])
