"""/account/setup/<token>: the one-time set-up link where a user chooses their own password
after two admins created, reset or enabled their account. A manager or admin without an
authenticator goes on from the link straight to enrolling one; others sign in as usual.

The view is registered on the auth blueprint by webapp/auth/routes.py."""

from __future__ import annotations

from flask import flash, make_response, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from webapp.audit import record, user_target
from webapp.auth import services, setup_links, twofactor
from webapp.auth.forms import SetupPasswordForm
from webapp.auth.sessions import start_session
from webapp.extensions import db, limiter
from webapp.htmx import redirect_to
from webapp.models import User
from webapp.models.base import utcnow


def _no_store(body: str, status: int) -> Response:
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    return response


def _continue_to_enrolment(user: User) -> Response:
    """A manager or admin enrols their authenticator on the link itself, right after choosing
    the password: nobody else gets a turn at an account whose second factor is not set."""
    user.last_login_at = utcnow()
    record("login", actor=user, target=user_target(user), details={"via": "setup_link"})
    db.session.commit()
    start_session(user)
    flash(_("Your password is set. Now add your authenticator app."), "success")
    return redirect_to(url_for("auth.twofactor_setup"))


def _invalid() -> Response:
    return _no_store(render_template("auth/setup_invalid.html"), 404)


@limiter.limit("20/minute")
def setup_account(token: str) -> Response:
    link = setup_links.find_usable(token)
    if link is None:
        return _invalid()
    user = link.user
    form = SetupPasswordForm()
    form.policy_username = user.username
    if form.validate_on_submit():
        if not setup_links.claim(link):
            db.session.rollback()
            return _invalid()
        services.set_password(user, form.password.data or "", actor=user)
        record("setup_link_used", actor=user, target=user_target(user),
               details={"purpose": link.purpose})
        if twofactor.required_for(user) and not user.totp_enabled:
            return _continue_to_enrolment(user)
        db.session.commit()
        flash(_("Your password is set. Sign in with it now."), "success")
        return redirect_to(url_for("auth.login"))
    page = render_template("auth/setup_account.html", form=form, user=user, token=token)
    return _no_store(page, 422 if form.errors else 200)
