"""The registry for admins: list, edit, households, erase, CSV export and import."""

from __future__ import annotations

from datetime import datetime

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..core.access import role_required
from ..core.audit import record
from ..core.errors import DomainError
from ..core.forms import required, show_domain_error
from ..core.paging import requested_page
from ..core.versions import EditConflict, against_saved, seen_version
from ..extensions import db
from ..mail.outbox import undelivered_to
from ..members import csv_io, editing, registry
from ..members.applications import find_by_email
from ..members.models import APPROVAL_CATEGORIES, ROLES, STATUSES, Member, MemberStatus
from .forms import ConfirmForm, HouseholdForm, ImportConfirmForm, ImportForm, MemberEditForm
from .views import bp


def _member(member_id: int) -> Member:
    member = db.session.get(Member, member_id, options=[selectinload(Member.household)])
    if member is None or member.erased_at is not None:
        abort(404)
    return member


@bp.get("/members")
@role_required("admin", "committee")
def members():
    filters = registry.RegistryFilters(
        q=request.args.get("q", "")[:100],
        status=request.args.get("status", ""),
        role=request.args.get("role", ""),
        category=request.args.get("category", ""),
        renewal_due=request.args.get("renewal_due") == "1",
    )
    rows, paging = registry.list_members(filters, requested_page())
    return render_template(
        "admin/members.html",
        members=rows,
        filters=filters,
        page=paging.page,
        pages=paging.pages,
        total=paging.total,
        statuses=STATUSES,
        roles=ROLES,
        categories=APPROVAL_CATEGORIES,
    )


@bp.get("/members/export.csv")
@role_required("admin")
def export_members():
    record("member.export", None, "registry exported as CSV")
    db.session.commit()
    body = csv_io.export_csv(csv_io.registry_for_export())
    stamp = datetime.now().strftime("%Y-%m-%d")
    return Response(
        body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="members-{stamp}.csv"'}
    )


@bp.route("/members/<int:member_id>", methods=["GET", "POST"])
@role_required("admin", "committee")
def edit_member(member_id: int):
    member = _member(member_id)
    form = MemberEditForm(obj=member)
    if request.method == "GET":
        form.roles.data = sorted(member.roles)
    may_edit = editing.may_edit(current_user, member)
    conflict: list = []
    if form.validate_on_submit():
        if not may_edit:
            abort(403)
        try:
            editing.edit_member(member, _changes(form), current_user, seen_version(form))
            db.session.commit()
            flash(
                "Saved."
                + (
                    f" We've emailed {required(form.email).strip().lower()} a link to confirm the new address; "
                    "until it is used the old one stays."
                    if member.pending_email
                    else ""
                ),
                "success",
            )
            return redirect(url_for("admin.edit_member", member_id=member.id))
        except editing.EditRefused as error:
            db.session.rollback()
            flash(str(error), "error")
        except EditConflict:
            db.session.rollback()
            member = _member(member_id)
            conflict = against_saved(form, member, lambda saved: _fill(saved, member))
    return _member_page(member, form, conflict=conflict)


def _member_page(
    member: Member,
    form: MemberEditForm | None = None,
    household_form: HouseholdForm | None = None,
    conflict: list | None = None,
) -> str:
    """The member's page. The form that was sent (details, or the household link) is drawn with what was
    typed and its messages; the other is drawn fresh from the record, not from this request's form data."""
    if form is None:
        form = MemberEditForm(formdata=None, obj=member)
        form.roles.data = sorted(member.roles)
    return render_template(
        "admin/member_edit.html",
        member=member,
        form=form,
        bounced=undelivered_to(member.id),
        household_form=household_form or HouseholdForm(formdata=None),
        confirm_form=ConfirmForm(),
        may_edit=editing.may_edit(current_user, member),
        may_change_email=editing.may_change_email(current_user),
        conflict=conflict or [],
    )


def _fill(form: MemberEditForm, member: Member) -> None:
    form.process(obj=member)
    form.roles.data = sorted(member.roles)


def _changes(form: MemberEditForm) -> editing.MemberChanges:
    admin = current_user.has_role("admin")
    return editing.MemberChanges(
        details={name: getattr(form, name).data for name in editing.DETAIL_FIELDS},
        email=required(form.email),
        roles=set(form.roles.data or []) if admin else None,
        status=form.status.data if admin else None,
        status_reason=form.status_reason.data or "",
    )


@bp.post("/members/<int:member_id>/household")
@role_required("admin")
def link_household(member_id: int):
    member = _member(member_id)
    form = HouseholdForm()
    if form.validate_on_submit():
        partner = find_by_email(required(form.partner_email))
        if partner is None or partner.erased_at is not None or partner.status == MemberStatus.APPLICANT:
            form.partner_email.errors = [*form.partner_email.errors, "No member has that email address."]
        else:
            try:
                household = registry.link_household(member, partner, current_user)
                db.session.commit()
                flash(f"Linked in the {household.name}.", "success")
                return redirect(url_for("admin.edit_member", member_id=member.id))
            except DomainError as error:
                db.session.rollback()
                show_domain_error(form, error)
    return _member_page(member, household_form=form), 400


@bp.post("/members/<int:member_id>/household/unlink")
@role_required("admin")
def unlink_household(member_id: int):
    member = _member(member_id)
    if ConfirmForm().validate_on_submit():
        registry.unlink_household(member, current_user)
        db.session.commit()
        flash("Unlinked from the household.", "success")
    return redirect(url_for("admin.edit_member", member_id=member.id))


@bp.route("/members/<int:member_id>/erase", methods=["GET", "POST"])
@role_required("admin")
def erase_member(member_id: int):
    member = _member(member_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            registry.erase_member(member, current_user)
        except DomainError as error:
            flash(str(error), "error")
            return redirect(url_for("admin.edit_member", member_id=member.id))
        flash("Their personal details are erased. Anything they wrote now shows as 'Former member'.", "success")
        return redirect(url_for("admin.members"))
    return render_template("admin/member_erase.html", member=member, form=form)


@bp.route("/members/import", methods=["GET", "POST"])
@role_required("admin")
def import_members():
    form = ImportForm()
    if form.validate_on_submit():
        raw = form.file.data.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            form.file.errors.append("This file isn't UTF-8 text. In your spreadsheet, save it as 'CSV UTF-8'.")
            return render_template("admin/import.html", form=form), 400
        preview = csv_io.parse_import(text)
        confirm = ImportConfirmForm(csv_text=text)
        return render_template("admin/import_preview.html", preview=preview, confirm_form=confirm)
    return render_template("admin/import.html", form=form), 400 if form.errors else 200


@bp.post("/members/import/confirm")
@role_required("admin")
def confirm_import():
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        flash("The import expired; please upload the file again.", "error")
        return redirect(url_for("admin.import_members"))
    preview = csv_io.parse_import(required(form.csv_text))
    if not preview.ok:
        # Checked again: the registry may have changed since the preview.
        return render_template("admin/import_preview.html", preview=preview, confirm_form=form), 400
    created = csv_io.import_members(preview, current_user, form.send_welcome.data)
    flash(f"Imported {len(created)} members.", "success")
    return redirect(url_for("admin.members"))
