"""The Foster Strategy Group: feedback items, service meetings, packs, outcomes, 'you said, we did'."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from ..extensions import db
    from ..mail.attachments import LOADERS
    from ..members.demo import DEMO_SEEDERS
    from . import pack_views, workspace_views  # noqa: F401  (routes on the strategy blueprint)
    from .demo import seed_strategy
    from .models import OUTCOME_STATUSES, OWNERS, PackVersion
    from .views import bp

    def pack_pdf(version_id: str) -> tuple[str, str, bytes]:
        version = db.session.get(PackVersion, int(version_id))
        return f"carers-feedback-pack-v{version.version}.pdf", "application/pdf", version.pdf

    LOADERS["pack-pdf"] = pack_pdf
    # One set of words for an action's status and owner: the form's choices, every page, the
    # pack and the emails all read these (templates through strategy/_macros.html).
    app.jinja_env.globals.update(strategy_outcome_statuses=OUTCOME_STATUSES, strategy_owners=OWNERS)
    app.register_blueprint(bp)
    from ..core.waiting import declare_waiting
    from .items import triage_queue_size

    declare_waiting(app, "strategy_triage", ("strategy",), triage_queue_size)
    if seed_strategy not in DEMO_SEEDERS:
        DEMO_SEEDERS.append(seed_strategy)
