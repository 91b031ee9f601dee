"""Admin dashboard, applications queue, audit log and outbox."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..core.access import role_required
from ..core.audit import AuditEntry
from ..core.errors import DomainError
from ..core.forms import required
from ..core.paging import paginate, requested_page
from ..extensions import db
from ..mail import outbox_words
from ..mail.models import OutboxMessage
from ..members import applications
from ..members.models import Member
from ..members.registry import leave_requests, renewal_requests
from . import log_words
from .dashboard import dashboard_counts
from .forms import ApproveForm, ConfirmForm, DeclineForm
from .outbox_search import outbox_query

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@bp.get("/")
@role_required("admin", "committee")
def dashboard():
    # One name, ``counts``: base.html sets ``waiting`` (the menu's counts) for every page, and
    # that hid the count of applications passed under the same name.
    return render_template(
        "admin/dashboard.html",
        counts=dashboard_counts(),
        leavers=leave_requests(),
        renewals_asked=renewal_requests(),
    )


@bp.get("/applications")
@role_required("admin", "committee")
def application_queue():
    return render_template(
        "admin/applications.html",
        applications=applications.waiting_applications(),
        approve_form=ApproveForm(),
        decline_form=DeclineForm(),
    )


def _waiting_applicant(member_id: int) -> Member:
    return db.get_or_404(Member, member_id)


@bp.post("/applications/<int:member_id>/approve")
@role_required("admin", "committee")
def approve_application(member_id: int):
    member = _waiting_applicant(member_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        flash("The renewal date must be a date like 2027-03-31.", "error")
    else:
        try:
            applications.approve(member, current_user, form.renewal_date.data)
            flash(f"{member.name} is now a member. We've emailed them a link to set their password.", "success")
        except DomainError as error:
            flash(str(error), "error")
    return redirect(url_for("admin.application_queue"))


@bp.post("/applications/<int:member_id>/decline")
@role_required("admin", "committee")
def decline_application(member_id: int):
    member = _waiting_applicant(member_id)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            applications.decline(member, current_user, required(form.reason))
            flash(f"{member.name}'s application was declined and they have been told why.", "info")
        except DomainError as error:
            flash(str(error), "error")
        return redirect(url_for("admin.application_queue"))
    return render_template("admin/decline.html", member=member, form=form), 400


@bp.get("/audit")
@role_required("admin")
def audit_log():
    action = request.args.get("action", "")
    query = select(AuditEntry)
    if action in log_words.AUDIT_ACTIONS:
        query = query.where(AuditEntry.action == action)
    paging = paginate(query, requested_page(), PAGE_SIZE)
    entries = list(db.session.scalars(query.order_by(AuditEntry.id.desc()).offset(paging.offset).limit(PAGE_SIZE)))
    return render_template(
        "admin/audit.html",
        lines=log_words.audit_lines(entries),
        page=paging.page,
        pages=paging.pages,
        action=action if action in log_words.AUDIT_ACTIONS else "",
        actions=log_words.AUDIT_ACTIONS,
    )


@bp.get("/outbox")
@role_required("admin")
def outbox():
    status, recipient = request.args.get("status", ""), request.args.get("to", "")[:120]
    query = outbox_query(status, recipient)
    paging = paginate(query, requested_page(), PAGE_SIZE)
    messages = list(db.session.scalars(query.order_by(OutboxMessage.id.desc()).offset(paging.offset).limit(PAGE_SIZE)))
    return render_template(
        "admin/outbox.html",
        messages=messages,
        status=status,
        recipient=recipient,
        page=paging.page,
        pages=paging.pages,
        words=outbox_words,
        retry_form=ConfirmForm(),
    )


@bp.get("/outbox/<int:message_id>")
@role_required("admin")
def outbox_message(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    return render_template("admin/outbox_message.html", message=message, words=outbox_words, retry_form=ConfirmForm())


@bp.post("/outbox/<int:message_id>/retry")
@role_required("admin")
def retry_message(message_id: int):
    from ..mail.worker import retry_now

    message = db.get_or_404(OutboxMessage, message_id)
    if retry_now(message):
        flash("The message will be sent again shortly.", "success")
    else:
        flash("Only a failed message can be sent again.", "error")
    return redirect(url_for("admin.outbox_message", message_id=message_id))
