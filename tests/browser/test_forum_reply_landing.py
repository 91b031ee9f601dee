"""After replying, Sam lands on his new post with focus on it (issue 13, item 18), on a laptop and a
phone, and the page passes axe with nothing wider than the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support import add_member

from ..forum.helpers import add_category, make_trusted
from .support import assert_accessible, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}])
def test_a_reply_lands_on_the_new_post_with_focus(live_app, browser, viewport):
    app, url = live_app.app, live_app.url
    add_category(app, "Peer support")
    sam = add_member(app, "Sam Reader")
    make_trusted(app, sam.id, count=6)  # a thread long enough to scroll
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, url, sam.email, sam.password)
        page.goto(f"{url}/forum/")
        page.get_by_role("link", name="Peer support").click()
        page.get_by_role("link", name="Earlier posts").click()
        page.get_by_label("Your reply").fill("Thank you all: the night light worked.")
        page.get_by_role("button", name="Post reply").click()

        expect(page.locator(".flash")).to_contain_text("Posted")
        new_post = page.locator("#post-7")
        expect(new_post).to_contain_text("the night light worked")
        expect(new_post).to_be_focused()
        page.wait_for_function("window.scrollY > 0")
        assert page.evaluate("document.activeElement.id") == "post-7"
        expect(new_post).to_be_in_viewport()  # after any smooth scrolling, the new post is on screen
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert_accessible(page)

        # Reading the thread again later does not jump anywhere.
        page.reload()
        assert page.evaluate("document.activeElement.id") != "post-7"
    finally:
        context.close()
