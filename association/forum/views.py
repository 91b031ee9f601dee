"""Forum pages for members: categories, threads, posting, editing, reporting, search."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select

from ..core.access import member_required
from ..core.forms import required, show_domain_error
from ..core.paging import requested_page
from ..core.request_guard import requested_id
from ..extensions import db
from ..members.models import Member
from . import checks, moderation, posting, queries, watching
from .access import can_see_category, can_see_post, can_see_thread, is_moderator
from .forms import MoveForm, PostForm, ReasonForm, ThreadForm, edit_form
from .models import Category, Post, PostRevision, Thread
from .search import search

bp = Blueprint("forum", __name__, url_prefix="/forum")


def _category(category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None or not can_see_category(current_user, category):
        abort(404)
    return category


def _thread(thread_id: int) -> Thread:
    """The thread if the signed-in member may see it; 404 otherwise (its existence is not told)."""
    thread = db.session.get(Thread, thread_id)
    if thread is None or not can_see_thread(current_user, thread):
        abort(404)
    return thread


def _post(post_id: int) -> tuple[Post, Thread]:
    post = db.get_or_404(Post, post_id)
    thread = _thread(post.thread_id)
    if not can_see_post(current_user, post, thread):
        abort(404)
    return post, thread


class _IdUrl:
    """A URL with one id in it, built once per page: ``thread_url(t.id)`` in a loop instead of a url_for per row."""

    MARK = 2147480009
    __slots__ = ("prefix", "suffix")

    def __init__(self, endpoint: str, **values):
        self.prefix, _, self.suffix = url_for(endpoint, **values).partition(str(self.MARK))

    def __call__(self, id_: int) -> str:
        return f"{self.prefix}{int(id_)}{self.suffix}"


@bp.get("/")
@member_required
def index():
    visit = queries.record_visit(current_user)
    if visit.written:
        db.session.commit()  # before the listing is read, so the write lock is held no longer
    return render_template(
        "forum/index.html",
        rows=queries.category_list(current_user, visit.previous),
        since=visit.previous,
        moderator=is_moderator(current_user),
        category_url=_IdUrl("forum.category", category_id=_IdUrl.MARK),
    )


@bp.get("/search")
@member_required
def search_page():
    query = request.args.get("q", "")[:200]
    page = requested_page()
    hits = search(current_user, query, limit=20, offset=(page - 1) * 20) if query.strip() else []
    return render_template("forum/search.html", query=query, hits=hits, page=page)


@bp.get("/c/<int:category_id>")
@member_required
def category(category_id: int):
    found = _category(category_id)
    rows, paging = queries.threads_in(found, current_user, requested_page())
    return render_template(
        "forum/category.html",
        category=found,
        rows=rows,
        page=paging.page,
        pages=paging.pages,
        page_size=queries.page_size(),
        watching=watching.is_watching_category(current_user, found),
        thread_url=_IdUrl("forum.thread", thread_id=_IdUrl.MARK),
    )


@bp.post("/c/<int:category_id>/watch")
@member_required
def watch_category(category_id: int):
    found = _category(category_id)
    if watching.toggle_category_watch(current_user, found):
        flash("You're watching this category: new threads will be in your weekly digest.", "success")
    else:
        flash("You've stopped watching this category.", "info")
    return redirect(url_for("forum.category", category_id=found.id))


@bp.route("/c/<int:category_id>/new", methods=["GET", "POST"])
@member_required
def new_thread(category_id: int):
    found = _category(category_id)
    form = ThreadForm()
    if form.validate_on_submit():
        try:
            outcome = posting.start_thread(found, current_user, required(form.title), required(form.body))
            flash(outcome.message, "info" if outcome.held else "success")
            return redirect(url_for("forum.thread", thread_id=outcome.post.thread_id))
        except posting.PostingError as error:
            db.session.rollback()
            show_domain_error(form, error)
    return render_template("forum/new_thread.html", category=found, form=form)


def _post_urls(thread: Thread) -> dict[str, _IdUrl]:
    mark = _IdUrl.MARK
    urls = {
        "quote": _IdUrl("forum.reply", thread_id=thread.id, quote=mark),
        "history": _IdUrl("forum.history", post_id=mark),
        "edit": _IdUrl("forum.edit", post_id=mark),
        "raise": _IdUrl("strategy.raise_item", from_post=mark),
        "report": _IdUrl("forum.report", post_id=mark),
        "delete": _IdUrl("forum.delete", post_id=mark),
    }
    for action in ("approve", "restore", "hide"):
        urls[action] = _IdUrl("forum.moderate_post", post_id=mark, action=action)
    return urls


@bp.get("/t/<int:thread_id>")
@member_required
def thread(thread_id: int):
    found = _thread(thread_id)
    pages = queries.thread_pages(found)
    page = min(requested_page(), pages)
    last_on_page = min(page * queries.page_size(), found.last_post_number)
    # Written (and committed) only when the read marker moves on; before the posts load either way.
    if last_on_page and queries.mark_read_upto(current_user, found, last_on_page):
        db.session.commit()
    return thread_page(found, page, pages, landing=_landing(found))


def thread_page(found: Thread, page: int, pages: int, *, landing: int | None = None, failed=None):
    """The thread page as its reader sees it; ``failed`` is a moderator's reason form that was refused,
    drawn again beside its post (its ``reason.id`` names which one)."""
    posts = queries.posts_on_page(found, current_user, page)
    moderator = is_moderator(current_user)
    move_form = None
    if moderator:
        move_form = MoveForm()
        move_form.category_id.choices = [(c.id, c.name) for c in moderation.move_targets(found, current_user)]
    return render_template(
        "forum/thread.html",
        thread=found,
        posts=posts,
        page=page,
        pages=pages,
        category=db.session.get(Category, found.category_id),
        form=PostForm(),
        watching=queries.is_watching(current_user, found),
        moderator=moderator,
        move_form=move_form,
        urls=_post_urls(found),
        thread_state=queries.thread_state(found.held, queries.opening_status(found)),
        landing=landing,
        failed=failed,
        notes=checks.held_notes(posts, found.title, current_user.id),
    )


LANDING_KEY = "forum_landing"


def _land_on(post: Post) -> str:
    """Where a member goes after posting: their post's page, which focuses the post (autofocus).

    No #post-N in this URL: browsers skip autofocus when the address has a fragment, and focus
    scrolls the post into view by itself. Links to a post from elsewhere keep their fragment."""
    session[LANDING_KEY] = [post.thread_id, post.number]
    return url_for("forum.thread", thread_id=post.thread_id, page=(post.number - 1) // queries.page_size() + 1)


def _landing(thread: Thread) -> int | None:
    """The number of the post just written in ``thread``, once (read and forgotten)."""
    landing = session.pop(LANDING_KEY, None)
    return landing[1] if isinstance(landing, list) and len(landing) == 2 and landing[0] == thread.id else None


@bp.route("/t/<int:thread_id>/reply", methods=["GET", "POST"])
@member_required
def reply(thread_id: int):
    found = _thread(thread_id)
    form = PostForm()
    quote_id = requested_id("quote")
    if request.method == "GET" and quote_id:
        quoted = db.session.get(Post, quote_id)
        if quoted is not None and quoted.thread_id == found.id and quoted.status == "visible":
            member = db.session.get(Member, quoted.author_id) if quoted.author_id else None
            author = member.display_name if member else "A member"
            form.body.data = (
                f"> **{author}** wrote:\n" + "\n".join(f"> {line}" for line in quoted.body_md.splitlines()) + "\n\n"
            )
    if form.validate_on_submit():
        try:
            outcome = posting.reply(found, current_user, required(form.body))
            flash(outcome.message, "info" if outcome.held else "success")
            return redirect(_land_on(outcome.post))
        except posting.PostingError as error:
            db.session.rollback()
            show_domain_error(form, error)
    return render_template("forum/reply.html", thread=found, form=form)


@bp.post("/t/<int:thread_id>/watch")
@member_required
def watch(thread_id: int):
    found = _thread(thread_id)
    if watching.toggle_thread_watch(current_user, found):
        flash("You're watching this thread: we'll email you about new replies.", "success")
    else:
        flash("You've stopped watching this thread.", "info")
    db.session.commit()
    return redirect(url_for("forum.thread", thread_id=found.id))


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@member_required
def edit(post_id: int):
    post, found = _post(post_id)
    if post.author_id != current_user.id and not is_moderator(current_user):
        abort(403)
    form = edit_form(post, found, request.method == "GET")
    if form.validate_on_submit():
        try:
            outcome = posting.edit_post(post, current_user, required(form.body), title=form.sent_title())
            flash(outcome.message, "info" if outcome.held else "success")
            return redirect(
                url_for(
                    "forum.thread",
                    thread_id=found.id,
                    page=(post.number - 1) // queries.page_size() + 1,
                    _anchor=f"post-{post.number}",
                )
            )
        except posting.PostingError as error:
            db.session.rollback()
            show_domain_error(form, error)
    note = None
    if post.status == "held":
        note = checks.held_note(
            post.held_reason,
            post.held_detail,
            post.body_md,
            found.title if post.number == 1 else None,
            to_author=post.author_id == current_user.id,
        )
    return render_template("forum/edit.html", post=post, thread=found, form=form, note=note)


@bp.get("/p/<int:post_id>/history")
@member_required
def history(post_id: int):
    post, found = _post(post_id)
    revisions = list(
        db.session.scalars(
            select(PostRevision).where(PostRevision.post_id == post.id).order_by(PostRevision.replaced_at.desc())
        )
    )
    everything = post.author_id == current_user.id or is_moderator(current_user)
    return render_template(
        "forum/history.html",
        post=post,
        thread=found,
        revisions=checks.shown_revisions(revisions, everything=everything),
    )


@bp.post("/p/<int:post_id>/delete")
@member_required
def delete(post_id: int):
    post, found = _post(post_id)
    try:
        posting.delete_own_post(post, current_user)
        flash("Your post is deleted.", "success")
    except posting.PostingError as error:
        flash(str(error), "error")
    return redirect(url_for("forum.thread", thread_id=found.id))


@bp.route("/p/<int:post_id>/report", methods=["GET", "POST"])
@member_required
def report(post_id: int):
    post, found = _post(post_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            moderation.report(post, current_user, required(form.reason))
            flash("Thank you. A moderator will look at it.", "success")
            return redirect(url_for("forum.thread", thread_id=found.id))
        except moderation.ModerationError as error:
            show_domain_error(form, error)
    return render_template("forum/report.html", post=post, thread=found, form=form)
