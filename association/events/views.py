"""The calendar pages: list and month, one event, replies, and the organiser's tools."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..core.database import utcnow
from ..core.forms import required, show_domain_error
from ..core.paging import requested_page
from ..core.timefmt import local_today, local_zone
from ..core.versions import EditConflict, against_saved, claim_edit, seen_version
from ..extensions import db
from . import queries, rsvps, scheduling, wording
from .access import managed_event, shown_event, visible_event
from .access import viewer as signed_in_viewer
from .display import day_words
from .forms import CancelForm, EndSeriesForm, EventForm, RSVPForm
from .links import google_calendar_link
from .models import KINDS, RsvpResponse
from .recurrence import RecurrenceError, describe

bp = Blueprint("events", __name__)


@bp.get("/events/")
def calendar():
    kind = request.args.get("kind", "") if request.args.get("kind", "") in KINDS else ""
    children = request.args.get("children") == "1"
    if request.args.get("view") == "month":
        year, month = _month_arg(request.args.get("month", ""))
        view = queries.month_view(signed_in_viewer(), year, month, kind, children)
        return render_template(
            "events/month.html", view=view, kind=kind, children=children, kinds=KINDS, today=local_today()
        )
    listed, paging = queries.upcoming(signed_in_viewer(), kind, children, requested_page())
    return render_template(
        "events/list.html",
        listed=listed,
        kind=kind,
        children=children,
        kinds=KINDS,
        page=paging.page,
        pages=paging.pages,
        can_create=queries.can_manage(signed_in_viewer()),
    )


def _month_arg(value: str) -> tuple[int, int]:
    try:
        year, month = (int(part) for part in value.split("-"))
        if 1900 < year < 3000 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    today = local_today()
    return today.year, today.month


@bp.get("/events/<int:event_id>")
def detail(event_id: int):
    return _detail_page(event_id)


def _detail_page(
    event_id: int, form: RSVPForm | None = None, party_choice: rsvps.PartyTooBig | None = None, status: int = 200
):
    """The event's page; with ``form``, the reply form as it was sent (with its errors), and with
    ``party_choice``, the question of what to do with a party bigger than the places left."""
    event, seats_taken, series_rule = queries.event_for_page(event_id) or (None, 0, None)
    event = shown_event(event)
    viewer = signed_in_viewer()
    managing = queries.can_manage(viewer, event)
    members_view = viewer is not None and viewer.is_active_member
    mine, going = rsvps.replies_shown(event.id, viewer, everyone=managing or members_view)
    if form is None:
        form = RSVPForm(obj=mine) if mine is not None and mine.response != RsvpResponse.NOT_GOING else RSVPForm()
        if mine is not None and mine.response == RsvpResponse.GOING:  # the whole party, waiting part included
            form.adults.data, form.children.data = (
                mine.adults + mine.adults_waiting,
                mine.children + mine.children_waiting,
            )
    return render_template(
        "events/detail.html",
        event=event,
        mine=mine,
        form=form,
        managing=managing,
        going=going,
        seats_taken=seats_taken,
        series_rule=describe(series_rule if event.is_series else None),
        google_link=google_calendar_link(event, show_place=members_view),
        members_view=members_view,
        party_choice=party_choice,
        ended=event.ends_at <= utcnow(),
        replies_closed=event.rsvp_deadline is not None and utcnow() > event.rsvp_deadline,
    ), status


@bp.post("/events/<int:event_id>/rsvp")
@login_required
def rsvp(event_id: int):
    event = visible_event(event_id)
    if not current_user.is_active_member:
        abort(403)
    form = RSVPForm()
    if not form.validate_on_submit():
        return _detail_page(event.id, form, status=400)
    try:
        outcome = rsvps.respond(
            event.id,
            current_user,
            form.response.data == RsvpResponse.GOING,
            form.adults.data or 0,
            form.children.data or 0,
            form.note.data or "",
            split=form.split.data if form.split.data in rsvps.SPLIT_CHOICES else "",
            places_seen=form.places_seen.data,
        )
    except rsvps.PartyTooBig as question:
        form.split.data = None
        return _detail_page(event.id, form, party_choice=question)
    except rsvps.RSVPError as error:
        if error.field is None:  # about the answer as a whole: said above the event's page
            flash(str(error), "error")
            return redirect(url_for("events.detail", event_id=event.id, _anchor="reply"))
        show_domain_error(form, error)
        return _detail_page(event.id, form, status=400)
    flash(outcome.message, "success" if outcome.response != RsvpResponse.WAITLISTED else "info")
    return redirect(url_for("events.detail", event_id=event.id, _anchor="reply"))


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def create():
    if not queries.can_manage(current_user):
        abort(403)
    form = EventForm.for_editor(current_user)
    warnings: list = []
    if form.validate_on_submit() and not (warnings := _unconfirmed_wording(form)):
        try:
            event = scheduling.create_event(form.to_details(), current_user, form.rule)
            _record_kept_wording(event, form)
            flash("The event is in the calendar.", "success")
            return redirect(url_for("events.detail", event_id=event.id))
        except (RecurrenceError, scheduling.EventError) as error:
            db.session.rollback()
            show_domain_error(form, error)
    return render_template("events/edit.html", form=form, event=None, **_warning(warnings))


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    event = managed_event(event_id)
    form = EventForm.for_editor(current_user, saved=event)
    if request.method == "GET":
        form.fill_from(event)
    else:
        form.keep_duration(event)
    conflict: list = []
    warnings: list = []
    if form.validate_on_submit() and not (warnings := _unconfirmed_wording(form)):
        try:
            claim_edit(event, seen_version(form))
            changed = scheduling.update_event(
                event, form.to_details(), current_user, whole_series=event.is_series and form.scope.data == "series"
            )
            _record_kept_wording(event, form)
            flash(
                "Saved. People going have been told about the new time or place."
                if any(c in scheduling.TIME_AND_PLACE for c in changed)
                else "Saved.",
                "success",
            )
            return redirect(url_for("events.detail", event_id=event.id))
        except scheduling.EventError as error:
            db.session.rollback()
            show_domain_error(form, error)
        except EditConflict:
            db.session.rollback()
            event = managed_event(event_id)
            conflict = against_saved(form, event, lambda saved: saved.fill_from(event))
    return render_template("events/edit.html", form=form, event=event, conflict=conflict, **_warning(warnings))


def _unconfirmed_wording(form: EventForm) -> list:
    """What the personal-data check found that the organiser has not yet chosen to keep. The "Save
    anyway" button sends the key of the findings it was shown (not a form field: hidden_tag() would
    render an empty one ahead of it)."""
    return wording.needs_confirming(form.to_details(), request.form.get("save_anyway", "")[:64])


def _record_kept_wording(event, form: EventForm) -> None:
    if request.form.get("save_anyway"):
        wording.record_kept(event, form.to_details(), current_user)
        db.session.commit()


def _warning(warnings: list) -> dict:
    return {"warnings": warnings, "warnings_key": wording.findings_key(warnings) if warnings else ""}


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(event_id: int):
    event = managed_event(event_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            told = scheduling.cancel_event(event, required(form.reason), current_user)
            flash(
                "Cancelled. "
                + (
                    "Nobody had replied yet."
                    if not told
                    else f"We're emailing the {told} {'person' if told == 1 else 'people'} who were going or waiting."
                ),
                "success",
            )
            return redirect(url_for("events.detail", event_id=event.id))
        except scheduling.EventError as error:
            flash(str(error), "error")
    return _cancel_page(event, form, EndSeriesForm())


def _cancel_page(event, form: CancelForm, end_form: EndSeriesForm):
    """The cancel page with both its forms as sent; 400 when either was refused (its message beside the field)."""
    return render_template(
        "events/cancel.html", form=form, event=event, end_form=end_form
    ), 400 if form.errors or end_form.errors else 200


@bp.post("/events/<int:event_id>/end-series")
@login_required
def end_series(event_id: int):
    event = managed_event(event_id)
    form = EndSeriesForm()
    if form.validate_on_submit():
        last_day = required(form.last_date)
        last = datetime.combine(last_day, time(23, 59, 59)).replace(tzinfo=local_zone())
        try:
            count = scheduling.end_series(event, last.astimezone(UTC).replace(tzinfo=None), current_user)
            flash(f"The series ends on {day_words(last_day)}; {count} later meetings are cancelled.", "success")
            return redirect(url_for("events.detail", event_id=event.id))
        except scheduling.EventError as error:
            show_domain_error(form, error)
    return _cancel_page(event, CancelForm(), form)
