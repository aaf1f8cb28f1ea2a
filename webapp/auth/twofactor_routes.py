"""/account/2fa: enrol an authenticator (QR code made here), backup codes, switching off; and
the guard that sends a manager or admin without a second factor to enrol before anything else.
"""

from __future__ import annotations

from flask import flash, make_response, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.audit import record, user_target
from webapp.auth import bp, throttle
from webapp.auth.access import ANY_ROLE, roles_required
from webapp.auth.stepup import mark_fresh
from webapp.auth.twofactor import (
    PURPOSE,
    backup_codes_left,
    enable,
    new_backup_codes,
    new_secret,
    provisioning_uri,
    qr_data_uri,
    remove,
    required_for,
    verify_totp,
)
from webapp.auth.twofactor_forms import TotpCodeForm
from webapp.crypto import decrypt_text, encrypt_text
from webapp.extensions import db
from webapp.htmx import redirect_to
from webapp.models import User

ENROL_KEY = "totp_enrol"  # the secret being enrolled, encrypted (the session cookie is readable)
# What a manager or admin without a second factor may still open.
OPEN_BEFORE_ENROLMENT = frozenset({
    "auth.twofactor_setup", "auth.logout", "auth.login", "auth.login_verify",
    "main.set_language", "static",
})


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.before_app_request
def _send_to_enrolment() -> Response | None:
    """Managers and admins must enrol before any other page (approvals above all)."""
    if request.endpoint is None or request.endpoint in OPEN_BEFORE_ENROLMENT:
        return None
    if not current_user.is_authenticated:
        return None
    user = _me()
    if required_for(user) and not user.totp_enabled:
        return redirect_to(url_for("auth.twofactor_setup"))
    return None


def _code_ok(user: User, form: TotpCodeForm) -> bool:
    """A valid form with a fresh authenticator code; a wrong one counts towards the lockout."""
    if not form.validate_on_submit():
        return False
    if throttle.is_locked(user.username) or not verify_totp(user, form.code.data or ""):
        throttle.record_failure(user.username)
        form.code.errors = [_("This code is not right, or it was already used.")]
        return False
    return True


def _codes_page(codes: list[str]) -> Response:
    """Backup codes are shown once: never cached, never shown again."""
    response = make_response(render_template("auth/backup_codes.html", codes=codes))
    response.headers["Cache-Control"] = "no-store"
    return response


def _status_page(form: TotpCodeForm | None = None, status: int = 200) -> tuple[str, int]:
    user = _me()
    return render_template("auth/twofactor.html", user=user, form=form or TotpCodeForm(),
                           required=required_for(user),
                           codes_left=backup_codes_left(user)), status


@bp.route("/account/2fa", methods=["GET"])
@roles_required(*ANY_ROLE)
def twofactor() -> tuple[str, int]:
    return _status_page()


@bp.route("/account/2fa/setup", methods=["GET", "POST"])
@roles_required(*ANY_ROLE)
def twofactor_setup() -> Response | tuple[str, int]:
    user = _me()
    if user.totp_enabled:
        return redirect_to(url_for("auth.twofactor"))
    stored = session.get(ENROL_KEY)
    secret = decrypt_text(PURPOSE, stored) if isinstance(stored, str) else new_secret()
    session[ENROL_KEY] = encrypt_text(PURPOSE, secret)
    form = TotpCodeForm()
    if form.validate_on_submit():
        codes = enable(user, secret, form.code.data or "")
        if codes is not None:
            session.pop(ENROL_KEY, None)
            record("two_factor_enabled", actor=user, target=user_target(user))
            db.session.commit()
            mark_fresh()
            return _codes_page(codes)
        record("two_factor_enrol_failed", actor=user, target=user_target(user))
        db.session.commit()
        form.code.errors = [_("This code is not right. Check the phone's clock and try again.")]
    uri = provisioning_uri(user, secret)
    page = render_template("auth/twofactor_setup.html", form=form, qr=qr_data_uri(uri),
                           secret=secret, required=required_for(user))
    response = make_response(page, 422 if form.errors else 200)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/2fa/backup-codes", methods=["POST"])
@roles_required(*ANY_ROLE)
def twofactor_backup_codes() -> Response | tuple[str, int]:
    """New backup codes (the old ones stop working), after a fresh authenticator code."""
    user = _me()
    form = TotpCodeForm()
    if not user.totp_enabled:
        return redirect_to(url_for("auth.twofactor_setup"))
    if not _code_ok(user, form):
        return _status_page(form, 422)
    codes = new_backup_codes(user)
    record("backup_codes_regenerated", actor=user, target=user_target(user))
    db.session.commit()
    mark_fresh()
    return _codes_page(codes)


@bp.route("/account/2fa/disable", methods=["POST"])
@roles_required(*ANY_ROLE)
def twofactor_disable() -> Response | tuple[str, int]:
    user = _me()
    if required_for(user):
        flash(_("Your role requires two-factor sign-in; it cannot be switched off."), "error")
        return redirect_to(url_for("auth.twofactor"))
    form = TotpCodeForm()
    if not user.totp_enabled:
        return redirect_to(url_for("auth.twofactor"))
    if not _code_ok(user, form):
        return _status_page(form, 422)
    remove(user)
    record("two_factor_disabled", actor=user, target=user_target(user))
    db.session.commit()
    flash(_("Two-factor sign-in is switched off."), "success")
    return redirect_to(url_for("auth.twofactor"))
