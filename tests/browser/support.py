"""Plain helpers for browser tests: the app served on a real port, the outbox worker on demand, an
axe check, and signing in through the real form. The fixtures that use them are in conftest.py.

The app uses a SQLite file, not ``sqlite://``: the server answers each request on its own thread,
and an in-memory database would be a different, empty one per connection.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import Page
from werkzeug.serving import make_server

from ..smtp import free_port
from ..support import make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
BLOCKING_IMPACTS = ("serious", "critical")


@dataclass
class LiveApp:
    app: Flask
    url: str


@contextmanager
def serve(tmp_path, smtp, **overrides):
    """The app on a real port, with ``overrides`` on top of the usual live settings."""
    port = free_port()
    settings = dict(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        MAIL_SUPPRESS_SEND=False,
        BASE_URL=f"http://127.0.0.1:{port}",
        # A real browser carries the session cookie, so the forms' CSRF tokens can be checked too.
        WTF_CSRF_ENABLED=True,
    )
    app = make_app(f"sqlite:///{tmp_path / 'live.sqlite'}", **{**settings, **overrides})
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-app", daemon=True)
    thread.start()
    try:
        yield LiveApp(app, f"http://127.0.0.1:{port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        from association.extensions import db

        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def deliver(app) -> None:
    """Run the outbox worker once, as ``flask worker --once`` would."""
    from association.mail.worker import deliver_due

    with app.app_context():
        deliver_due()


def assert_accessible(page: Page) -> None:
    """No serious or critical axe violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    if violations:
        lines = [f"axe found {len(violations)} serious/critical violation(s) on {page.url}:"]
        for v in violations:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
            for node in v["nodes"]:
                summary = " ".join(line.strip() for line in node.get("failureSummary", "").splitlines())
                lines.append(f"    {node['target']}: {summary}")
        pytest.fail("\n".join(lines))


def open_menu(page: Page) -> None:
    """On a phone the site's links sit behind the Menu button: open it (nothing to do when wide)."""
    menu = page.locator("details.site-menu")
    if menu.is_visible() and menu.get_attribute("open") is None:
        menu.locator("summary").click()


def sign_in(page: Page, url: str, email: str, password: str) -> None:
    """Sign in through the real form, checking the sign-in page with axe on the way."""
    from playwright.sync_api import expect

    page.goto(f"{url}/login")
    assert_accessible(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda address: "/login" not in address)
    open_menu(page)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
