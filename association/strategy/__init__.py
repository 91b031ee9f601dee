"""The Foster Strategy Group: feedback items, service meetings, packs, outcomes, 'you said, we did'."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask


def register(app: Flask) -> None:
    from ..core import hooks
    from . import pack_views, workspace_views  # noqa: F401  (routes on the strategy blueprint)
    from .models import OUTCOME_STATUSES, OWNERS
    from .views import bp

    # One set of words for an action's status and owner: the form's choices, every page, the
    # pack and the emails all read these (templates through strategy/_macros.html).
    app.jinja_env.globals.update(strategy_outcome_statuses=OUTCOME_STATUSES, strategy_owners=OWNERS)
    app.register_blueprint(bp)
    from ..core.waiting import declare_waiting
    from .items import triage_queue_size

    declare_waiting(app, "strategy_triage", ("strategy",), triage_queue_size)
    hooks.loading_attachment.connect(attachment, sender=app)
    hooks.seeding_demo.connect(seed_demo, sender=app)
    hooks.listing_daily_jobs.connect(daily_jobs, sender=app)


def attachment(_app: Flask, kind: str, ident: str) -> tuple[str, str, bytes] | None:
    """An issued pack's PDF (``pack-pdf:<version id>``), for ``hooks.loading_attachment``."""
    if kind != "pack-pdf":
        return None
    from ..extensions import db
    from .models import PackVersion

    version = db.session.get(PackVersion, int(ident))
    if version is None:  # the outbox shows this on the failed message
        raise LookupError(f"no issued pack version {ident}")
    return f"carers-feedback-pack-v{version.version}.pdf", "application/pdf", version.pdf


def seed_demo(_app: Flask, members: dict) -> None:
    """Themes, items, service meetings, packs and outcomes, for ``hooks.seeding_demo``."""
    from .demo import seed_strategy

    seed_strategy(members)


def daily_jobs(_app: Flask) -> dict[str, Callable[[], object]]:
    """Reminders before a service meeting's cut-off, for the worker (``hooks.listing_daily_jobs``)."""
    from .meetings import send_reminders

    return {"strategy-reminders": send_reminders}
