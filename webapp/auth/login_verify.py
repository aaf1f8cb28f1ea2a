"""The second factor: /login/verify finishes a sign-in, /account/step-up refreshes the code.

Wrong codes count towards the same per-name lockout and per-IP budget as wrong passwords.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.audit import record, user_target
from webapp.auth import bp, throttle
from webapp.auth.access import ANY_ROLE, roles_required
from webapp.auth.routes import IP_SCOPE, PENDING_KEY, _safe_next, pending_user, start_session
from webapp.auth.stepup import mark_fresh
from webapp.auth.twofactor import backup_codes_left, verify_second_factor, verify_totp
from webapp.auth.twofactor_forms import SecondFactorForm, TotpCodeForm
from webapp.extensions import db, limiter
from webapp.htmx import redirect_to
from webapp.models import User
from webapp.models.base import utcnow


def _locked(user: User, template: str, form: SecondFactorForm | TotpCodeForm
            ) -> tuple[str, int]:
    record("login_locked", actor=user, target=user_target(user))
    db.session.commit()
    form.code.errors = [_("Too many attempts. Try again in 15 minutes.")]
    return render_template(template, form=form), 429


def _failed(user: User, action: str, form: SecondFactorForm | TotpCodeForm) -> None:
    record(action, actor=user, target=user_target(user))
    db.session.commit()
    throttle.record_failure(user.username)
    form.code.errors = [_("This code is not right, or it was already used.")]


@bp.route("/login/verify", methods=["GET", "POST"])
@limiter.shared_limit(throttle.ip_limit, IP_SCOPE, methods=["POST"],
                      deduct_when=throttle.is_failed_login)
def login_verify() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    pending = pending_user()
    if pending is None:
        session.pop(PENDING_KEY, None)
        flash(_("Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    user, next_url = pending
    form = SecondFactorForm()
    if not form.validate_on_submit():
        return render_template("auth/login_verify.html", form=form)
    if throttle.is_locked(user.username):
        return _locked(user, "auth/login_verify.html", form)
    method = verify_second_factor(user, form.code.data or "")
    if method is None:
        _failed(user, "login_second_factor_failed", form)
        return render_template("auth/login_verify.html", form=form), 200
    throttle.record_success(user.username)
    user.last_login_at = utcnow()
    record("login", actor=user, target=user_target(user), details={"second_factor": method})
    db.session.commit()
    start_session(user)
    if method == "totp":
        mark_fresh()
    else:
        left = backup_codes_left(user)
        flash(ngettext("You used a backup code; %(num)s is left.",
                       "You used a backup code; %(num)s are left.", left), "warning")
    return redirect(next_url, code=303)


@bp.route("/account/step-up", methods=["GET", "POST"])
@roles_required(*ANY_ROLE)
def step_up() -> str | Response | tuple[str, int]:
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    next_url = _safe_next(request.args.get("next"))
    if not user.totp_enabled:
        flash(_("Set up two-factor sign-in first."), "info")
        return redirect_to(url_for("auth.twofactor_setup"))
    form = TotpCodeForm()
    if not form.validate_on_submit():
        return render_template("auth/step_up.html", form=form)
    if throttle.is_locked(user.username):
        return _locked(user, "auth/step_up.html", form)
    if not verify_totp(user, form.code.data or ""):
        _failed(user, "step_up_failed", form)
        return render_template("auth/step_up.html", form=form), 422
    mark_fresh()
    record("step_up", actor=user, target=user_target(user))
    db.session.commit()
    return redirect_to(next_url)
