"""gunicorn entry for the benchmark: the app in its production configuration, over plain http.

``gunicorn 'bench_wsgi:make_app()'`` with ASSOCIATION_ENV=production, SECRET_KEY and DATABASE_URL
set, as a deployment would. The one change: config.py has no setting to turn secure cookies off,
and over http on 127.0.0.1 a client (rightly) never sends a Secure cookie back, so the benchmark
turns them off here. Everything else is ProductionConfig as it stands.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OVERRIDES = {"SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False}


def make_app():
    from association import create_app

    # Given explicitly as well: config.py reads them when first imported, which may have been
    # before the benchmark set them (it generates data in the same process).
    settings = {"SECRET_KEY": os.environ["SECRET_KEY"], "SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"]}
    if os.environ.get("BASE_URL"):
        settings["BASE_URL"] = os.environ["BASE_URL"]  # feeds' ETags and kept VEVENTs depend on it
    return create_app("production", overrides={**OVERRIDES, **settings})
