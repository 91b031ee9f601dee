"""The strategy group's workspace: triage, meetings, packs and outcomes."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..core.access import role_required
from ..core.errors import DomainError
from ..core.forms import required, show_domain_error
from ..core.timefmt import local_zone, to_local
from ..core.versions import EditConflict, against_saved, claim_edit, seen_version
from ..extensions import db
from . import items as item_rules
from . import meetings as meeting_rules
from . import themes as theme_rules
from .forms import DeclineForm, MeetingForm, MergeForm, OutcomeForm, ReviewForm, ThemeForm, TriageForm
from .models import FeedbackItem, ServiceMeeting
from .outcomes import OutcomeError, check_meeting_held, record_outcome
from .views import bp, theme_choices
from .wording import checked


def _utc(day, at=time(0)) -> datetime:
    return datetime.combine(day, at, local_zone()).astimezone(UTC).replace(tzinfo=None)


def _meeting(meeting_id: int) -> ServiceMeeting:
    return db.get_or_404(ServiceMeeting, meeting_id)


def _meeting_choices():
    return [(0, "Not yet")] + [(m.id, f"{to_local(m.held_at):%d %B %Y}") for m in meeting_rules.meetings()]


@bp.get("/")
@role_required("strategy")
def workspace():
    queue = item_rules.triage_queue()
    return render_template(
        "strategy/workspace.html",
        queue=queue,
        named=item_rules.named_authors(queue, current_user),
        held={i.id for i in queue if not item_rules.wording_resolved(i)},
        meetings=meeting_rules.meetings(),
        proposed=meeting_rules.proposed_date(),
        next_meeting=meeting_rules.next_meeting(),
    )


@bp.route("/items/<int:item_id>/triage", methods=["GET", "POST"])
@role_required("strategy")
def triage(item_id: int):
    item = db.get_or_404(FeedbackItem, item_id)
    form = TriageForm(obj=item)
    form.theme_id.choices, form.meeting_id.choices = theme_choices("No theme yet"), _meeting_choices()
    if request.method == "GET":
        form.theme_id.data, form.meeting_id.data = item.theme_id or 0, item.meeting_id or 0
    conflict: list = []
    if form.validate_on_submit():
        try:
            claim_edit(item, seen_version(form))
            held = item_rules.triage(
                item,
                current_user,
                theme_id=form.theme_id.data or None,
                wording=required(form.pack_wording),
                meeting_id=form.meeting_id.data or None,
            )
            flash(
                "Saved. The wording may still identify someone: see below." if held else "Saved.",
                "info" if held else "success",
            )
            return redirect(url_for("strategy.triage", item_id=item.id))
        except item_rules.ItemError as error:
            db.session.rollback()
            show_domain_error(form, error)
        except EditConflict:
            db.session.rollback()
            item = db.get_or_404(FeedbackItem, item_id)
            conflict = against_saved(form, item, lambda saved: _fill_triage(saved, form, item))
    return _triage_page(item, form, _side_forms(item), conflict)


def _side_forms(item: FeedbackItem, posted: str | None = None) -> dict:
    """The merge, decline and review forms of the triage page; only the one posted reads the request,
    so the others show empty beside it."""

    def make(action, form_class, **kwargs):
        return form_class(**kwargs) if action == posted else form_class(formdata=None, **kwargs)

    forms = {
        "merge": make("merge", MergeForm),
        "decline": make("decline", DeclineForm),
        "reviewed": make("reviewed", ReviewForm, prefix="review"),
    }
    forms["merge"].target_id.choices = [
        (i.id, _choice_label(i))
        for i in db.session.scalars(
            select(FeedbackItem).where(FeedbackItem.status.in_(item_rules.OPEN_STATUSES), FeedbackItem.id != item.id)
        )
    ]
    return forms


def _triage_page(item: FeedbackItem, form: TriageForm, side: dict, conflict=(), status: int = 200):
    return render_template(
        "strategy/triage.html",
        item=item,
        form=form,
        merge_form=side["merge"],
        decline_form=side["decline"],
        review_form=side["reviewed"],
        conflict=conflict,
        check=checked(item.pack_wording),
        reviewer=item_rules.reviewer_name(item),
        source_post=item_rules.source_post_link(item),
        raised_by=item_rules.raised_by(item),
        named=item_rules.named_authors([item], current_user).get(item.id),
    ), status


def _choice_label(item: FeedbackItem) -> str:
    wording = item.pack_wording if len(item.pack_wording) <= 60 else item.pack_wording[:59] + "…"
    raised = to_local(item.created_at)
    return f"{wording} (raised {raised.day} {raised:%b %Y})"


def _fill_triage(saved: TriageForm, shown: TriageForm, item: FeedbackItem) -> None:
    saved.theme_id.choices, saved.meeting_id.choices = shown.theme_id.choices, shown.meeting_id.choices
    saved.process(obj=item)
    saved.theme_id.data, saved.meeting_id.data = item.theme_id or 0, item.meeting_id or 0


@bp.post("/items/<int:item_id>/<action>")
@role_required("strategy")
def item_action(item_id: int, action: str):
    item = db.get_or_404(FeedbackItem, item_id)
    if action not in ("merge", "decline", "reviewed"):
        abort(404)
    side = _side_forms(item, posted=action)
    posted = side[action]
    field = posted.target_id if action == "merge" else posted.reason
    if not posted.validate_on_submit():
        if action == "merge":  # a choice, not typing: one plain message whatever was sent
            field.errors = ["Choose the item to merge into."]
    else:
        try:
            return _take_action(item, action, posted)
        except item_rules.ItemError as error:
            db.session.rollback()
            item = db.get_or_404(FeedbackItem, item_id)
            show_domain_error(posted, error)
    if action == "merge" and not field.choices:  # nothing left to merge into: no field to show it beside
        flash(field.errors[0], "error")
        return redirect(url_for("strategy.triage", item_id=item.id))
    # Shown again with the message beside the field and what was typed kept.
    triage_form = TriageForm(formdata=None, obj=item)
    triage_form.theme_id.choices, triage_form.meeting_id.choices = theme_choices("No theme yet"), _meeting_choices()
    triage_form.theme_id.data, triage_form.meeting_id.data = item.theme_id or 0, item.meeting_id or 0
    return _triage_page(item, triage_form, side, status=400)


def _take_action(item: FeedbackItem, action: str, form):
    if action == "merge":
        target = db.session.get(FeedbackItem, form.target_id.data)
        if target is None:
            raise item_rules.ItemError("Choose the item to merge into.", field="target_id")
        held = item_rules.merge(item, target, current_user)
        flash(
            "Merged. The wording may identify someone: see below." if held else "Merged.", "info" if held else "success"
        )
        return redirect(url_for("strategy.triage", item_id=target.id))
    if action == "decline":
        item_rules.decline(item, current_user, form.reason.data)
        flash("Declined; the carer will see the reason.", "success")
    else:
        item_rules.mark_wording_reviewed(item, current_user, form.reason.data)
        flash("Marked as reviewed, with your reason: the wording identifies nobody.", "success")
    return redirect(url_for("strategy.triage", item_id=item.id))


@bp.route("/meetings/new", methods=["GET", "POST"])
@bp.route("/meetings/<int:meeting_id>", methods=["GET", "POST"])
@role_required("strategy")
def meeting(meeting_id: int | None = None):
    found = _meeting(meeting_id) if meeting_id else None
    form = MeetingForm()
    if request.method == "GET":
        _fill_meeting_form(form, found)
    if form.validate_on_submit():
        details = meeting_rules.MeetingDetails(
            held_at=_utc(form.date.data, form.time.data),
            place=form.place.data or "",
            cutoff_at=_utc(form.cutoff_date.data, time(23, 59)) if form.cutoff_date.data else None,
            date_reason=form.date_reason.data or "",
            attendees=[
                meeting_rules.Attendee(a["name"] or "", a["role"] or "", a["email"] or "")
                for a in form.attendees.data
                if any(a.values())
            ],
        )
        try:
            saved = meeting_rules.save_meeting(details, found)
            flash("Meeting saved.", "success")
            return redirect(url_for("strategy.pack", meeting_id=saved.id))
        except meeting_rules.MeetingError as error:
            db.session.rollback()
            show_domain_error(form, error)
    return render_template(
        "strategy/meeting.html",
        form=form,
        meeting=found,
        outside=meeting_rules.outside_window,
        proposed=meeting_rules.proposed_date(),
    )


def _fill_meeting_form(form: MeetingForm, found: ServiceMeeting | None) -> None:
    when = found.held_at if found else meeting_rules.proposed_date()
    if when is not None:
        local = to_local(when)
        form.date.data, form.time.data = local.date(), local.time().replace(second=0, microsecond=0)
    if found:
        form.place.data, form.date_reason.data = found.place, found.date_reason
        form.cutoff_date.data = to_local(found.cutoff_at).date()
        for entry, attendee in zip(form.attendees.entries, found.attendees, strict=False):
            entry.form.name.data, entry.form.role.data, entry.form.email.data = (
                attendee.name,
                attendee.role,
                attendee.email,
            )


@bp.route("/meetings/<int:meeting_id>/outcomes/<int:item_id>", methods=["GET", "POST"])
@role_required("strategy")
def outcome(meeting_id: int, item_id: int):
    found, item = _meeting(meeting_id), db.get_or_404(FeedbackItem, item_id)
    form = OutcomeForm()
    if form.validate_on_submit():
        try:
            record_outcome(
                item,
                found,
                response=form.response.data or "",
                action=form.action.data or "",
                owner=form.owner.data,
                due_on=form.due_on.data,
                status=form.status.data,
            )
            flash("Recorded.", "success")
            return redirect(url_for("strategy.pack", meeting_id=found.id))
        except OutcomeError as error:
            db.session.rollback()
            if error.field != "meeting":  # that one is said in place of the form, below
                show_domain_error(form, error)
    try:
        check_meeting_held(found)
        not_yet = ""
    except OutcomeError as error:
        not_yet = str(error)
    return render_template("strategy/outcome.html", meeting=found, item=item, form=form, not_yet=not_yet)


@bp.route("/themes", methods=["GET", "POST"])
@role_required("strategy")
def themes():
    form = ThemeForm()
    if form.validate_on_submit():
        try:
            theme_rules.add_theme(required(form.name))
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash("Theme added.", "success")
            return redirect(url_for("strategy.themes"))
    return render_template("strategy/themes.html", form=form, themes=theme_rules.all_themes())
