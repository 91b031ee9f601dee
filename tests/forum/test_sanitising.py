"""Sanitising: the XSS corpus in posts, titles and edits never yields executable markup in HTML.

(tests/browser/test_forum_xss.py loads the same pages in real Chromium, with the CSP off, and
checks that no script runs.)"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from association.core.markdown import render_markdown
from tests.support import sign_in

from .helpers import add_category, make_trusted
from .xss_payloads import PAYLOADS


class _PageAudit(HTMLParser):
    """Everything in a whole page that could run script: our own templates have none of it."""

    FORBIDDEN = {
        "script",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "style",
        "base",
        "marquee",
        "video",
        "audio",
        "template",
        "frame",
        "frameset",
        "applet",
        "xss",
        "img",
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.FORBIDDEN and not (tag == "script" and dict(attrs).get("src", "").startswith("/static/")):
            self.found.append(f"<{tag}>")
        if tag == "link" and not dict(attrs).get("href", "").startswith("/static/"):
            self.found.append("<link> off-site")
        if tag == "meta" and "http-equiv" in dict(attrs):
            self.found.append("<meta http-equiv>")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc"):
                self.found.append(f"{tag}[{name}]")
            if name in ("href", "src", "action", "formaction", "data", "xlink:href") and value:
                cleaned = re.sub(r"[\x00-\x20]", "", value).lower()
                if cleaned.startswith(("javascript:", "vbscript:", "data:")):
                    self.found.append(f"{tag}[{name}={value[:30]}]")


def page_problems(html: str) -> list[str]:
    audit = _PageAudit()
    audit.feed(html)
    return audit.found


def test_the_corpus_is_large_enough():
    assert len(PAYLOADS) >= 50


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rendered_markdown_is_inert(payload):
    html = render_markdown(payload)
    assert page_problems(html) == [], html
    assert "<script" not in html.lower()


def test_links_get_nofollow_noopener_and_only_safe_schemes():
    html = render_markdown("[site](https://example.org) and <https://example.org/x> and www.example.org")
    assert html.count('rel="nofollow noopener"') == 3
    assert "javascript:" not in render_markdown("[x](javascript:alert(1))").split("[x]")[0]


def test_corpus_in_posts_titles_and_edits_never_reaches_a_page(app, make_member):
    add_category(app)
    writer = make_member("Wren Writer")
    make_trusted(app, writer.id)
    app.config["FORUM_MEMBER_PACE"] = 10_000
    client = sign_in(app.test_client(), writer)
    reader = sign_in(app.test_client(), make_member("Rita Reader"))
    from association.extensions import db
    from association.forum.models import Category, Post, Thread

    with app.app_context():
        category_id = db.session.query(Category.id).scalar()
    for index, payload in enumerate(PAYLOADS):
        client.post(f"/forum/c/{category_id}/new", data={"title": f"T{index} {payload}"[:160], "body": payload})
    with app.app_context():
        thread_ids = [t.id for t in db.session.query(Thread).filter(Thread.title.like("T%")).all()]
        post_ids = [p.id for p in db.session.query(Post).filter(Post.thread_id.in_(thread_ids)).all()]
    for post_id, payload in zip(post_ids, PAYLOADS, strict=False):
        client.post(f"/forum/p/{post_id}/edit", data={"body": payload + " (edited)"})
    pages = [
        "/forum/",
        f"/forum/c/{category_id}",
        f"/forum/c/{category_id}?page=2",
        f"/forum/c/{category_id}?page=3",
        "/forum/search?q=alert",
        "/forum/search?q=script",
    ]
    pages += [f"/forum/t/{t}" for t in thread_ids] + [f"/forum/p/{p}/history" for p in post_ids[:10]]
    for url in pages:
        for who in (client, reader):
            html = who.get(url).data.decode()
            assert page_problems(html) == [], (url, page_problems(html))
