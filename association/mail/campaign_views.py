"""Admins and the committee write to members: compose, preview, test, send or schedule, history."""
from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core.access import role_required
from ..core.paging import paginate, requested_page
from ..core.versions import EditConflict, EditVersionField, against_saved, claim_edit, seen_version
from ..extensions import db
from .audiences import Recipient
from .campaign_forms import CampaignForm, ScheduleForm
from .campaigns import (CampaignError, Personaliser, audience_label, audience_of, delivery_counts, failures,
                        queue_campaign, save_draft, schedule, send_test, unschedule)
from .models import Campaign

bp = Blueprint("campaigns", __name__, url_prefix="/admin/mail")
PAGE_SIZE = 25
may_send = role_required("admin", "committee")
# The email preview is a whole HTML document with inline styles, as mail clients need.
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'none'"


def _campaign(campaign_id: int) -> Campaign:
    return db.session.get(Campaign, campaign_id) or abort(404)


@bp.get("/")
@may_send
def history():
    query = select(Campaign)
    paging = paginate(query, requested_page(), PAGE_SIZE)
    campaigns = list(db.session.scalars(query.options(selectinload(Campaign.created_by))
                                        .order_by(Campaign.id.desc()).offset(paging.offset).limit(PAGE_SIZE)))
    return render_template("mail/campaign_history.html", campaigns=campaigns, page=paging.page, pages=paging.pages,
                           counts=delivery_counts([c.id for c in campaigns]))


@bp.route("/new", methods=["GET", "POST"])
@may_send
def compose():
    form = CampaignForm()
    if form.validate_on_submit():
        campaign = save_draft(form.to_draft(), current_user)
        return redirect(url_for("campaigns.review", campaign_id=campaign.id))
    return render_template("mail/campaign_compose.html", form=form, campaign=None)


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@may_send
def edit(campaign_id: int):
    campaign = _campaign(campaign_id)
    if campaign.status != "draft":
        flash("Only a draft can be changed. Cancel the schedule first to change a scheduled email.", "error")
        return redirect(url_for("campaigns.review", campaign_id=campaign.id))
    form = CampaignForm()
    conflict: list = []
    if form.validate_on_submit():
        try:
            claim_edit(campaign, seen_version(form))
            save_draft(form.to_draft(), current_user, campaign)
            return redirect(url_for("campaigns.review", campaign_id=campaign.id))
        except EditConflict:
            db.session.rollback()
            campaign = _campaign(campaign_id)
            conflict = against_saved(form, campaign, lambda saved: saved.fill_from(campaign))
    if not form.is_submitted():
        form.fill_from(campaign)
    return render_template("mail/campaign_compose.html", form=form, campaign=campaign, conflict=conflict)


@bp.get("/<int:campaign_id>")
@may_send
def review(campaign_id: int):
    campaign = _campaign(campaign_id)
    context = {"campaign": campaign, "label": audience_label(campaign)}
    if campaign.status in ("draft", "scheduled"):
        subject, text, _ = Personaliser(campaign).copy_for(_me())
        context.update(audience=audience_of(campaign), preview_subject=subject, preview_text=text,
                       schedule_form=ScheduleForm())
    else:
        context.update(counts=delivery_counts([campaign.id])[campaign.id], failed=failures(campaign))
    return render_template("mail/campaign_review.html", **context)


@bp.get("/<int:campaign_id>/preview")
@may_send
def preview(campaign_id: int):
    _, _, html = Personaliser(_campaign(campaign_id)).copy_for(_me())
    response = make_response(html)
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.post("/<int:campaign_id>/test")
@may_send
def test(campaign_id: int):
    send_test(_campaign(campaign_id), current_user)
    flash(f"A test copy is on its way to {current_user.email}.", "success")
    return redirect(url_for("campaigns.review", campaign_id=campaign_id))


@bp.post("/<int:campaign_id>/send")
@may_send
def send(campaign_id: int):
    campaign = _campaign(campaign_id)
    try:
        _as_reviewed(campaign)
        queued = queue_campaign(campaign, current_user)
    except CampaignError as error:
        flash(str(error), "error")
    else:
        flash(f"Sending to {queued} member{'s' if queued != 1 else ''} now.", "success")
    return redirect(url_for("campaigns.review", campaign_id=campaign_id))


@bp.post("/<int:campaign_id>/schedule")
@may_send
def schedule_send(campaign_id: int):
    campaign = _campaign(campaign_id)
    form = ScheduleForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(errors), "error")
        return redirect(url_for("campaigns.review", campaign_id=campaign_id))
    try:
        _as_reviewed(campaign)
        schedule(campaign, form.when_utc(), current_user)
    except CampaignError as error:
        flash(str(error), "error")
    else:
        flash("Scheduled. You can change your mind until then.", "success")
    return redirect(url_for("campaigns.review", campaign_id=campaign_id))


@bp.post("/<int:campaign_id>/unschedule")
@may_send
def cancel_schedule(campaign_id: int):
    if unschedule(_campaign(campaign_id)):
        flash("The schedule is cancelled; the email is a draft again.", "success")
    else:
        flash("It is no longer scheduled: it may have just been sent.", "error")
    return redirect(url_for("campaigns.review", campaign_id=campaign_id))


def _as_reviewed(campaign: Campaign) -> None:
    """What is sent is what the sender reviewed: a change saved since then stops the send."""
    try:
        claim_edit(campaign, EditVersionField.read(request.form.get("edit_version", "")))
    except EditConflict:
        db.session.rollback()
        raise CampaignError("This email was changed after you opened this page. Check the new version below "
                            "before sending it.") from None


def _me() -> Recipient:
    return Recipient(current_user.id, current_user.name, current_user.email, current_user.renewal_date)
