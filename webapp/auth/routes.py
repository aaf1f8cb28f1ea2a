"""Log in at /login, log out with a POST to /logout."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from webapp.auth import bp
from webapp.auth.forms import LoginForm
from webapp.auth.passwords import verify_password
from webapp.extensions import db
from webapp.models import User


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(db.select(User).filter_by(username=form.username.data))
        ok = verify_password(user.password_hash if user else None, form.password.data or "")
        if user is not None and ok and not user.disabled:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")), code=303)
        flash(_("Wrong username or password."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    current_user.rotate_session_token()
    db.session.commit()
    logout_user()
    return redirect(url_for("auth.login"), code=303)
