"""Calendar feeds over HTTP: public, per event, and each member's private feed, with ETags."""
from __future__ import annotations

import secrets

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..extensions import db
from ..members.models import Member
from . import queries
from .ical import build_feed, feed_etag
from .models import RSVP, Event

bp = Blueprint("feeds", __name__)
MIMETYPE = "text/calendar; charset=utf-8"


def _version(visibilities: tuple[str, ...]) -> tuple:
    """Changes whenever any event a feed could hold changes: one aggregate query."""
    return tuple(db.session.execute(
        select(func.count(Event.id), func.max(Event.updated_at)).where(Event.visibility.in_(visibilities))
    ).one())


def _respond(etag: str, last_modified, build, private: bool) -> Response:
    if request.if_none_match.contains_weak(etag.strip('"')):
        response = Response(status=304)
    else:
        response = Response(build(), mimetype="text/calendar")
        response.headers["Content-Type"] = MIMETYPE
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
    version = _version(visibilities)
    return _respond(feed_etag(version, "public"), version[1], lambda: build_feed(
        list(queries.feed_events(visibilities)), "public", f"{_feed_name()} events",
        "Public events of the association."), private=False)


@bp.get("/events/<int:event_id>.ics")
def event_feed(event_id: int):
    event = db.session.get(Event, event_id)
    viewer = current_user if current_user.is_authenticated else None
    if event is None or not queries.can_see(viewer, event):
        abort(404)
    root = db.session.get(Event, event.series_root_id)
    rows = [root] + ([e for e in db.session.scalars(select(Event).where(
        Event.series_id == root.id, (Event.detached.is_(True)) | (Event.status == "cancelled")))] if root.rrule else [])
    variant = "member" if viewer is not None and viewer.is_active_member else "public"
    mine = {}
    if viewer is not None:
        mine = {r.event_id: r for r in db.session.scalars(select(RSVP).where(
            RSVP.member_id == viewer.id, RSVP.event_id.in_([event.id] + [r.id for r in rows])))}
    extra = [event] if event.id in mine and event not in rows else []
    body = build_feed(rows, variant, root.title, f"{root.title} — {_feed_name()}", rsvps=mine, member=viewer,
                      extra_occurrences=extra)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = MIMETYPE
    response.headers["Content-Disposition"] = f'attachment; filename="event-{root.id}.ics"'
    return response


@bp.get("/calendar/<token>.ics")
def private_feed(token: str):
    if len(token) > 64:
        abort(404)
    member = db.session.scalar(select(Member).where(Member.calendar_token == token))
    if member is None or not member.is_active_member:
        abort(404)
    visibilities = queries.visible_visibilities(member)
    version = _version(visibilities)
    rsvp_version = tuple(db.session.execute(select(func.count(RSVP.id), func.max(RSVP.updated_at))
                                            .where(RSVP.member_id == member.id)).one())
    last_modified = max([v for v in (version[1], rsvp_version[1]) if v is not None], default=None)

    def build() -> bytes:
        events = list(queries.feed_events(visibilities))
        mine = {r.event_id: r for r in db.session.scalars(select(RSVP).where(RSVP.member_id == member.id))}
        listed = {e.id for e in events}
        extra = list(db.session.scalars(select(Event).where(
            Event.id.in_([i for i in mine if i not in listed]), Event.visibility.in_(visibilities))))
        return build_feed(events, "member", f"{_feed_name()} (mine)",
                          "Association events you can see, with your replies.", rsvps=mine, member=member,
                          extra_occurrences=[e for e in extra if e.series_id])

    return _respond(feed_etag(version, f"{member.id}:{token}:{rsvp_version}"), last_modified, build, private=True)


def ensure_calendar_token(member: Member) -> str:
    if not member.calendar_token:
        member.calendar_token = secrets.token_urlsafe(32)
        db.session.commit()
    return member.calendar_token


@bp.get("/account/calendar")
@login_required
def subscribe():
    if not current_user.is_active_member:
        abort(403)
    token = ensure_calendar_token(current_user)
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
