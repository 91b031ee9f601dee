"""Every page a person can be shown, for the checks that look at all of them (layout, wording,
forms): the GET routes of ``app.url_map`` with the access-control test's real objects
(``people``) and the hostile sweep's extra ones (``sweep_objects``), and who may see each page.

The sweep's own crawl is about breaking pages; this one is about what people read, so it keeps
the pages' HTML and says which visitor saw it.
"""

from __future__ import annotations

from dataclasses import dataclass

from association.extensions import db
from association.members.models import Member

from .test_access_control import RULES, VISITORS
from .test_hostile_sweep import _ids, _real_values, _rule_url

# Most privileged first: the layout sweep renders each page once, as the first of these who may.
BY_PRIVILEGE = ("admin", "strategy", "moderator", "member", "applicant")


@dataclass(frozen=True)
class PageToSee:
    role: str
    url: str
    endpoint: str


def page_urls(app, people, objects) -> list[tuple[str, str]]:
    """(endpoint, URL) of every GET page, with real objects' ids and valid tokens."""
    ids = _ids(people)
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = _real_values(rule, ids)
        if rule.endpoint in objects["tokens"] and "token" in rule.arguments:
            values["token"] = objects["tokens"][rule.endpoint]
        found.append((rule.endpoint, _rule_url(rule, values)))
    adapter = app.url_map.bind("localhost")
    for url in objects["pages"]:
        endpoint, _ = adapter.match(url, method="GET")
        found.append((endpoint, url))
    return found


def allowed(endpoint: str, role: str) -> bool:
    expected, _ = RULES[endpoint]
    return expected[role] == "allowed"


def every_role(app, people, objects) -> list[PageToSee]:
    """Each page as each visitor who may see it (the wording and form checks)."""
    return [
        PageToSee(role, url, endpoint)
        for role in VISITORS
        for endpoint, url in page_urls(app, people, objects)
        if allowed(endpoint, role)
    ]


def one_role(app, people, objects) -> list[PageToSee]:
    """Each page once, as the most privileged visitor who may see it, and also signed out when the
    page is public (the layout sweep: the most privileged sees the most on a page)."""
    pages = []
    for endpoint, url in page_urls(app, people, objects):
        role = next((r for r in BY_PRIVILEGE if allowed(endpoint, r)), None)
        if role:
            pages.append(PageToSee(role, url, endpoint))
        if allowed(endpoint, "anonymous"):
            pages.append(PageToSee("anonymous", url, endpoint))
    return pages


def session_for(app, people, role: str) -> dict:
    """What a signed-in session holds for ``role`` (as tests/test_access_control.py puts it)."""
    if role == "anonymous":
        return {}
    person = people[role]
    with app.app_context():
        version = db.session.get(Member, person.id).login_version
    return {"_user_id": f"{person.id}.{version}", "_fresh": True}


def client_as(app, people, role: str):
    client = app.test_client()
    session = session_for(app, people, role)
    if session:
        with client.session_transaction() as stored:
            stored.update(session)
    return client


def session_cookie(app, people, role: str) -> str | None:
    """The signed session cookie a browser would carry for ``role``."""
    session = session_for(app, people, role)
    if not session:
        return None
    return app.session_interface.get_signing_serializer(app).dumps(session)
