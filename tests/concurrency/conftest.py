"""A real, threaded HTTP server on a real database (a SQLite file in WAL mode, and PostgreSQL when
the suite has it), and signed-in visitors who send it 30 requests at the same instant.

The server runs in this process (werkzeug's threaded server: a thread per request, each with its
own database connection), so tests can read the database directly and swap out slow parts that
are not under test (the PDF renderer). One server per engine serves the whole folder: signing 30
members in once keeps the folder fast; each test makes its own thread, item, event or campaign.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from werkzeug.serving import make_server

from association.extensions import db
from tests.support import BACKENDS, make_app

from .support import CROWD, Live, QuietHandler, add_member_cheaply, signed_in


@pytest.fixture(scope="package", params=BACKENDS)
def live(request, tmp_path_factory):
    if request.param == "sqlite":
        # A file, not memory: WAL and one connection per request thread, as deployed.
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'association.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
    app = make_app(
        url,
        RATELIMIT_ENABLED=False,  # 30 sign-ins from one address, 30 applications
        FORUM_MEMBER_PACE=10_000,
        FORUM_NEW_MEMBER_PACE=10_000,
        FORUM_PREMODERATION_POSTS=0,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": CROWD + 5, "max_overflow": 10, "pool_timeout": 60},
    )
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    server.daemon_threads = True
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        members = [add_member_cheaply(app, f"Carer {n:02d}") for n in range(CROWD)]
        admin_id, admin_email = add_member_cheaply(
            app, "Alex Admin", roles=("admin", "committee", "strategy", "moderator")
        )
        with ThreadPoolExecutor(8) as pool:
            crowd = list(pool.map(lambda m: signed_in(base, *m), members))
        yield Live(app, base, request.param, crowd, signed_in(base, admin_id, admin_email))
    finally:
        server.shutdown()
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
