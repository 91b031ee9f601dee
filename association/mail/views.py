"""A member's email preferences."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField

from ..extensions import csrf, db
from .consent import UnsubscribeError, read_unsubscribe_token
from .consent import unsubscribe as turn_off
from .preferences import FORUM_CHOICES, MailPreferences, preferences_for

bp = Blueprint("mail", __name__)


class PreferencesForm(FlaskForm):
    association_news = BooleanField("Association news and announcements")
    event_reminders = BooleanField("A reminder the day before events I'm going to")
    forum_notifications = RadioField("Forum threads I watch", choices=list(FORUM_CHOICES.items()))
    strategy_updates = BooleanField("Strategy group updates (what was raised, what the service said)")
    weekly_digest = BooleanField("A weekly digest of what's coming up")
    training_reminders = BooleanField(
        "A reminder when my training needs renewing (like first aid), at most once a week"
    )


@bp.route("/account/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    current = preferences_for(current_user.id)
    form = PreferencesForm(obj=current)
    if form.validate_on_submit():
        if db.session.get(MailPreferences, current_user.id) is None:
            db.session.add(current)
        form.populate_obj(current)
        db.session.commit()
        flash("Your email choices are saved.", "success")
        return redirect(url_for("mail.preferences"))
    return render_template("mail/preferences.html", form=form)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the proof; mail providers POST here without a session (RFC 8058)
def unsubscribe(token: str):
    """GET asks (link scanners open links); POST, from the page or a mail provider, turns it off."""
    try:
        asked = read_unsubscribe_token(token)
    except UnsubscribeError as error:
        return render_template("mail/unsubscribe.html", error=str(error)), 400
    if request.method == "GET":
        return render_template("mail/unsubscribe.html", asked=asked, token=token)
    if not turn_off(asked):
        return render_template("mail/unsubscribe.html", error="We no longer hold this address."), 404
    return render_template("mail/unsubscribe.html", asked=asked, done=True)
