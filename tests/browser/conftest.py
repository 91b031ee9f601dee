"""Browser fixtures: the app served on a real port, one Chromium for the session, and a
phone-sized page per person. The plain helpers (serving the app, delivering mail, the axe check,
signing in) are in tests/browser/support.py.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from .support import CHROMIUM, CHROMIUM_ARGS, PHONE, serve


@pytest.fixture
def live_app(tmp_path, smtp):
    with serve(tmp_path, smtp) as live:
        yield live


@pytest.fixture(scope="session")
def browser() -> Browser:
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def new_page(browser):
    """Make a page in a context of its own, one per person, so their cookies never mix."""
    contexts = []

    def make() -> Page:
        context = browser.new_context(viewport=PHONE)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()
