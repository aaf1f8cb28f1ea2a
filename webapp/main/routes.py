"""Dashboard at / and the header's language switch."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.extensions import db
from webapp.i18n import LANGUAGE_SESSION_KEY
from webapp.main import bp


@bp.route("/")
@login_required
def dashboard() -> str:
    return render_template("main/dashboard.html")


@bp.route("/language", methods=["POST"])
def set_language() -> Response:
    """Remember the chosen language in the session (and as the user's preference)."""
    language = request.form.get("language", "")
    if language in current_app.config["LANGUAGES"]:
        session[LANGUAGE_SESSION_KEY] = language
        if current_user.is_authenticated:
            current_user.language = language
            db.session.commit()
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("main.dashboard")
    return redirect(target, code=303)
