"""Admins and the committee write to members: compose, review, test, confirm sending or a schedule,
stop a send part-way, history."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core.access import role_required
from ..core.paging import paginate, requested_page
from ..core.versions import EditConflict, against_saved, claim_edit, seen_version
from ..extensions import db
from .audiences import Recipient
from .forms import CampaignForm, ConfirmScheduleForm, ConfirmSendForm, ScheduleForm
from .models import Campaign, CampaignStatus
from .queueing import (
    CampaignError,
    Personaliser,
    audience_label,
    audience_of,
    delivery_counts,
    failures,
    save_draft,
    send_test,
    unschedule,
)
from .sending import (
    STATUS_WORDS,
    ConfirmationOutdated,
    cancel_sending,
    check_campaign,
    confirmation_for,
    delivery_state,
    describe_withdrawal,
    recipients_page,
    schedule_confirmed,
    send_confirmed,
    unsent_count,
)

bp = Blueprint("campaigns", __name__, url_prefix="/admin/mail")
PAGE_SIZE = 25
RECIPIENTS_PAGE_SIZE = 100
INCOMPLETE = "This confirmation was incomplete, so nothing was sent. Check the page again and confirm."
may_send = role_required("admin", "committee")
# The email preview is a whole HTML document with inline styles, as mail clients need.
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'none'"


def _campaign(campaign_id: int) -> Campaign:
    return db.get_or_404(Campaign, campaign_id)


@bp.get("/")
@may_send
def history():
    query = select(Campaign)
    paging = paginate(query, requested_page(), PAGE_SIZE)
    campaigns = list(
        db.session.scalars(
            query.options(selectinload(Campaign.created_by))
            .order_by(Campaign.id.desc())
            .offset(paging.offset)
            .limit(PAGE_SIZE)
        )
    )
    return render_template(
        "campaigns/history.html",
        campaigns=campaigns,
        page=paging.page,
        pages=paging.pages,
        counts=delivery_counts([c.id for c in campaigns]),
        delivery_state=delivery_state,
    )


@bp.route("/new", methods=["GET", "POST"])
@may_send
def compose():
    form = CampaignForm()
    if form.validate_on_submit():
        campaign = save_draft(form.to_draft(), current_user)
        return redirect(url_for("campaigns.review", campaign_id=campaign.id))
    return render_template("campaigns/compose.html", form=form, campaign=None)


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@may_send
def edit(campaign_id: int):
    campaign = _campaign(campaign_id)
    if campaign.status != CampaignStatus.DRAFT:
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
    return render_template("campaigns/compose.html", form=form, campaign=campaign, conflict=conflict)


@bp.get("/<int:campaign_id>")
@may_send
def review(campaign_id: int):
    return _review(_campaign(campaign_id), ScheduleForm(formdata=None, meta={"csrf": False}))


def _review(campaign: Campaign, schedule_form: ScheduleForm, status: int = 200):
    context = {
        "campaign": campaign,
        "label": audience_label(campaign),
        "status_words": STATUS_WORDS,
        "delivery_state": delivery_state,
    }
    if campaign.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
        subject, text, _ = Personaliser(campaign).copy_for(_me())
        context.update(
            audience=audience_of(campaign),
            preview_subject=subject,
            preview_text=text,
            schedule_form=schedule_form,
            checked=check_campaign(campaign),
        )
    else:
        context.update(
            counts=delivery_counts([campaign.id])[campaign.id], failed=failures(campaign), unsent=unsent_count(campaign)
        )
    return render_template("campaigns/review.html", **context), status


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


@bp.route("/<int:campaign_id>/send", methods=["GET", "POST"])
@may_send
def send(campaign_id: int):
    """GET: the confirmation page for sending now. POST: send, if it is still what the page showed."""
    campaign = _campaign(campaign_id)
    form = ConfirmSendForm()
    if not form.validate_on_submit():
        return _confirmation(campaign, None, INCOMPLETE if form.is_submitted() else None)
    try:
        queued = send_confirmed(campaign, *form.seen(), current_user)
    except ConfirmationOutdated as error:
        return _confirmation(campaign, None, str(error))
    except CampaignError as error:
        flash(str(error), "error")
    else:
        flash(f"Sending to {queued} member{'s' if queued != 1 else ''} now.", "success")
    return redirect(url_for("campaigns.review", campaign_id=campaign_id))


@bp.route("/<int:campaign_id>/schedule", methods=["GET", "POST"])
@may_send
def schedule_send(campaign_id: int):
    """GET (from the review page's date and time): the confirmation page. POST: schedule it."""
    campaign = _campaign(campaign_id)
    if request.method == "GET":
        when = ScheduleForm(formdata=request.args, meta={"csrf": False})
        if not when.validate():
            return _review(campaign, when, 400)
        return _confirmation(campaign, when.when_utc())
    form = ConfirmScheduleForm()
    if not form.validate_on_submit():
        flash("That confirmation was incomplete. Choose the date and time again.", "error")
        return redirect(url_for("campaigns.review", campaign_id=campaign_id, _anchor="send-title"))
    try:
        schedule_confirmed(campaign, *form.seen(), form.when_utc(), current_user)
    except ConfirmationOutdated as error:
        return _confirmation(campaign, form.when_utc(), str(error))
    except CampaignError as error:
        flash(str(error), "error")
    else:
        flash("Scheduled. You can change your mind until then.", "success")
    return redirect(url_for("campaigns.review", campaign_id=campaign_id))


def _confirmation(campaign: Campaign, when_utc, notice: str | None = None):
    """The confirmation page, made afresh; ``notice`` says why a confirmation was not taken."""
    try:
        confirmation = confirmation_for(campaign, _me(), when_utc)
    except CampaignError as error:
        flash(str(error), "error")
        return redirect(url_for("campaigns.review", campaign_id=campaign.id))
    status = 200 if notice is None else 400 if notice == INCOMPLETE else 409
    return render_template("campaigns/confirm.html", c=confirmation, notice=notice), status


@bp.get("/<int:campaign_id>/recipients")
@may_send
def recipients(campaign_id: int):
    campaign = _campaign(campaign_id)
    listing = recipients_page(campaign, requested_page(), RECIPIENTS_PAGE_SIZE)
    return render_template(
        "campaigns/recipients.html", campaign=campaign, listing=listing, label=audience_label(campaign)
    )


@bp.post("/<int:campaign_id>/cancel")
@may_send
def cancel(campaign_id: int):
    try:
        result = cancel_sending(_campaign(campaign_id), current_user)
    except CampaignError as error:
        flash(str(error), "error")
    else:
        flash(describe_withdrawal(result), "success")
    return redirect(url_for("campaigns.review", campaign_id=campaign_id))


@bp.post("/<int:campaign_id>/unschedule")
@may_send
def cancel_schedule(campaign_id: int):
    if unschedule(_campaign(campaign_id)):
        flash("The schedule is cancelled; the email is a draft again.", "success")
    else:
        flash("It is no longer scheduled: it may have just been sent.", "error")
    return redirect(url_for("campaigns.review", campaign_id=campaign_id))


def _me() -> Recipient:
    return Recipient(current_user.id, current_user.name, current_user.email, current_user.renewal_date)
