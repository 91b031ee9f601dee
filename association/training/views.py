"""The register of a meeting, taken on a phone, and the training details of a training event."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..core.forms import required, show_domain_error
from ..core.request_guard import DB_INT_MAX
from ..events.access import managed_event
from ..extensions import db
from . import courses, registers
from .forms import CourseForm, GuestForm, WalkInForm, minutes_of

bp = Blueprint("training", __name__)


def _marks() -> dict[int, bool]:
    """The register's choices, ``came-<member id>`` = ``yes`` or ``no``; anything else is ignored."""
    marks = {}
    for name, value in request.form.items():
        number = name.removeprefix("came-")
        if number != name and number.isascii() and number.isdigit() and 0 < int(number) <= DB_INT_MAX:
            if value in ("yes", "no"):
                marks[int(number)] = value == "yes"
    return marks


def _save_taps(event) -> int:
    """Save the taps sent with whichever button was pressed; returns how many changed.

    Every button on the register page belongs to its one form, so finding a walk-in, adding one
    or a guest, or taking one off also saves who was tapped as came or absent: none is lost.
    """
    marks = _marks()
    return registers.mark(event, marks, current_user) if marks else 0


def _register_page(event, guest_form=None, status: int = 200, posted: dict[int, bool] | None = None):
    """The register; after a refusal, ``posted`` shows the taps as they were sent (not saved)."""
    sheet = registers.sheet(event)
    query = request.args.get("q", "")[:80]
    found = registers.find_members(query, sheet.member_ids) if query and sheet.is_open else []
    return render_template(
        "training/register.html",
        event=event,
        sheet=sheet,
        query=query,
        found=found,
        posted=posted or {},
        guest_form=guest_form or GuestForm(formdata=None),
    ), status


@bp.get("/events/<int:event_id>/register")
@login_required
def register(event_id: int):
    return _register_page(managed_event(event_id))


def _register_step(event, step: Callable[[], str], guest_form=None, then: str | None = None):
    """Make one change to the register, with the taps sent alongside it: commit it and come back
    (to ``then``, or the register) with ``step``'s words, or show the register again with the reason
    it was refused, beside the guest's fields when it is about them, and the taps as sent (nothing saved)."""
    try:
        words = step()
        db.session.commit()
    except registers.RegisterError as error:
        db.session.rollback()
        if guest_form is None:
            flash(str(error), "error")
        else:
            show_domain_error(guest_form, error)
        return _register_page(event, guest_form, 400, _marks())
    if words:
        flash(words, "success")
    return redirect(then or url_for("training.register", event_id=event.id))


def _saved_words(event, changed: int) -> str:
    sheet = registers.sheet(event)
    adults, children = sheet.people_came
    changes = "no changes" if changed == 0 else f"{changed} {'change' if changed == 1 else 'changes'}"
    return (
        f"Register saved ({changes}): "
        f"{len(sheet.came)} came, {adults} {'adult' if adults == 1 else 'adults'} "
        f"and {children} {'child' if children == 1 else 'children'}."
    )


@bp.post("/events/<int:event_id>/register")
@login_required
def save_register(event_id: int):
    event = managed_event(event_id)
    # Enter in a text box presses the form's first button, "Save register": do what was typed.
    if request.form.get("name", "").strip() or request.form.get("organisation", "").strip():
        return _add_guest(event)
    query = request.form.get("q", "").strip()[:80]
    if request.form.get("find") == "yes" or (query and query != request.form.get("shown_q", "")):

        def find() -> str:  # the taps are saved on the way; the search results are the next page
            changed = _save_taps(event)
            return _saved_words(event, changed) if changed else ""

        results = url_for("training.register", event_id=event.id, q=query or None, _anchor="walk-in-title")
        return _register_step(event, find, then=results)

    def save() -> str:
        changed = registers.mark(event, _marks(), current_user)
        if request.form.get("everyone") == "yes":  # after the taps: a tapped Absent stays absent
            changed += registers.mark_everyone_going(event, current_user)
        return _saved_words(event, changed)

    return _register_step(event, save)


@bp.post("/events/<int:event_id>/register/walk-in")
@login_required
def add_walk_in(event_id: int):
    event = managed_event(event_id)
    form = WalkInForm()
    if not form.validate_on_submit():
        flash("Please choose the member from the search results.", "error")
        return _register_page(event, status=400, posted=_marks())

    def walk_in() -> str:
        _save_taps(event)
        entry = registers.add_walk_in(
            event, required(form.member_id), current_user, form.adults.data or 1, form.children.data or 0
        )
        return f"Added to the register as came: {registers.line_name(entry)}."

    return _register_step(event, walk_in)


@bp.post("/events/<int:event_id>/register/guest")
@login_required
def add_guest(event_id: int):
    return _add_guest(managed_event(event_id))


def _add_guest(event):
    form = GuestForm()
    if not form.validate_on_submit():
        return _register_page(event, form, 400, _marks())

    def guest() -> str:
        _save_taps(event)
        entry = registers.add_guest(event, required(form.name), form.organisation.data or "", current_user)
        return f"Guest added as came: {entry.guest_name}."

    return _register_step(event, guest, guest_form=form)


@bp.post("/events/<int:event_id>/register/lines/<int:entry_id>/remove")
@login_required
def remove_line(event_id: int, entry_id: int):
    event = managed_event(event_id)

    def remove() -> str:
        _save_taps(event)
        return f"Taken off the register: {registers.remove_line(event, entry_id, current_user)}."

    return _register_step(event, remove)


@bp.route("/events/<int:event_id>/training", methods=["GET", "POST"])
@login_required
def course(event_id: int):
    event = managed_event(event_id)
    if event.kind != "training":
        abort(404)
    found = courses.course_of(event)
    form = CourseForm(obj=None if request.method == "POST" else courses.form_values(found))
    form.topics.choices = courses.topic_choices(found)
    if form.validate_on_submit():
        try:
            courses.save_course(
                event, minutes_of(required(form.hours)), form.outcomes.data or "", form.topics.data or [], current_user
            )
            db.session.commit()
            flash("Training details saved. They go on the certificates of everyone who comes.", "success")
            return redirect(url_for("events.detail", event_id=event.id))
        except courses.CourseError as error:
            db.session.rollback()
            show_domain_error(form, error)
    return render_template("training/course.html", event=event, form=form), 400 if form.errors else 200
