"""The directory and a member's own account pages."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user
from sqlalchemy.orm import selectinload

from ..core.access import member_required
from ..core.forms import required
from ..core.paging import requested_page
from ..extensions import db
from . import accounts, privacy, renewals
from .directory import DirectoryFilters, search_directory, set_skills, shared_contact, skill_names_in_use
from .forms import ChangeEmailForm, ChangePasswordForm, LeaveForm, ProfileForm, RenewForm
from .models import Member, MemberStatus
from .passwords import verify_password

bp = Blueprint("members", __name__)
PROFILE_CHOICES = ("buddy_willing", "share_email", "share_phone", "share_service", "share_category")


@bp.get("/members/")
@member_required
def directory():
    filters = DirectoryFilters(
        q=request.args.get("q", "")[:100],
        area=request.args.get("area", "")[:80],
        service=request.args.get("service", "")[:120],
        skill=request.args.get("skill", "")[:60],
        buddy=request.args.get("buddy") == "1",
    )
    entries, paging = search_directory(filters, requested_page())
    return render_template(
        "members/directory.html",
        entries=entries,
        filters=filters,
        page=paging.page,
        pages=paging.pages,
        shared_contact=shared_contact,
        skills=skill_names_in_use(),
    )


@bp.get("/members/<int:member_id>")
@member_required
def profile(member_id: int):
    member = db.session.get(Member, member_id, options=[selectinload(Member.skills), selectinload(Member.household)])
    if member is None or member.status != MemberStatus.ACTIVE:
        abort(404)
    return render_template("members/profile.html", member=member, contact=shared_contact(member))


@bp.route("/account/", methods=["GET", "POST"])
@login_required
def account():
    form = ProfileForm(obj=current_user)
    # obj= also fills "skills" from the member's Skill rows when a post leaves the field out: keep them.
    if request.method == "GET" or "skills" not in request.form:
        form.skills.data = ", ".join(s.name for s in current_user.skills)
    if form.validate_on_submit():
        for name in PROFILE_CHOICES:
            setattr(current_user, name, getattr(form, name).data)
        current_user.phone = (form.phone.data or "").strip() or None
        current_user.area = required(form.area).strip()
        current_user.service_name = required(form.service_name).strip()
        set_skills(current_user, (form.skills.data or "").split(","))
        db.session.commit()
        flash("Your details are saved.", "success")
        return redirect(url_for("members.account"))
    return render_template("members/account.html", form=form, may_renew=renewals.can_ask_to_renew(current_user))


@bp.route("/account/renew", methods=["GET", "POST"])
@login_required
def renew():
    form = RenewForm()
    if not renewals.can_ask_to_renew(current_user):
        return redirect(url_for("members.account"))
    if form.validate_on_submit():
        try:
            renewals.request_renewal(current_user)
            flash("We've asked the committee to renew your membership. They'll email you when it's done.", "success")
        except renewals.RenewalError as error:
            flash(str(error), "error")
        return redirect(url_for("members.account"))
    return render_template("members/renew.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, required(form.current)):
            form.current.errors = [*form.current.errors, "That isn't your current password."]
        elif form.check_new_password(current_user.email, current_user.name):
            accounts.set_password(current_user, required(form.password))
            login_user(current_user._get_current_object())  # keep this session after the version bump
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("members.account"))
    return render_template("members/change_password.html", form=form)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, required(form.current)):
            form.current.errors = [*form.current.errors, "That isn't your current password."]
        else:
            accounts.request_email_change(current_user, form.email.data)
            flash(f"We've sent a link to {form.email.data}. Your email changes when you open it.", "info")
            return redirect(url_for("members.account"))
    return render_template("members/change_email.html", form=form)


@bp.get("/account/export.json")
@login_required
def export_data():
    body = json.dumps(privacy.export_member_data(current_user), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-association-data.json"'},
    )


@bp.route("/account/leave", methods=["GET", "POST"])
@login_required
def leave():
    form = LeaveForm()
    if form.validate_on_submit():
        privacy.request_to_leave(current_user, form.reason.data or "")
        flash("We've told the committee. They will remove your details and let you know.", "info")
        return redirect(url_for("members.account"))
    return render_template("members/leave.html", form=form)
