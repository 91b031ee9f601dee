"""A member's email preferences."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField

from ..extensions import db
from .preferences import FORUM_CHOICES, MailPreferences, preferences_for

bp = Blueprint("mail", __name__)


class PreferencesForm(FlaskForm):
    association_news = BooleanField("Association news and announcements")
    event_reminders = BooleanField("A reminder the day before events I'm going to")
    forum_notifications = RadioField("Forum threads I watch", choices=list(FORUM_CHOICES.items()))
    strategy_updates = BooleanField("Strategy group updates (what was raised, what the service said)")
    weekly_digest = BooleanField("A weekly digest of what's coming up")


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
