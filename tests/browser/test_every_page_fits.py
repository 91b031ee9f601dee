"""Every page fits the screen: rendered in Chromium at 390 x 844 (a phone) and 1280 x 800 (a
laptop), no page scrolls sideways and no visible element is wider than its box (text cut off,
a card pushed past its column), unless the element is a deliberate scroller (overflow-x auto or
scroll on itself, such as a wide table's wrapper) or sits inside one.

Each GET page of ``app.url_map`` that answers HTML is rendered once, as the most privileged
visitor who may see it (who sees the most on it), and signed out too when it is public; the
objects are the access-control test's and the hostile sweep's (tests/page_crawl.py). SQLite only:
the layout does not depend on the database engine.
"""

from __future__ import annotations

import time

import pytest

from ..page_crawl import client_as, one_role, session_cookie
from ..test_access_control import people  # noqa: F401 (fixture)
from ..test_hostile_sweep import sweep_objects  # noqa: F401 (fixture)
from ..test_page_wording import history  # noqa: F401 (fixture: something in every log)
from .support import serve

pytestmark = pytest.mark.browser

WIDTHS = ({"width": 390, "height": 844}, {"width": 1280, "height": 800})

# What overflows, as the page is now: the page itself, then each visible element wider than its
# box that is not a deliberate scroller (nor inside one).
OVERFLOW = """() => {
  const root = document.documentElement;
  const found = [];
  const describe = (el, scroll, client) => ({
    tag: el.tagName.toLowerCase(), cls: typeof el.className === 'string' ? el.className : '',
    text: (el.innerText || '').replace(/\\s+/g, ' ').trim().slice(0, 60), scroll, client});
  const scrolls = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const inScroller = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (scrolls(up)) return true;
    }
    return false;
  };
  const shown = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility !== 'visible' || !el.getClientRects().length) return false;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) return false;  // visually hidden text for screen readers
    const closed = el.closest('details:not([open])');  // a closed disclosure shows only its summary
    return !closed || closed.querySelector(':scope > summary')?.contains(el);
  };
  if (root.scrollWidth > root.clientWidth) {
    // The page scrolls sideways: name the outermost elements that reach past its right edge.
    const width = root.clientWidth;
    for (const el of document.body.querySelectorAll('*')) {
      if (!shown(el) || inScroller(el) || el.getBoundingClientRect().right <= width + 1) continue;
      const parent = el.parentElement;
      if (parent !== document.body && parent.getBoundingClientRect().right > width + 1) continue;
      found.push(describe(el, Math.round(el.getBoundingClientRect().right), width));
    }
    if (!found.length) found.push(describe(root, root.scrollWidth, width));
  }
  for (const el of document.body.querySelectorAll('*')) {
    // A chart's shapes and text are laid out in its own coordinates (they have no CSS box: their
    // clientWidth is 0); the <svg> itself is checked like any other element.
    if (el instanceof SVGElement && !(el instanceof SVGSVGElement)) continue;
    if (el.scrollWidth <= el.clientWidth + 1) continue;
    // A text box scrolls its own text as the caret moves; inline boxes have no width of their own.
    if (['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)) continue;
    const display = getComputedStyle(el).display;
    if (display === 'inline' || display === 'contents') continue;
    if (scrolls(el) || !shown(el) || inScroller(el)) continue;
    found.push(describe(el, el.scrollWidth, el.clientWidth));
  }
  return found;
}"""


@pytest.fixture
def live(tmp_path, smtp):
    with serve(tmp_path, smtp, RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False) as live:
        yield live


@pytest.fixture
def app(live):
    """The served app, so that the access-control objects are made in the database it serves."""
    return live.app


@pytest.fixture
def long_values(live, people):
    """The long things people really write: an email address and a service's full name with no
    break in them, and a word longer than a phone is wide in a title (they must wrap, not push)."""
    from association.extensions import db
    from association.forum.models import Thread
    from association.members.models import Member

    long_email = "firstname.middlename.lastname-household@brightpathfosteringpartnership.example.org"
    with live.app.app_context():
        for role in ("applicant", "target"):
            member = db.session.get(Member, people[role].id)
            member.email = long_email.replace("household", role)
            member.service_name = "Brightpath Independent Fostering Partnership (North, West and Coastal Districts)"
        db.session.get(
            Thread, people["thread"]
        ).title = "Bedtime routines: Supercalifragilisticexpialidocious-sleepovers"
        db.session.commit()


def test_every_page_fits_a_phone_and_a_laptop(browser, live, people, sweep_objects, history, long_values):
    started = time.perf_counter()
    clients = {}

    def shown_as_a_page(seen) -> bool:  # not a redirect, a download or a feed
        client = clients.setdefault(seen.role, client_as(live.app, people, seen.role))
        response = client.get(seen.url)
        return response.status_code == 200 and response.mimetype == "text/html"

    pages = [seen for seen in one_role(live.app, people, sweep_objects) if shown_as_a_page(seen)]
    contexts, failures, rendered = {}, [], 0
    try:
        for seen in pages:
            if seen.role not in contexts:
                context = browser.new_context(viewport=WIDTHS[0])
                context.set_default_timeout(10_000)
                cookie = session_cookie(live.app, people, seen.role)
                if cookie:
                    context.add_cookies(
                        [{"name": live.app.config["SESSION_COOKIE_NAME"], "value": cookie, "url": live.url}]
                    )
                contexts[seen.role] = context.new_page()
            page = contexts[seen.role]
            for size in WIDTHS:
                page.set_viewport_size(size)
                page.goto(live.url + seen.url, wait_until="load")
                rendered += 1
                for found in page.evaluate(OVERFLOW):
                    failures.append(
                        f"{seen.url} as {seen.role} at {size['width']} px: <{found['tag']}"
                        + (f' class="{found["cls"]}"' if found["cls"] else "")
                        + f"> {found['scroll']} px in {found['client']} px, text {found['text']!r}"
                    )
    finally:
        for page in contexts.values():
            page.context.close()
    elapsed = time.perf_counter() - started
    print(f"\nlayout sweep: {rendered} renderings of {len(pages)} pages in {elapsed:.1f} s")
    assert rendered > 100, f"only {rendered} renderings: is the crawl broken?"
    assert not failures, f"{len(failures)} overflows:\n" + "\n".join(failures)
