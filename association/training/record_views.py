"""A carer's own pages: "My training", adding training done elsewhere, certificates, the annual review
download, and the public check of a certificate (``/verify/<code>``)."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from ..core.access import member_required
from ..core.forms import required, show_domain_error
from ..core.timefmt import format_date
from ..events.models import KINDS
from ..extensions import db, limiter
from . import certificates, courses, entries
from .forms import EntryForm, ReviewForm, minutes_of
from .models import hours_words
from .records import meetings_attended, training_record
from .views import bp


@bp.get("/training/")
@member_required
def my_training():
    start, end = ReviewForm.last_year()
    return _my_training_page(ReviewForm(formdata=None, start=start, end=end))


def _my_training_page(review_form: ReviewForm, status: int = 200):
    attended, attended_total = meetings_attended(current_user.id)
    page = render_template(
        "training/my_training.html",
        record=training_record(current_user.id),
        review_form=review_form,
        hours_words=hours_words,
        attended=attended,
        attended_total=attended_total,
        kinds=KINDS,
    )
    return page, status


@bp.route("/training/add", methods=["GET", "POST"])
@member_required
def add_entry():
    form = EntryForm()
    form.topics.choices = courses.topic_choices()
    if form.validate_on_submit():
        try:
            upload = None
            if form.certificate.data and form.certificate.data.filename:
                upload = entries.read_upload(form.certificate.data.stream, form.certificate.data.filename)
            details = entries.EntryDetails(
                form.title.data or "",
                form.provider.data or "",
                required(form.completed_on),
                minutes_of(required(form.hours)),
                form.topics.data or [],
            )
            entry = entries.add_entry(current_user.id, details, upload)
            db.session.commit()
            flash(f"Added to your training record: {entry.title}.", "success")
            return redirect(url_for("training.my_training"))
        except entries.EntryError as error:
            db.session.rollback()
            show_domain_error(form, error)
    return render_template("training/add_entry.html", form=form), 400 if form.errors else 200


@bp.post("/training/entries/<int:entry_id>/delete")
@member_required
def delete_entry(entry_id: int):
    entry = entries.own_entry(current_user.id, entry_id)
    if entry is None:
        abort(404)
    title = entry.title
    entries.delete_entry(entry)
    db.session.commit()
    flash(f"Taken off your training record: {title}.", "success")
    return redirect(url_for("training.my_training"))


@bp.get("/training/entries/<int:entry_id>/certificate")
@member_required
def entry_certificate(entry_id: int):
    """The certificate file a member added: to its owner only, as a download, never shown inline."""
    entry = entries.own_entry(current_user.id, entry_id)
    path = entries.certificate_path(entry) if entry is not None else None
    if entry is None or path is None:
        abort(404)
    response = send_file(
        path,
        mimetype=entry.certificate_type,
        as_attachment=True,
        download_name=entry.certificate_name or path.name,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/training/certificates/<code>.pdf")
@member_required
def certificate(code: str):
    """The certificate of association training the member came to (theirs only)."""
    line = certificates.own_certificate(current_user.id, code)
    if line is None:
        abort(404)
    pdf = certificates.certificate_pdf(current_user, line)
    filename = f"certificate-{line.completed_on.isoformat()}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )


@bp.get("/training/review")
@member_required
def review():
    """The record for an annual review, for the period chosen: PDF, or CSV with ``format=csv``."""
    form = ReviewForm(request.args)
    if not form.validate():
        return _my_training_page(form, 400)
    start, end = required(form.start), required(form.end)
    record = training_record(current_user.id, start, end)
    name = f"training-record-{start.isoformat()}-to-{end.isoformat()}"
    headers = {"Cache-Control": "private, no-store"}
    if request.args.get("format") == "csv":
        headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return Response(certificates.review_csv(record), mimetype="text/csv", headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    pdf = certificates.review_pdf(current_user, record, start, end)
    return Response(pdf, mimetype="application/pdf", headers=headers)


# One allowance for the form and the links together, per address: trying codes by either is slowed alike.
_verify_limit = limiter.shared_limit(lambda: current_app.config["VERIFY_RATE_LIMIT"], scope="verify-certificate")


@bp.get("/verify/")
@_verify_limit
def verify_form():
    """Type in a certificate's code (or follow its link)."""
    code = certificates.as_typed(request.args.get("code", ""))
    if code:
        return redirect(url_for("training.verify", code=code))
    return render_template("training/verify.html", verified=None, code=None)


@bp.get("/verify/<code>")
@_verify_limit
def verify(code: str):
    """Whether a certificate is genuine: the name, course and date only. No sign-in."""
    verified = certificates.verify(code)
    page = render_template(
        "training/verify.html",
        verified=verified,
        code=code[:100],
        held_on=format_date(verified.held_on) if verified else "",
    )
    return page, 200 if verified else 404
