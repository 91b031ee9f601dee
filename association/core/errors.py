"""Friendly error pages; JSON for clients that ask for it. And ``DomainError``, the root of the
refusals that rules raise for people to read."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError

from ..extensions import db


class DomainError(ValueError):
    """A rule refused what someone asked; ``str(error)`` says why in plain words, for people.

    ``field`` names the form field the message belongs to (None: the form or the action as a
    whole). Each part's refusal (``PostingError``, ``EventError``, ...) derives from this, so a view
    shows any of them the same way: ``core.forms.show_domain_error``, never by reading the text.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


MESSAGES = {
    400: ("Something in that request was not right", "Please go back and try again."),
    403: ("You don't have access to this page", "If you think you should, please ask an association admin."),
    404: ("We can't find that page", "It may have moved, or the link may be mistyped."),
    405: ("That didn't work", "Please go back and use the buttons on the page."),
    413: ("That file is too large", "Please go back and choose a smaller file: the form says how large a file can be."),
    429: ("Too many attempts", "For your security, please wait a few minutes and try again."),
    500: ("Sorry, something went wrong on our side", "It has been noted. Please try again in a little while."),
}


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def render_error(status: int, template: str = "core/error.html", message: tuple[str, str] | None = None):
    """The error page (or JSON) for ``status``; ``message`` (title, detail) when the usual one is too vague."""
    title, detail = message or MESSAGES.get(status, MESSAGES[500])
    if _wants_json():
        return jsonify(error=title, detail=detail), status
    return render_template(template, status=status, title=title, detail=detail), status


def register(app: Flask) -> None:
    for status in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(status, lambda e, s=status: render_error(s))

    @app.errorhandler(CSRFError)
    def _csrf(_error):
        return render_template("core/csrf_expired.html"), 400

    @app.errorhandler(500)
    def _server_error(_error):
        db.session.rollback()
        return render_error(500)
