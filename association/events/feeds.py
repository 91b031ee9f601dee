"""Calendar feeds over HTTP: public, per event, and each member's private feed, with ETags."""

from __future__ import annotations

import functools
import secrets
from datetime import UTC

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import bindparam, func, select

from ..extensions import db
from ..members.models import Member, MemberRole, MemberStatus
from . import queries
from .ical import build_feed, feed_etag
from .models import RSVP, Event, EventStatus

bp = Blueprint("feeds", __name__)
MIMETYPE = "text/calendar; charset=utf-8"


def _events_changed():
    """Two cheap scalar subqueries over every event: how many, and the newest change.

    Every change to an event stamps ``updated_at`` (indexed, so the max is one index lookup) and a
    deleted row lowers the count. Taken over all events rather than a feed's own, so a change to
    an event someone cannot see may cost them a full download, never a stale calendar.
    """
    return (
        select(func.count()).select_from(Event).scalar_subquery(),
        select(func.max(Event.updated_at)).scalar_subquery(),
    )


def _stamp(*versions) -> tuple:
    """The version tuple of a feed: its counts and changes, the newest change and the window."""
    changed = max((v for v in versions[1::2] if v is not None), default=None)
    return (*versions, changed, queries.feed_window_start())


def _respond(etag: str, last_modified, build, private: bool, headers: dict | None = None) -> Response:
    """The feed, or 304 when the calendar app's copy is current. A private feed answers 304 only
    to its ETag: it also shows what no date stamps (the member's name, roles, deleted replies)."""
    if request.if_none_match:
        unchanged = request.if_none_match.contains_weak(etag.strip('"'))
    else:
        unchanged = (
            not private
            and last_modified is not None
            and request.if_modified_since is not None
            and last_modified.replace(microsecond=0, tzinfo=UTC) <= request.if_modified_since
        )
    if unchanged:
        response = Response(status=304)
    else:
        response = Response(build(), mimetype="text/calendar")
        response.headers["Content-Type"] = MIMETYPE
    response.headers.update(headers or {})
    response.headers["ETag"] = etag
    if last_modified is not None:
        response.last_modified = last_modified
    response.headers["Cache-Control"] = f"{'private' if private else 'public'}, max-age=300"
    return response


def _feed_name() -> str:
    return current_app.config["ASSOCIATION_NAME"]


@bp.get("/events.ics")
def public_feed():
    visibilities = ("public",)
    version = _stamp(*db.session.execute(select(*_events_changed())).one())
    # The window moves at midnight: what falls out of the feed changes it then.
    last_modified = max(version[-2], queries.feed_window_start(0)) if version[-2] else None
    return _respond(
        feed_etag(version, f"public:{_feed_name()}"),
        last_modified,
        lambda: build_feed(
            queries.feed_events(visibilities, since=version[-1]),
            "public",
            f"{_feed_name()} events",
            "Public events of the association.",
        ),
        private=False,
    )


@bp.get("/events/<int:event_id>.ics")
def event_feed(event_id: int):
    event = db.session.get(Event, event_id)
    viewer = current_user if current_user.is_authenticated else None
    if event is None or not queries.can_see(viewer, event):
        abort(404)
    root = db.session.get(Event, event.series_root_id)
    # The event itself, or the first row of its series, which a meeting's series_id references (ON DELETE
    # CASCADE: the meetings go with it). Events are cancelled, never deleted.
    assert root is not None, "a meeting's series row exists while the meeting does"
    rows = _event_rows(root)
    variant = "member" if viewer is not None and viewer.is_active_member else "public"
    replies = (Event.__table__.c.id == event.id) | rows
    version = db.session.execute(select(*_event_version(rows, replies, viewer))).one()
    extra = f"event:{event.id}:{variant}:{_feed_name()}" + (
        f":{viewer.id}:{viewer.name}:{viewer.email}" if viewer else ""
    )

    def build() -> bytes:
        mine = {}
        if viewer is not None:
            mine = {
                r.event_id: r
                for r in db.session.scalars(
                    select(RSVP).join(Event, Event.id == RSVP.event_id).where(RSVP.member_id == viewer.id, replies)
                )
            }
        return build_feed(
            select(Event.__table__).where(rows).order_by(Event.starts_at, Event.id),
            variant,
            root.title,
            f"{root.title} — {_feed_name()}",
            rsvps=mine,
            member=viewer,
            replies_beyond=(event.visibility,),
        )

    # Signed in, the event carries the member's reply: their copy is theirs alone.
    return _respond(
        feed_etag(tuple(version), extra),
        max(v for v in version[1::2] if v is not None),
        build,
        private=viewer is not None,
        headers={"Content-Disposition": f'attachment; filename="event-{root.id}.ics"', "Vary": "Cookie"},
    )


def _event_rows(root: Event):
    """The rows of one event's feed: the event, or a series' first row and the meetings that
    differ from its rule (moved, changed or cancelled)."""
    events = Event.__table__.c
    rows = events.id == root.id
    if root.rrule:
        rows = rows | (
            (events.series_id == root.id) & (events.detached.is_(True) | (events.status == EventStatus.CANCELLED))
        )
    return rows


def _event_version(rows, replies, viewer) -> tuple:
    """Scalar subqueries of what one event's feed shows: how many rows and their newest change,
    and the viewer's replies to them likewise."""
    changed = (
        select(func.count()).select_from(Event).where(rows).scalar_subquery(),
        select(func.max(Event.updated_at)).where(rows).scalar_subquery(),
    )
    if viewer is None:
        return changed
    mine = select(RSVP.updated_at).join(Event, Event.id == RSVP.event_id).where(RSVP.member_id == viewer.id, replies)
    return (
        *changed,
        select(func.count()).select_from(mine.subquery()).scalar_subquery(),
        select(func.max(mine.subquery().c.updated_at)).scalar_subquery(),
    )


@functools.cache
def _private_version_query():
    """Built once: constructing this statement cost more than running it."""
    sees_strategy = (
        select(func.count())
        .select_from(MemberRole)
        .where(MemberRole.member_id == Member.id, MemberRole.role.in_(("strategy", "admin")))
        .scalar_subquery()
    )
    replies = (
        select(func.count()).select_from(RSVP).where(RSVP.member_id == Member.id).scalar_subquery(),
        select(func.max(RSVP.updated_at)).where(RSVP.member_id == Member.id).scalar_subquery(),
    )
    return select(
        Member.id, Member.status, Member.name, Member.email, sees_strategy, *_events_changed(), *replies
    ).where(Member.calendar_token == bindparam("token"))


@bp.get("/calendar/<token>.ics")
def private_feed(token: str):
    """Calendar apps poll this every few minutes: answering "not modified" takes one statement."""
    if len(token) > 64:
        abort(404)
    row = db.session.execute(_private_version_query(), {"token": token}).one_or_none()
    if row is None or row.status != MemberStatus.ACTIVE:
        abort(404)
    member_id, _, name, email, strategy, *counts = row
    visibilities = ("public", "members", "strategy") if strategy else ("public", "members")
    version = _stamp(*counts)

    def build() -> bytes:
        member = db.session.get(Member, member_id)
        mine = {r.event_id: r for r in db.session.scalars(select(RSVP).where(RSVP.member_id == member_id))}
        return build_feed(
            queries.feed_events(visibilities, since=version[-1]),
            "member",
            f"{_feed_name()} (mine)",
            "Association events you can see, with your replies.",
            rsvps=mine,
            member=member,
            replies_beyond=visibilities,
        )

    # The member's name and address are in the ATTENDEE of each event they replied to.
    extra = f"{member_id}:{token}:{name}:{email}:{visibilities}:{_feed_name()}"
    return _respond(feed_etag(version, extra), version[-2], build, private=True)


def ensure_calendar_token(member: Member) -> str:
    """The member's private feed token, made on first use (the caller commits)."""
    if not member.calendar_token:
        member.calendar_token = secrets.token_urlsafe(32)
    return member.calendar_token


@bp.get("/account/calendar")
@login_required
def subscribe():
    if not current_user.is_active_member:
        abort(403)
    token = ensure_calendar_token(current_user)
    db.session.commit()
    https_url = url_for("feeds.private_feed", token=token, _external=True)
    webcal_url = "webcal://" + https_url.split("://", 1)[1]
    return render_template("events/subscribe.html", https_url=https_url, webcal_url=webcal_url)


@bp.post("/account/calendar/rotate")
@login_required
def rotate():
    if not current_user.is_active_member:
        abort(403)
    current_user.calendar_token = secrets.token_urlsafe(32)
    db.session.commit()
    flash("Your calendar link has changed. The old link no longer works: subscribe again with the new one.", "success")
    return redirect(url_for("feeds.subscribe"))
