"""Applying, signing in and out, and the links we email for passwords and addresses."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..core.errors import render_error
from ..core.forms import required
from ..core.redirects import safe_next
from ..extensions import db, limiter, login_account_key
from . import accounts, applications
from .forms import ApplyForm, LoginForm, PasswordResetRequestForm, SetPasswordForm, SignInLinkForm, SignInLinkUseForm
from .models import Member
from .tokens import TokenError

bp = Blueprint("auth", __name__)


@bp.route("/apply", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def apply():
    form = ApplyForm()
    if form.validate_on_submit():
        applications.submit_application(
            applications.Application(
                name=required(form.name),
                email=form.email.data,
                phone=form.phone.data,
                area=required(form.area),
                service_name=required(form.service_name),
                service_type=form.service_type.data,
                approval_category=form.approval_category.data,
                years_fostering=required(form.years_fostering),
                how_heard=form.how_heard.data or "",
            )
        )
        return render_template("members/apply_sent.html", email=form.email.data)
    return render_template("members/apply.html", form=form)


@bp.get("/apply/confirm/<token>")
def confirm_application(token: str):
    try:
        applications.confirm_application(token)
    except TokenError as error:
        return render_template("members/link_problem.html", problem=str(error)), 400
    return render_template("members/apply_confirmed.html")


def _failed_login(response) -> bool:
    return response.status_code != 302


# Only failed attempts count, per network address and per account: a room of carers signing in on
# one venue's Wi-Fi is never locked out by succeeding. When a limit is reached even the right
# password waits (or guessing would go on), but the owner can still sign in by an emailed link.
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_ADDRESS"], methods=["POST"], deduct_when=_failed_login)
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_ACCOUNT"],
    key_func=login_account_key,
    methods=["POST"],
    deduct_when=_failed_login,
    scope="login-account",
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        member = accounts.authenticate(form.email.data, required(form.password))
        if member is not None:
            db.session.commit()  # the time of this sign-in
            login_user(member, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next"), url_for(accounts.landing_endpoint(member))))
        # The same words whether the email is unknown, the password wrong or the account closed.
        flash(
            "That email and password don't match an account that can sign in. Check them, or reset your password.",
            "error",
        )
    return render_template("members/login.html", form=form)


@bp.errorhandler(429)
def _too_many(_error):
    if request.endpoint != "auth.login":
        return render_error(429)
    form = SignInLinkForm(email=request.form.get("email", "")[:254])
    return render_template("members/login_locked.html", form=form), 429


@bp.route("/login/link", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGN_IN_LINK_RATE_LIMIT_ADDRESS"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["SIGN_IN_LINK_RATE_LIMIT_ACCOUNT"],
    key_func=login_account_key,
    methods=["POST"],
    scope="sign-in-link",
)
def sign_in_link():
    form = SignInLinkForm()
    if form.validate_on_submit():
        accounts.request_sign_in_link(form.email.data)
        return render_template("members/sign_in_link_sent.html", email=form.email.data)
    return render_template("members/sign_in_link.html", form=form)


@bp.route("/login/link/<token>", methods=["GET", "POST"])
def sign_in_with_link(token: str):
    try:
        member = accounts.member_for_sign_in_link(token)
    except TokenError as error:
        return render_template("members/link_problem.html", problem=str(error), offer_sign_in_link=True), 400
    form = SignInLinkUseForm()
    # Opening the link only asks: mail scanners open links too, and must not spend it.
    if form.validate_on_submit():
        accounts.signed_in_by_link(member)
        login_user(member)
        flash(f"Welcome back, {member.first_name}. You're signed in.", "success")
        return redirect(url_for(accounts.landing_endpoint(member)))
    return render_template("members/sign_in_with_link.html", form=form, member=member)


@bp.post("/logout")
def logout():
    logout_user()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def password_reset_request():
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        return render_template("members/reset_sent.html", email=form.email.data)
    return render_template("members/reset_request.html", form=form)


@bp.route("/password/set/<token>", methods=["GET", "POST"])
def set_password(token: str):
    try:
        member = applications.member_for_password_token(token)
    except TokenError as error:
        return render_template("members/link_problem.html", problem=str(error), offer_reset=True), 400
    form = SetPasswordForm()
    if form.validate_on_submit() and form.check_new_password(member.mail_to, member.name):
        accounts.set_password(member, required(form.password))
        login_user(member)
        flash("Your password is set. Welcome!", "success")
        return redirect(url_for("core.home"))
    return render_template("members/set_password.html", form=form, member=member)


@bp.get("/account/email/confirm/<token>")
def confirm_email_change(token: str):
    try:
        accounts.confirm_email_change(token)
    except TokenError as error:
        return render_template("members/link_problem.html", problem=str(error)), 400
    db.session.commit()
    flash("Your email address has been changed.", "success")
    return redirect(url_for("members.account") if current_user.is_authenticated else url_for("auth.login"))


def load_member(user_id: str) -> Member | None:
    """Flask-Login loader: the id carries a version, so a password change ends other sessions."""
    member_id, _, version = user_id.partition(".")
    if not member_id.isdigit() or not version.isdigit():
        return None
    # One statement with the roles joined in: this runs on every signed-in request.
    member = (
        db.session.scalars(select(Member).options(joinedload(Member.role_rows)).where(Member.id == int(member_id)))
        .unique()
        .one_or_none()
    )
    if member is None or member.login_version != int(version) or not member.is_active:
        return None
    return member
