"""The XSS corpus in real Chromium, with the Content-Security-Policy turned off so that an injected
script would really run: as thread titles, opening posts and edits, read by a member on every forum
page that shows them, and by a moderator in the queue. Nothing may call alert()/xss() or open a
dialog, and no page may carry executable markup (``page_problems``)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support import add_member

from ..forum.helpers import add_category, make_trusted
from ..forum.test_sanitising import page_problems
from ..forum.xss_payloads import PAYLOADS
from .support import open_menu, serve

pytestmark = pytest.mark.browser

HOOKS = (
    "window.__xss=[];window.alert=window.confirm=window.prompt=(m)=>window.__xss.push(String(m));"
    "window.xss=()=>window.__xss.push('xss');"
)
PERSONAL = "Call 07700 900123 "  # a phone number: the post is held for a moderator
HELD_EVERY = 12  # every 12th payload goes in with personal data, so the queue has some


@pytest.fixture
def live_app_without_csp(tmp_path, smtp):
    """``live_app`` without the CSP header, so that a sanitiser failure would execute."""
    with serve(tmp_path, smtp, CONTENT_SECURITY_POLICY=False, FORUM_MEMBER_PACE=10_000) as live:
        yield live


def seed(app, writer_id: int, category_id: int) -> dict:
    """Every payload as a thread title and opening post; every other one edited. Via the app's own
    posting functions, as the views call them."""
    from association.core.plain_text import one_line
    from association.extensions import db
    from association.forum import posting
    from association.forum.models import Category, Post
    from association.members.models import Member

    threads, held_threads, post_ids = [], [], []
    with app.app_context():
        category = db.session.get(Category, category_id)
        writer = db.session.get(Member, writer_id)
        for index, payload in enumerate(PAYLOADS):
            body = PERSONAL + payload if index % HELD_EVERY == 0 else payload
            # A title is one line (core/plain_text.py): the payload's line breaks and tabs become spaces.
            title = one_line(f"T{index} {payload}")[: posting.TITLE_LENGTH]
            outcome = posting.start_thread(category, writer, title, body)
            post_ids.append(outcome.post.id)
            (held_threads if outcome.held else threads).append(outcome.post.thread_id)
        for index, (post_id, payload) in enumerate(zip(post_ids, PAYLOADS, strict=True)):
            if index % 2:
                post = db.session.get(Post, post_id)
                posting.edit_post(post, writer, (PERSONAL if index % HELD_EVERY == 0 else "") + payload + " edited")
        statuses = dict(db.session.query(Post.id, Post.status).filter(Post.id.in_(post_ids)).all())
    edited_visible = [p for i, p in enumerate(post_ids) if i % 2 and statuses[p] == "visible"]
    return {
        "threads": threads,
        "held_threads": held_threads,
        "edited": edited_visible,
        "held_posts": [p for p in post_ids if statuses[p] == "held"],
    }


class Visitor:
    """One person's page, checking every page it opens for script that ran."""

    def __init__(self, page, base_url: str):
        self.page, self.base_url, self.dialogs, self.visited = page, base_url, [], 0
        page.add_init_script(HOOKS)
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message} on {self.page.url}")
        dialog.dismiss()

    def sign_in(self, email: str, password: str) -> None:
        self.page.goto(f"{self.base_url}/login")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password", exact=True).fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(lambda address: "/login" not in address)
        open_menu(self.page)
        expect(self.page.get_by_role("button", name="Sign out")).to_be_visible()

    def visit(self, path: str):
        response = self.page.goto(f"{self.base_url}{path}", wait_until="load")
        assert response is not None and response.status == 200, (path, response and response.status)
        self.check(path)
        self.visited += 1
        return response

    def check(self, where: str) -> None:
        self.page.wait_for_timeout(50)
        ran = self.page.evaluate("window.__xss")
        assert ran == [], f"script ran on {where}: {ran}"
        assert self.dialogs == [], f"dialogs on {where}: {self.dialogs}"
        problems = page_problems(self.page.content())
        assert problems == [], f"executable markup on {where}: {problems}"

    def visit_all_pages(self, path: str, limit: int = 10) -> int:
        """``path`` and each page after it, following the rel=next link."""
        pages = 0
        while path and pages < limit:
            self.visit(path)
            pages += 1
            following = self.page.locator("a[rel=next]").first
            path = following.get_attribute("href") if following.count() else None
        return pages


def test_the_xss_corpus_never_runs_in_a_browser(live_app_without_csp, new_page):
    live = live_app_without_csp
    app, url = live.app, live.url
    category_id = add_category(app, "Peer support")
    writer = add_member(app, "Wren Writer")
    make_trusted(app, writer.id)
    reader = add_member(app, "Rita Reader")
    moderator = add_member(app, "Mo Moderator", roles=["moderator"])
    seeded = seed(app, writer.id, category_id)
    assert len(seeded["threads"]) >= 40 and len(seeded["held_threads"]) >= 4, seeded
    assert len(seeded["edited"]) >= 20

    # The hooks work, and the CSP really is off: otherwise this test would prove nothing.
    rita = Visitor(new_page(), url)
    rita.sign_in(reader.email, reader.password)
    response = rita.visit("/forum/")
    assert "content-security-policy" not in response.headers
    rita.page.evaluate("alert('canary'); xss()")
    assert rita.page.evaluate("window.__xss") == ["canary", "xss"]

    # The reader: the index, every page of the category, every thread, search and edit histories.
    rita.visit("/forum/")
    category_pages = rita.visit_all_pages(f"/forum/c/{category_id}")
    assert category_pages == -(-(len(seeded["threads"]) + 1) // 25)  # + make_trusted's thread; 25 a page
    for thread_id in seeded["threads"]:
        rita.visit(f"/forum/t/{thread_id}")
    for query in ("alert", "script"):
        rita.visit_all_pages(f"/forum/search?q={query}", limit=3)
        expect(rita.page.locator(".search-hits > li").first).to_be_visible()
    for post_id in seeded["edited"][:6]:
        rita.visit(f"/forum/p/{post_id}/history")
        assert rita.page.locator(".revision-text").count() == 1

    # The moderator: the queue with the held payloads, and the held threads with their tools.
    mo = Visitor(new_page(), url)
    mo.sign_in(moderator.email, moderator.password)
    mo.visit("/forum/moderation")
    expect(mo.page.locator("article.mod-item")).to_have_count(len(seeded["held_posts"]))
    for thread_id in seeded["held_threads"]:
        mo.visit(f"/forum/t/{thread_id}")
    assert rita.visited + mo.visited >= len(seeded["threads"]) + 10
