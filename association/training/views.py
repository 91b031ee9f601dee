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


def _register_page(event, guest_form=None, status: int = 200):
    sheet = registers.sheet(event)
    query = request.args.get("q", "")[:80]
    found = registers.find_members(query, sheet.member_ids) if query and sheet.is_open else []
    return render_template(
        "training/register.html",
        event=event,
        sheet=sheet,
        query=query,
        found=found,
        guest_form=guest_form or GuestForm(formdata=None),
        walk_in_form=WalkInForm(formdata=None),
    ), status


@bp.get("/events/<int:event_id>/register")
@login_required
def register(event_id: int):
    return _register_page(managed_event(event_id))


def _register_step(event, step: Callable[[], str]):
    """Make one change to the register: commit it and come back with ``step``'s words, or show the
    register again with the reason it was refused (nothing saved)."""
    try:
        words = step()
        db.session.commit()
    except registers.RegisterError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _register_page(event, status=400)
    flash(words, "success")
    return redirect(url_for("training.register", event_id=event.id))


def _saved_words(event, changed: int) -> str:
    sheet = registers.sheet(event)
    adults, children = sheet.people_came
    return (
        f"Register saved ({changed} {'change' if changed == 1 else 'changes'}): "
        f"{len(sheet.came)} came, {adults} {'adult' if adults == 1 else 'adults'} "
        f"and {children} {'child' if children == 1 else 'children'}."
    )


@bp.post("/events/<int:event_id>/register")
@login_required
def save_register(event_id: int):
    event = managed_event(event_id)
    if request.form.get("everyone") == "yes":
        return _register_step(event, lambda: _saved_words(event, registers.mark_everyone_going(event, current_user)))
    return _register_step(event, lambda: _saved_words(event, registers.mark(event, _marks(), current_user)))


@bp.post("/events/<int:event_id>/register/walk-in")
@login_required
def add_walk_in(event_id: int):
    event = managed_event(event_id)
    form = WalkInForm()
    if not form.validate_on_submit():
        flash("Please choose the member from the search results.", "error")
        return _register_page(event, status=400)

    def walk_in() -> str:
        entry = registers.add_walk_in(
            event, required(form.member_id), current_user, form.adults.data or 1, form.children.data or 0
        )
        return f"Added to the register as came: {registers.line_name(entry)}."

    return _register_step(event, walk_in)


@bp.post("/events/<int:event_id>/register/guest")
@login_required
def add_guest(event_id: int):
    event = managed_event(event_id)
    form = GuestForm()
    if form.validate_on_submit():
        try:
            entry = registers.add_guest(event, required(form.name), form.organisation.data or "", current_user)
            db.session.commit()
            flash(f"Guest added as came: {entry.guest_name}.", "success")
            return redirect(url_for("training.register", event_id=event.id))
        except registers.RegisterError as error:
            db.session.rollback()
            show_domain_error(form, error)
    return _register_page(event, guest_form=form, status=400)


@bp.post("/events/<int:event_id>/register/lines/<int:entry_id>/remove")
@login_required
def remove_line(event_id: int, entry_id: int):
    event = managed_event(event_id)
    return _register_step(
        event, lambda: f"Taken off the register: {registers.remove_line(event, entry_id, current_user)}."
    )


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
