"""A new member's first thread, on phones: Nia starts it and is told it waits for a moderator, a
moderator approves it from the queue, Sam quotes Nia in a reply, and Nia, who watches her own
thread, is emailed about it. Every page must pass axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support import add_member

from ..forum.helpers import add_category, make_trusted
from ..smtp import text_part
from .support import assert_accessible, deliver, sign_in

pytestmark = pytest.mark.browser

CATEGORY = "Peer support"
TITLE = "Bedtime routines"
BODY = "What helped your family settle at night?"
ANSWER = "Bath, story, then a night light."


def test_a_new_members_thread_is_approved_quoted_and_the_reply_emailed(live_app, smtp, new_page):
    app, url = live_app.app, live_app.url
    category_id = add_category(app, CATEGORY)
    nia = add_member(app, "Nia New")
    moderator = add_member(app, "Mo Moderator", roles=["moderator"])
    sam = add_member(app, "Sam Reader")
    make_trusted(app, sam.id)
    nia_page, mo_page, sam_page = new_page(), new_page(), new_page()

    # Nia, new to the forum, finds the category and starts a thread.
    sign_in(nia_page, url, nia.email, nia.password)
    nia_page.goto(f"{url}/forum/")
    expect(nia_page.get_by_role("heading", level=1)).to_have_text("Forum")
    assert_accessible(nia_page)
    nia_page.get_by_role("link", name=CATEGORY).click()
    expect(nia_page).to_have_url(f"{url}/forum/c/{category_id}")
    assert_accessible(nia_page)
    nia_page.get_by_role("link", name="Start a new thread").click()
    expect(nia_page.get_by_role("heading", level=1)).to_have_text("Start a new thread")
    assert_accessible(nia_page)
    nia_page.get_by_label("Title").fill(TITLE)
    nia_page.get_by_label("Your post").fill(BODY)
    nia_page.get_by_role("button", name="Post", exact=True).click()

    # Her thread is there for her, marked as waiting for a moderator.
    expect(nia_page).to_have_url(re.compile(r"/forum/t/\d+$"))
    thread_path = nia_page.url.removeprefix(url)
    expect(nia_page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(nia_page.locator(".flash")).to_contain_text("waiting for a moderator")
    held = nia_page.locator("#post-1 .post-notice-held")
    expect(held).to_contain_text("Waiting for a moderator.")
    expect(held).to_contain_text("Only you and the moderators can see it for now.")
    # Why, said once: on her post, not again in the banner.
    expect(held).to_contain_text("read by a moderator before others see them")
    expect(nia_page.get_by_text("read by a moderator before others see them")).to_have_count(1)
    expect(nia_page.locator("#post-1 .post-body")).to_have_text(BODY)
    expect(nia_page.get_by_role("button", name="Stop watching")).to_be_visible()
    assert_accessible(nia_page)

    # Sam can't see it yet.
    sign_in(sam_page, url, sam.email, sam.password)
    sam_page.goto(f"{url}/forum/c/{category_id}")
    expect(sam_page.get_by_role("link", name="Earlier posts")).to_be_visible()
    expect(sam_page.get_by_role("link", name=TITLE)).to_have_count(0)
    assert_accessible(sam_page)

    # A moderator approves it from the queue.
    sign_in(mo_page, url, moderator.email, moderator.password)
    mo_page.goto(f"{url}/forum/moderation")
    expect(mo_page.get_by_role("heading", level=2, name="Waiting for a moderator (1)")).to_be_visible()
    item = mo_page.locator("article.mod-item")
    expect(item).to_have_count(1)
    expect(item.get_by_role("heading", level=3)).to_contain_text(TITLE)
    expect(item).to_contain_text("Nia New")
    expect(item.locator(".post-body")).to_have_text(BODY)
    assert_accessible(mo_page)
    item.get_by_role("button", name="Approve").click()
    expect(mo_page.locator(".flash")).to_contain_text("Approved: everyone can see it now.")
    expect(mo_page.get_by_role("heading", level=2, name="Waiting for a moderator (0)")).to_be_visible()
    expect(mo_page.get_by_text("Nothing is waiting. Thank you.")).to_be_visible()
    assert_accessible(mo_page)

    # Sam now finds the thread and quotes Nia.
    sam_page.reload()
    sam_page.get_by_role("link", name=TITLE).click()
    expect(sam_page).to_have_url(f"{url}{thread_path}")
    expect(sam_page.locator("#post-1 .post-body")).to_have_text(BODY)
    expect(sam_page.locator("#post-1 .post-notice-held")).to_have_count(0)
    assert_accessible(sam_page)
    sam_page.locator("#post-1").get_by_role("link", name="Quote post 1").click()
    expect(sam_page).to_have_url(re.compile(rf"{re.escape(thread_path)}/reply\?quote=\d+$"))
    expect(sam_page.get_by_role("heading", level=1)).to_have_text(f"Reply to “{TITLE}”")
    reply = sam_page.get_by_label("Your reply")
    expect(reply).to_have_value(f"> **Nia New** wrote:\n> {BODY}\n\n")
    assert_accessible(sam_page)
    reply.press("Control+End")
    reply.press_sequentially(ANSWER)
    expect(reply).to_have_value(f"> **Nia New** wrote:\n> {BODY}\n\n{ANSWER}")
    sam_page.get_by_role("button", name="Post reply").click()

    # The reply shows the quote and the answer, and Sam lands on it (focused: the page's autofocus).
    expect(sam_page).to_have_url(re.compile(rf"{re.escape(thread_path)}\?page=1$"))
    expect(sam_page.locator(".flash")).to_contain_text("Posted.")
    posted = sam_page.locator("#post-2")
    expect(posted).to_be_focused()
    expect(posted.locator(".post-heading")).to_contain_text("Sam Reader")
    expect(posted.locator(".post-body blockquote")).to_contain_text(BODY)
    expect(posted.locator(".post-body")).to_contain_text(ANSWER)
    assert_accessible(sam_page)

    # Nia watches her own thread, so she is emailed about the reply.
    deliver(app)
    message = smtp.wait_for(nia.email)[-1]
    assert TITLE in message["Subject"]
    body = text_part(message)
    assert "night light" in body
    assert "Sam Reader" in body
    assert f"{url}{thread_path}" in body
    assert smtp.to(sam.email) == []

    # And she sees it on the forum too.
    nia_page.reload()
    expect(nia_page.locator("#post-1 .post-notice-held")).to_have_count(0)
    expect(nia_page.locator("#post-2 .post-body")).to_contain_text(ANSWER)
    assert_accessible(nia_page)


def test_a_post_naming_a_child_is_held_explained_once_and_rechecked_when_changed(live_app, new_page):
    """Jo's thread names her foster son in the title and gives her number: it waits, she is told once,
    kindly, with her words marked; the moderator reads a summary with the same words marked; Jo
    rewrites it and it still waits, now for the moderator to read the change."""
    app, url = live_app.app, live_app.url
    add_category(app, CATEGORY)
    jo = add_member(app, "Jo Carer")
    make_trusted(app, jo.id)
    moderator = add_member(app, "Mo Moderator", roles=["moderator"])
    jo_page, mo_page = new_page(), new_page()

    sign_in(jo_page, url, jo.email, jo.password)
    jo_page.goto(f"{url}/forum/")
    jo_page.get_by_role("link", name=CATEGORY).click()
    jo_page.get_by_role("link", name="Start a new thread").click()
    jo_page.get_by_label("Title").fill("Advice about my foster son Tyler")
    jo_page.get_by_label("Your post").fill("He won't sleep. Ring me on 07700 900123 if you can help.")
    jo_page.get_by_role("button", name="Post", exact=True).click()

    expect(jo_page).to_have_url(re.compile(r"/forum/t/\d+$"))
    held = jo_page.locator("#post-1 .post-notice-held")
    expect(held).to_contain_text("Only you and the moderators can see it for now.")
    expect(jo_page.get_by_text("a description like", exact=False)).to_have_count(1)
    expect(held.locator("mark")).to_have_text(["Tyler"])
    expect(jo_page.locator("#post-1 .post-body mark")).to_have_text(["07700 900123"])
    assert jo_page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    assert_accessible(jo_page)

    sign_in(mo_page, url, moderator.email, moderator.password)
    mo_page.goto(f"{url}/forum/moderation")
    item = mo_page.locator("article.mod-item")
    expect(item).to_contain_text("This post seems to include")
    expect(item).to_contain_text("07700 900123")
    expect(item.locator("mark")).to_have_text(["Tyler", "07700 900123"])
    expect(item).not_to_contain_text("personal_data")
    assert mo_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(mo_page)

    # Jo rewrites the title and the post: it still waits, with nothing marked now.
    jo_page.locator("#post-1").get_by_role("link", name="Edit post 1").click()
    assert_accessible(jo_page)
    jo_page.get_by_label("Title").fill("Advice about a child who won't sleep")
    jo_page.get_by_label("Your post").fill("He won't sleep. Message me through the directory if you can help.")
    jo_page.get_by_role("button", name="Save changes").click()
    held = jo_page.locator("#post-1 .post-notice-held")
    expect(held).to_contain_text("a moderator will read the new version")
    expect(jo_page.locator("mark")).to_have_count(0)
    expect(jo_page.get_by_role("heading", level=1)).to_have_text("Advice about a child who won't sleep")
    assert_accessible(jo_page)

    mo_page.reload()
    item = mo_page.locator("article.mod-item")
    expect(item).to_contain_text("changed since")
    expect(item.locator("mark")).to_have_count(0)
    item.get_by_role("button", name="Approve").click()
    expect(mo_page.get_by_role("heading", level=2, name="Waiting for a moderator (0)")).to_be_visible()
