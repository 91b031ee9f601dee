"""What every member does with the strategy group: raise, support, follow, and 'you said, we did'."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from ..core.access import member_required
from ..core.forms import required, show_domain_error
from ..core.paging import requested_page
from ..core.request_guard import requested_id
from ..extensions import db
from . import items as item_rules
from .forms import ItemForm
from .models import FeedbackItem, PackVersion
from .outcomes import latest_outcomes, you_said_we_did
from .themes import all_themes
from .wording import held_advice

bp = Blueprint("strategy", __name__, url_prefix="/strategy")


def theme_choices(blank: str = "Not sure"):
    return [(0, blank)] + [(t.id, t.name) for t in all_themes()]


is_strategy = item_rules.in_strategy_group


def _item(item_id: int) -> FeedbackItem:
    return db.get_or_404(FeedbackItem, item_id)


@bp.get("/items")
@member_required
def open_items():
    return render_template("strategy/open_items.html", items=item_rules.open_items_for_members())


@bp.route("/items/new", methods=["GET", "POST"])
@member_required
def raise_item():
    form = ItemForm()
    form.theme_id.choices = theme_choices()
    # Never copied: a forum post carries its author's name, and words written for the forum can
    # identify a family. The carer writes afresh; a named item keeps the link for the group.
    source_post = _own_post(requested_id("from_post"))
    if form.validate_on_submit():
        try:
            item = item_rules.raise_item(
                item_rules.NewItem(
                    kind=form.kind.data,
                    what_happened=required(form.what_happened),
                    what_would_help=form.what_would_help.data or "",
                    anonymous=form.named.data == "anonymous",
                    theme_id=form.theme_id.data or None,
                    source_post_id=source_post.id if source_post else None,
                ),
                current_user,
            )
            held = item_rules.raised_findings(item)
            flash(
                " ".join(
                    filter(
                        None,
                        ("Thank you. The strategy group will look at it; you can follow it here.", held_advice(held)),
                    )
                ),
                "info" if held else "success",
            )
            return redirect(url_for("strategy.item", item_id=item.id))
        except item_rules.ItemError as error:
            show_domain_error(form, error)
    return render_template("strategy/raise.html", form=form, source_post=source_post)


def _own_post(post_id: int | None):
    """A forum post its author is raising with the strategy group."""
    if not post_id:
        return None
    from ..forum.access import can_see_post, thread_of
    from ..forum.models import Post

    post = db.session.get(Post, post_id)
    if post is None or post.author_id != current_user.id or post.status != "visible":
        return None
    # The forum's own rule: a post in a thread since moved where its author can't read is not copied.
    return post if can_see_post(current_user, post, thread_of(post)) else None


@bp.get("/items/mine")
@member_required
def my_items():
    mine = item_rules.my_items(current_user)
    return render_template("strategy/my_items.html", items=mine, outcomes=latest_outcomes([i.id for i in mine]))


@bp.get("/items/<int:item_id>")
@member_required
def item(item_id: int):
    found = _item(item_id)
    mine = found.author_id == current_user.id
    if not (mine or is_strategy(current_user) or item_rules.visible_to_members(found)):
        abort(404)
    return render_template(
        "strategy/item.html",
        item=found,
        mine=mine,
        strategy=is_strategy(current_user),
        outcomes=latest_outcomes([found.id]).get(found.id, []),
        raised_by=item_rules.raised_by(found),
        supported=not mine and item_rules.supports(found, current_user),
        supportable=found.status in item_rules.SUPPORTABLE,
        named=item_rules.named_authors([found], current_user).get(found.id),
    )


@bp.post("/items/<int:item_id>/support")
@member_required
def support(item_id: int):
    return _change_support(item_id, item_rules.support, "Thank you: it now counts you as affected too.")


@bp.post("/items/<int:item_id>/support/withdraw")
@member_required
def withdraw_support(item_id: int):
    return _change_support(item_id, item_rules.withdraw_support, "Done: it no longer counts you as affected.")


def _change_support(item_id: int, change, done: str):
    """Say, or take back, "this affects me too" on an item the member can see."""
    found = _item(item_id)
    if not item_rules.visible_to_members(found):
        abort(404)
    try:
        change(found, current_user)
        flash(done, "success")
    except item_rules.ItemError as error:
        flash(str(error), "error")
    return redirect(url_for("strategy.item", item_id=found.id))


@bp.get("/you-said-we-did")
@member_required
def you_said():
    return render_template("strategy/you_said_we_did.html", page=you_said_we_did(requested_page()))


@bp.get("/shared/<token>")
def shared_pack(token: str):
    """The service's read-only copy: no login, exactly what was issued, until revoked."""
    version = db.session.scalar(select(PackVersion).where(PackVersion.token == token[:64]))
    if version is None or version.revoked_at is not None:
        abort(404)
    response = Response(version.html, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
