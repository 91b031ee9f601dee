"""The moderation queue and log, moderators' actions, and the admins' categories."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..core.access import role_required
from ..core.errors import DomainError
from ..core.forms import required, show_domain_error
from ..core.paging import paginate, requested_page
from ..core.redirects import safe_next
from ..extensions import db
from ..members.models import Member
from . import categories as forum_categories
from . import moderation, queries
from .access import visible_categories
from .forms import CategoryForm, HideForm, MoveForm, SuspendForm, WarnForm
from .models import Category, ModerationEntry, Post, Thread
from .moderation_log import MODERATION_ACTIONS, moderation_lines
from .views import _post, _thread, bp, thread_page

LOG_PAGE = 50


@bp.get("/moderation")
@role_required("moderator")
def moderation_queue():
    return _queue_page()


def _queue_page(failed=None):
    held, reports = moderation.queue(current_user)
    return render_template(
        "forum/moderation.html", held=held, reports=reports, failed=failed, notes=moderation.held_notes(held)
    )


@bp.get("/moderation/log")
@role_required("moderator")
def moderation_log():
    action = request.args.get("action", "")
    action = action if action in MODERATION_ACTIONS else ""
    listed = moderation.log_entries(current_user)
    if action:
        listed = listed.where(ModerationEntry.action == action)
    paging = paginate(listed, requested_page(), LOG_PAGE)
    entries = list(db.session.scalars(listed.order_by(ModerationEntry.id.desc()).offset(paging.offset).limit(LOG_PAGE)))
    return render_template(
        "forum/moderation_log.html",
        lines=moderation_lines(entries),
        page=paging.page,
        pages=paging.pages,
        action=action,
        actions=MODERATION_ACTIONS,
    )


def _back(default: str):
    return redirect(safe_next(request.form.get("next"), default))


REASON_FORMS: dict[str, type[HideForm | WarnForm | SuspendForm]] = {
    "hide": HideForm,
    "warn": WarnForm,
    "suspend": SuspendForm,
}
# The ids the small reason forms carry in ``form_id`` (templates/forum/_macros.html reason_form).
SENT_FROM = re.compile(r"(hide-reason|held-reason|report-reason|warn|suspend)-[0-9]{1,12}")


def _reason_form(action: str):
    """The reason form for ``action``, named after the small form it was sent from, so that a refusal is
    shown beside that one form on a page that has one per post or per report."""
    form = REASON_FORMS[action]()
    sent_from = request.form.get("form_id", "")
    if SENT_FROM.fullmatch(sent_from):
        form.reason.id = sent_from
    return form


def _show_again(form, at: tuple[Post, Thread] | None = None):
    """The page the refused reason form was sent from (the queue, or else the thread page of the post
    ``at``), drawn again with the message beside the reason and what was typed; 400."""
    if at is not None and urlsplit(request.form.get("next") or "").path != url_for("forum.moderation_queue"):
        post, thread = at
        form.reason.id = f"hide-reason-{post.id}"  # the one hide form a post has on its thread page
        pages = queries.thread_pages(thread)
        return thread_page(thread, min((post.number - 1) // queries.page_size() + 1, pages), pages, failed=form), 400
    if form.reason.id == "reason":  # not sent from one of the queue's forms: nowhere beside a field to say it
        for error in form.reason.errors:
            flash(error, "error")
    return _queue_page(failed=form), 400


@bp.post("/moderation/p/<int:post_id>/<action>")
@role_required("moderator")
def moderate_post(post_id: int, action: str):
    post, thread = _post(post_id)  # the forum's own rule: never act on a post the moderator can't read
    if action not in ("approve", "hide", "restore"):
        abort(404)
    form = _reason_form(action) if action == "hide" else None
    if form is not None and not form.validate_on_submit():
        return _show_again(form, (post, thread))
    reason = required(form.reason).strip() if form else (request.form.get("reason") or "").strip()[:1000]
    actions = {
        "approve": lambda: moderation.approve(post, current_user, reason),
        "hide": lambda: moderation.hide(post, current_user, reason),
        "restore": lambda: moderation.restore(post, current_user, reason),
    }
    try:
        actions[action]()
        flash(
            {
                "approve": "Approved: everyone can see it now.",
                "hide": "Hidden; the author has been told why.",
                "restore": "Restored.",
            }[action],
            "success",
        )
    except moderation.ModerationError as error:
        db.session.rollback()
        flash(str(error), "error")
    return _back(url_for("forum.moderation_queue"))


@bp.post("/moderation/t/<int:thread_id>/<action>")
@role_required("moderator")
def moderate_thread(thread_id: int, action: str):
    thread = _thread(thread_id)  # the thread page's rule: a committee thread is not a moderator's to touch
    reason = (request.form.get("reason") or "").strip()[:500]
    try:
        if action in ("lock", "unlock", "pin", "unpin"):
            flag = "locked" if action.endswith("lock") else "pinned"
            moderation.set_thread_flag(thread, current_user, flag, not action.startswith("un"), reason)
        elif action == "move":
            form = MoveForm()
            # Only categories the moderator can see; a wider audience is refused by move_thread.
            targets = {c.id: c for c in visible_categories(current_user)}
            form.category_id.choices = [(c.id, c.name) for c in targets.values()]
            if not form.validate_on_submit():
                raise moderation.ModerationError("Choose a category to move the thread to.")
            moderation.move_thread(thread, targets[form.category_id.data], current_user, reason)
        else:
            abort(404)
        flash("Done.", "success")
    except moderation.ModerationError as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(url_for("forum.thread", thread_id=thread.id))


@bp.post("/moderation/m/<int:member_id>/<action>")
@role_required("moderator")
def moderate_member(member_id: int, action: str):
    member = db.get_or_404(Member, member_id)
    if action not in REASON_FORMS or action == "hide":
        abort(404)
    form = _reason_form(action)
    # Only an admin is shown the suspend form; anyone else is told they can't, below, as before.
    if not form.validate_on_submit() and (action == "warn" or current_user.has_role("admin")):
        return _show_again(form)
    reason = (form.reason.data or "").strip()
    try:
        if action == "warn":
            moderation.warn(member, current_user, reason)
            flash(f"{member.display_name} has been sent the warning.", "success")
        else:
            moderation.suspend(member, current_user, reason)
            flash(f"{member.display_name} is suspended.", "success")
    except (moderation.ModerationError, ValueError) as error:
        db.session.rollback()
        flash(str(error), "error")
    return _back(url_for("forum.moderation_queue"))


@bp.route("/categories", methods=["GET", "POST"])
@role_required("admin")
def categories():
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            forum_categories.add_category(**_category_details(form))
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash("Category added.", "success")
            return redirect(url_for("forum.categories"))
    return render_template("forum/categories.html", form=form, categories=forum_categories.all_categories())


def _category_details(form: CategoryForm) -> dict:
    return {
        "name": required(form.name),
        "description": form.description.data or "",
        "position": form.position.data or 0,
        "restricted_to": form.restricted_to.data or None,
    }


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_category(category_id: int):
    found = db.get_or_404(Category, category_id)
    form = CategoryForm(obj=found)
    if request.method == "GET":
        form.restricted_to.data = found.restricted_to or ""
    if form.validate_on_submit():
        try:
            forum_categories.change_category(found, **_category_details(form))
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash("Saved.", "success")
            return redirect(url_for("forum.categories"))
    return render_template("forum/category_edit.html", form=form, category=found)
