"""The menu: strategy members reach their workspace, each role sees what waits for it, counted in
one query (none for a member with nothing to count); after sign-in admins and moderators land on
what waits for them, unless they asked for a page."""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from association.extensions import db
from association.forum.posting import start_thread
from tests.forum.helpers import add_category
from tests.strategy.helpers import add_item
from tests.support import sign_in


@contextmanager
def statements(app):
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def note(_conn, _cursor, statement, *_rest):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _menu(page: str) -> str:
    return page.split('class="site-nav site-nav-wide"', 1)[1].split("</nav>", 1)[0]


def _link(menu: str, label: str) -> str | None:
    found = re.search(r'<a href="([^"]+)"[^>]*>' + re.escape(label) + r"(.*?)</a>", menu, re.S)
    return found and found.group(1) + " " + re.sub(r"<[^>]+>", "", found.group(2)).strip()


def _something_waiting(app, make_member):
    """One application, two held posts (one with a report too) and three items to triage."""
    make_member("Pat Applicant", status="applicant")
    writer = make_member("Wren Writer")
    category_id = add_category(app)
    with app.app_context():
        from association.forum.models import Category
        from association.forum.moderation import report
        from association.members.models import Member

        author = db.session.get(Member, writer.id)
        category = db.session.get(Category, category_id)
        held = start_thread(category, author, "About my foster son Tyler", "Ring me on 07700 900123")
        assert held.held
        start_thread(category, author, "A newcomer's hello", "Hello all")  # a new member's post waits too
        report(held.post, db.session.get(Member, make_member("Rita Reporter").id), "Please check")
    for n in range(3):
        add_item(app, writer.id, f"Mileage claims are slow, time {n}")


def test_each_role_sees_its_link_and_what_waits(app, make_member):
    _something_waiting(app, make_member)
    people = {
        "member": make_member("Jo Carer"),
        "strategy": make_member("Sam Strategy", roles=["strategy"]),
        "moderator": make_member("Mo Derator", roles=["moderator"]),
        "admin": make_member("Alex Admin", roles=["admin", "committee"]),
    }
    menus = {
        role: _menu(sign_in(app.test_client(), who).get("/events/").get_data(as_text=True))
        for role, who in people.items()
    }
    assert _link(menus["member"], "Strategy group") == "/strategy/items "
    assert _link(menus["strategy"], "Strategy group") == "/strategy/ 3 items to triage"
    assert _link(menus["moderator"], "Moderation") == "/forum/moderation 3 wait for a moderator"
    assert _link(menus["admin"], "Admin") == "/admin/ 1 application waiting"
    # Nobody sees a count or link that isn't theirs (an admin outside the group has no triage).
    assert _link(menus["member"], "Moderation") is None and "nav-count" not in menus["member"]
    assert _link(menus["admin"], "Strategy group") == "/strategy/items "
    assert _link(menus["strategy"], "Admin") is None and _link(menus["moderator"], "Admin") is None


def test_the_phone_menu_button_says_how_much_waits(app, make_member):
    _something_waiting(app, make_member)
    both = make_member("Bo Both", roles=["moderator", "strategy"])
    page = sign_in(app.test_client(), both).get("/events/").get_data(as_text=True)
    summary = page.split("<summary>", 1)[1].split("</summary>", 1)[0]
    assert re.sub(r"<[^>]+>", "", summary) == "Menu 6 waiting for you"


def test_the_counts_cost_one_query_and_none_for_a_member(app, make_member):
    _something_waiting(app, make_member)
    everything = make_member("Eve Everything", roles=["admin", "moderator", "strategy"])
    plain = make_member("Jo Carer")
    for who, expected in ((everything, 1), (plain, 0)):
        client = sign_in(app.test_client(), who)
        client.get("/account/")
        with statements(app) as seen:
            assert client.get("/account/").status_code == 200
        counting = [
            s
            for s in seen
            if "count(" in s.lower()
            and any(table in s for table in ("strategy_items", "forum_posts", "application_state"))
        ]
        assert len(counting) == expected, (who.name, counting)
        if expected:
            assert all(table in counting[0] for table in ("strategy_items", "forum_posts", "application_state"))


def test_admins_and_moderators_land_on_what_waits_for_them(app, make_member):
    landing = [
        (make_member("Alex Admin", roles=["admin"]), "/admin/"),
        (make_member("Cam Committee", roles=["committee"]), "/admin/"),
        (make_member("Mo Derator", roles=["moderator"]), "/forum/moderation"),
        (make_member("Jo Carer"), "/"),
    ]
    for who, where in landing:
        response = app.test_client().post("/login", data={"email": who.email, "password": who.password})
        assert response.headers["Location"] == where, who.name
    # A page asked for (safely) still wins; an unsafe one falls back to the role's page.
    admin = landing[0][0]
    asked = app.test_client().post("/login?next=/forum/", data={"email": admin.email, "password": admin.password})
    assert asked.headers["Location"] == "/forum/"
    unsafe = app.test_client().post(
        "/login?next=//evil.example/", data={"email": admin.email, "password": admin.password}
    )
    assert unsafe.headers["Location"] == "/admin/"
