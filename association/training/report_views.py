"""The committee's attendance and training report: the page, and the same as a PDF and a CSV."""

from __future__ import annotations

from flask import Response, render_template, request

from ..core.access import role_required
from ..core.forms import required, show_domain_error
from . import report as attendance
from . import report_documents as documents
from .forms import ReportForm
from .views import bp


def _chosen_period(form: ReportForm) -> attendance.Period | None:
    """The months asked for, or the last twelve when none are; None (the form says why) when wrong."""
    if not (request.args.get("start") or request.args.get("end")):
        period = attendance.last_twelve_months()
        form.start.data, form.end.data = period.first, period.last
        return period
    if not form.validate():
        return None
    try:
        return attendance.period_between(required(form.start), required(form.end))
    except attendance.ReportError as error:
        show_domain_error(form, error)
        return None


def _refused(form: ReportForm):
    return render_template("training/report.html", form=form, report=None), 400


def _download(body, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )


@bp.get("/training/report")
@role_required("committee")
def report():
    form = ReportForm(request.args)
    period = _chosen_period(form)
    if period is None:
        return _refused(form)
    return render_template("training/report.html", form=form, **documents.page_values(period))


@bp.get("/training/report.csv")
@role_required("committee")
def report_csv():
    form = ReportForm(request.args)
    period = _chosen_period(form)
    if period is None:
        return _refused(form)
    return _download(documents.report_csv(period), "text/csv", f"attendance-report-{period.slug}.csv")


@bp.get("/training/report.pdf")
@role_required("committee")
def report_pdf():
    form = ReportForm(request.args)
    period = _chosen_period(form)
    if period is None:
        return _refused(form)
    return _download(documents.report_pdf(period), "application/pdf", f"attendance-report-{period.slug}.pdf")
