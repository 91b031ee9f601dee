"""The strategy group's pack pages: the pack as it stands, the confirmation before it goes to the
service, issuing it, and the versions issued."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..core.access import role_required
from ..extensions import db
from . import issuing, packs
from .forms import IssueForm
from .models import PackVersion, ServiceMeeting
from .views import bp


def _meeting(meeting_id: int) -> ServiceMeeting:
    return db.get_or_404(ServiceMeeting, meeting_id)


@bp.get("/meetings/<int:meeting_id>/pack")
@role_required("strategy")
def pack(meeting_id: int):
    found = _meeting(meeting_id)
    versions = list(
        db.session.scalars(
            select(PackVersion).where(PackVersion.meeting_id == found.id).order_by(PackVersion.version.desc())
        )
    )
    return render_template(
        "strategy/pack.html",
        meeting=found,
        pack=packs.compile_pack(found),
        versions=versions,
        item_hrefs={
            "outcome": _item_href("strategy.outcome", meeting_id=found.id),
            "triage": _item_href("strategy.triage"),
        },
    )


_ITEM = 918273645546372819  # stands for the item id in a link built once for a whole list


def _item_href(endpoint: str, **values) -> tuple[str, str]:
    """``url_for(endpoint, item_id=…)`` split around the item id: built once and joined with each
    item's id in the template, instead of a url_for per link (a pack lists up to a thousand items)."""
    before, _, after = url_for(endpoint, item_id=_ITEM, **values).partition(str(_ITEM))
    return before, after


@bp.route("/meetings/<int:meeting_id>/issue", methods=["GET", "POST"])
@role_required("strategy")
def issue(meeting_id: int):
    """GET: who receives what, before anything is sent. POST: issue what that page showed."""
    found = _meeting(meeting_id)
    form = IssueForm()
    if request.method == "GET":
        shown = issuing.confirmation(found)
        form.version.data, form.digest.data = str(shown.version), shown.digest
        return render_template(
            "strategy/issue.html", meeting=found, shown=shown, form=form, triage_href=_item_href("strategy.triage")
        )
    seen = form.seen() if form.validate_on_submit() else None
    try:
        if seen is None:
            raise issuing.PackChanged("This confirmation is incomplete. Check the pack below and confirm again.")
        version = issuing.issue_pack(found, current_user, seen)
    except issuing.AlreadyIssued as error:
        db.session.rollback()
        flash(str(error), "info")
        return redirect(url_for("strategy.pack", meeting_id=found.id))
    except packs.PackError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("strategy.issue", meeting_id=found.id))
    flash(
        f"Version {version.version} issued and emailed to {len(found.attendees)} "
        f"{'person' if len(found.attendees) == 1 else 'people'} from the service.",
        "success",
    )
    return redirect(url_for("strategy.pack", meeting_id=found.id))


@bp.get("/meetings/<int:meeting_id>/pack/preview")
@role_required("strategy")
def pack_preview(meeting_id: int):
    """The pack document as it would be issued now: for the group to read before confirming."""
    response = Response(packs.render_pack_html(packs.compile_pack(_meeting(meeting_id))), mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/meetings/<int:meeting_id>/pack.csv")
@role_required("strategy")
def pack_csv(meeting_id: int):
    found = _meeting(meeting_id)
    return Response(
        packs.pack_csv(packs.compile_pack(found)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="pack-{found.id}.csv"'},
    )


@bp.get("/packs/<int:version_id>")
@role_required("strategy")
def version(version_id: int):
    found = db.get_or_404(PackVersion, version_id)
    return Response(found.html, mimetype="text/html")


@bp.get("/packs/<int:version_id>.pdf")
@role_required("strategy")
def version_pdf(version_id: int):
    found = db.get_or_404(PackVersion, version_id)
    return Response(
        found.pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="pack-{found.meeting_id}-v{found.version}.pdf"'},
    )


@bp.post("/packs/<int:version_id>/revoke")
@role_required("strategy")
def revoke(version_id: int):
    found = db.get_or_404(PackVersion, version_id)
    issuing.revoke(found, current_user)
    flash("The shared link no longer works.", "success")
    return redirect(url_for("strategy.pack", meeting_id=found.meeting_id))
