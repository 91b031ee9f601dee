"""Pages that belong to no single part."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    if current_user.is_authenticated and current_user.is_active_member:
        return redirect(url_for("members.directory"))
    return render_template("core/home.html")


@bp.get("/privacy")
def privacy():
    return render_template("core/privacy.html")


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
