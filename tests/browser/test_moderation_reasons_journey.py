"""A moderator on a phone who presses "Hide post" or "Send warning" with no reason is shown the same
page again, with that one small form open, focused, marked invalid and saying what is missing, and
what they typed kept; the other posts' forms stay closed. Then the action goes through with a reason.
Every page must pass axe and fit 390 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from association.extensions import db
from tests.support import add_member

from ..forum.helpers import add_category, make_trusted
from .support import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def _forum_with_a_reported_reply(app, category_id, author, reader) -> tuple[int, int]:
    from association.forum import moderation, posting
    from association.forum.models import Category, Post, Thread
    from association.members.models import Member

    with app.app_context():
        category = db.session.get(Category, category_id)
        nia, sam = db.session.get(Member, author.id), db.session.get(Member, reader.id)
        thread_id = posting.start_thread(
            category, nia, "School holidays", "Any ideas for the long summer?"
        ).post.thread_id
        posting.reply(db.session.get(Thread, thread_id), sam, "The library runs free reading clubs.")
        posting.reply(db.session.get(Thread, thread_id), nia, "That is a rubbish idea and so are you.")
        rude = db.session.get(
            Post, db.session.scalar(db.select(Post.id).where(Post.thread_id == thread_id, Post.number == 3))
        )
        moderation.report(rude, sam, "Unkind to another carer.")
        return thread_id, rude.id


def test_a_reason_left_empty_is_asked_for_beside_its_own_small_form(live_app, page):
    app, url = live_app.app, live_app.url
    category_id = add_category(app)
    nia, sam = add_member(app, "Nia Carer"), add_member(app, "Sam Reader")
    make_trusted(app, nia.id)
    make_trusted(app, sam.id)
    mo = add_member(app, "Mo Moderator", roles=["moderator"])
    thread_id, rude_id = _forum_with_a_reported_reply(app, category_id, nia, sam)
    sign_in(page, url, mo.email, mo.password)

    # On the thread page, the third post's "Hide post" with nothing typed.
    page.goto(f"{url}/forum/t/{thread_id}")
    rude = page.locator("#post-3")
    rude.locator("summary", has_text="Hide this post").click()
    rude.get_by_role("button", name="Hide post").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("School holidays")
    expect(rude.locator("details.mod-hide")).to_have_attribute("open", "")
    reason = rude.get_by_label("Reason (shown to the author)")
    expect(reason).to_be_focused()
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(rude.locator(".field-error")).to_contain_text("Give a reason: the author will see it.")
    # Only that post's form says so; the others stay as they were.
    expect(page.locator(".field-error")).to_have_count(1)
    expect(page.locator("#post-2 details.mod-hide")).not_to_have_attribute("open", re.compile(".*"))
    assert_accessible(page)
    _fits(page)

    # With a reason it goes through, back on the thread page as before.
    reason.fill("Unkind words about another carer.")
    rude.get_by_role("button", name="Hide post").click()
    expect(page).to_have_url(re.compile(rf"/forum/t/{thread_id}(\?page=1)?$"))
    expect(page.locator("#post-3 .post-notice-hidden")).to_contain_text("Unkind words about another carer.")

    # In the queue, a warning with only spaces typed: the queue again, that warning open and focused.
    with app.app_context():
        from association.forum.models import Post

        db.session.get(Post, rude_id).status = "visible"
        db.session.commit()
    from association.forum import moderation
    from association.members.models import Member

    with app.app_context():
        moderation.report(db.session.get(Post, rude_id), db.session.get(Member, mo.id), "Still unkind.")
    page.goto(f"{url}/forum/moderation")
    item = page.locator("article.mod-item").first
    item.locator("summary", has_text="Warn Nia").click()
    item.get_by_label("What the warning is about").fill("   ")
    item.get_by_role("button", name="Send warning").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation queue")
    warning = page.locator("article.mod-item").first.get_by_label("What the warning is about")
    expect(warning).to_be_focused()
    expect(warning).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field-error")).to_have_count(1)
    expect(page.locator(".field-error")).to_contain_text("Say what the warning is about")
    assert_accessible(page)
    _fits(page)
    warning.fill("Please keep replies kind.")
    page.locator("article.mod-item").first.get_by_role("button", name="Send warning").click()
    expect(page).to_have_url(f"{url}/forum/moderation")
    expect(page.locator(".flash")).to_contain_text("Nia Carer has been sent the warning.")
