"""Sign in at /login (throttled per username and per IP), sign out with a POST to /logout.

A user with two-factor sign-in is not signed in by the password alone: the session only notes
"second factor pending for user X" and /login/verify (webapp/auth/login_verify.py) finishes.

The second factor: /login/verify finishes a sign-in, /account/step-up refreshes the code.

Wrong codes count towards the same per-name lockout and per-IP budget as wrong passwords.

/profile: the signed-in person's language, time zone and password.

/account/sessions: where this person is signed in, and "sign out everywhere".

/account/2fa: enrol an authenticator (QR code made here), backup codes, switching off; and
the guard that sends a manager or admin without a second factor to enrol before anything else."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext, refresh
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from webapp.audit import record, user_target
from webapp.auth import security_audit, throttle
from webapp.auth.access import ANY_ROLE, role_label, roles_required
from webapp.auth.forms import ChangePasswordForm, LoginForm, PreferencesForm
from webapp.auth.next_url import safe_next
from webapp.auth.passwords import verify_password
from webapp.auth.services import find_user, set_password
from webapp.auth.sessions import (
    active_sessions,
    clear_session,
    current_session,
    end_all,
    end_session,
    start_session,
)
from webapp.auth.setup_routes import setup_account
from webapp.auth.stepup import mark_fresh, resume_held_action
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
    verify_second_factor,
    verify_totp,
)
from webapp.auth.twofactor_forms import ButtonForm, SecondFactorForm, TotpCodeForm
from webapp.auth.waiting_role import active_admins, waiting_grants
from webapp.crypto import decrypt_text, encrypt_text
from webapp.extensions import db, limiter
from webapp.htmx import redirect_to
from webapp.i18n import LANGUAGE_SESSION_KEY
from webapp.models import User
from webapp.models.base import utcnow

bp = Blueprint("auth", __name__)
bp.add_url_rule("/account/setup/<token>", view_func=setup_account, methods=["GET", "POST"])


@bp.before_app_request
def _identify_from_this_request() -> None:
    """Forget the user and locale cached in `g` by an earlier request sharing this app context
    (as test clients do), so every request is judged by its own cookie, token and headers.
    Registered first in this module, so the guards below run after it."""
    g.pop("_login_user", None)
    refresh()

PENDING_KEY = "pending_second_factor"
# The password step is good for this long; then the password must be typed again.
PENDING_SECONDS = 300
# Failed sign-ins (password or second factor) spend one shared per-IP budget.
IP_SCOPE = "login"


def _await_second_factor(user: User) -> Response:
    """Password accepted: remember only who is half-way in, never sign them in yet."""
    clear_session()
    session[PENDING_KEY] = {"user_id": user.id, "since": time.time(),
                            "next": safe_next(request.args.get("next"))}
    record("login_second_factor_asked", actor=user, target=user_target(user))
    db.session.commit()
    return redirect(url_for("auth.login_verify"), code=303)


def pending_user() -> tuple[User, str] | None:
    """The user waiting for their second factor (and where to go after), if not stale."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("since", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("user_id"))
    if user is None or user.disabled or not user.totp_enabled:
        return None
    return user, safe_next(pending.get("next"))


def _refuse_locked(form: LoginForm, user: User | None) -> tuple[str, int]:
    """The same answer whether the name exists or not; the password is not even checked."""
    record("login_locked", actor=user, target=user_target(user) if user else None)
    db.session.commit()
    flash(_("Too many attempts. Try again in 15 minutes."), "error")
    return render_template("auth/login.html", form=form), 429


@bp.route("/login", methods=["GET", "POST"])
@limiter.shared_limit(throttle.ip_limit, IP_SCOPE, methods=["POST"],
                      deduct_when=throttle.is_failed_login)
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    username = form.username.data or ""
    user = find_user(username)
    if throttle.is_locked(username):
        return _refuse_locked(form, user)
    ok = verify_password(user.password_hash if user else None, form.password.data or "")
    if user is not None and ok and not user.disabled and user.totp_enabled:
        # Earlier failures are forgotten only when the second factor is right too.
        return _await_second_factor(user)
    if user is not None and ok and not user.disabled:
        throttle.record_success(username)
        user.last_login_at = utcnow()
        record("login", actor=user, target=user_target(user))
        db.session.commit()
        start_session(user)
        return redirect(safe_next(request.args.get("next")), code=303)
    reason = "unknown_user" if user is None else ("disabled" if ok else "bad_password")
    # An unknown name is not stored: people type passwords into the username box.
    record("login_failed", actor=user, target=user_target(user) if user else None,
           details={"reason": reason})
    db.session.commit()
    throttle.record_failure(username)
    flash(_("Wrong username or password."), "error")
    return render_template("auth/login.html", form=form), 200


@bp.route("/logout", methods=["POST"])
@roles_required(*ANY_ROLE)
def logout() -> Response:
    """Ends this browser's session row, so a copy of the cookie is dead too."""
    user = current_user._get_current_object()
    row = current_session()
    if row is not None:
        end_session(row, "logout")
    record("logout", actor=user, target=user_target(user))
    db.session.commit()
    logout_user()
    clear_session()
    flash(_("You have been signed out."), "info")
    return redirect(url_for("auth.login"), code=303)


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
    g.pending_username = user.username  # the demo's hint names the `demo code` to run
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
    next_url = safe_next(request.args.get("next"))
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
    return resume_held_action() or redirect_to(next_url)


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _forms(user: User) -> tuple[PreferencesForm, ChangePasswordForm]:
    prefs = PreferencesForm(prefix="prefs", data={
        "language": user.language or session.get(LANGUAGE_SESSION_KEY) or "en",
        "timezone": user.timezone or "UTC",
    })
    password = ChangePasswordForm(prefix="pw", username=user.username)
    return prefs, password


def _page(prefs: PreferencesForm, password: ChangePasswordForm, status: int = 200
          ) -> tuple[str, int]:
    return render_template("auth/profile.html", prefs=prefs, password=password), status


@bp.route("/waiting-for-role", methods=["GET"])
@login_required
def waiting_for_role() -> str | Response:
    """Signed in, no role yet: which grant waits and which admins may confirm it."""
    user = _me()
    if user.roles:
        return redirect(url_for("main.dashboard"))
    return render_template("auth/waiting_for_role.html", grants=waiting_grants(user),
                           admins=active_admins())


@bp.route("/profile", methods=["GET"])
@roles_required(*ANY_ROLE)
def profile() -> tuple[str, int]:
    return _page(*_forms(_me()))


@bp.route("/profile/preferences", methods=["POST"])
@roles_required(*ANY_ROLE)
def save_preferences() -> Response | tuple[str, int]:
    user = _me()
    prefs, password = _forms(user)
    if not prefs.validate_on_submit():
        return _page(prefs, password, 422)
    changes = {}
    if prefs.language.data != user.language:
        changes["language"] = prefs.language.data
    if prefs.timezone.data != user.timezone:
        changes["timezone"] = prefs.timezone.data
    if changes:
        user.language = prefs.language.data
        user.timezone = prefs.timezone.data
        session[LANGUAGE_SESSION_KEY] = user.language
        record("profile_updated", actor=user, target=user_target(user), details=changes)
        db.session.commit()
    flash(_("Your preferences are saved."), "success")
    return redirect_to(url_for("auth.profile"))


@bp.route("/profile/password", methods=["POST"])
@roles_required(*ANY_ROLE)
def change_password() -> Response | tuple[str, int]:
    """A new password ends every other session; this one is signed in again with the new token."""
    user = _me()
    prefs, password = _forms(user)
    if not password.validate_on_submit():
        return _page(prefs, password, 422)
    # Wrong current passwords count towards the same lockout as sign-in attempts.
    if throttle.is_locked(user.username):
        password.current_password.errors = [_("Too many attempts. Try again in 15 minutes.")]
        return _page(prefs, password, 429)
    if not verify_password(user.password_hash, password.current_password.data or ""):
        throttle.record_failure(user.username)
        password.current_password.errors = [_("The current password is wrong.")]
        return _page(prefs, password, 422)
    set_password(user, password.new_password.data or "", actor=user)
    db.session.commit()
    start_session(user)
    flash(_("Your password is changed. Other sessions are signed out."), "success")
    return redirect_to(url_for("auth.profile"))


@bp.route("/account/sessions", methods=["GET"])
@roles_required(*ANY_ROLE)
def sessions() -> str:
    here = current_session()
    return render_template("auth/sessions.html", sessions=active_sessions(_me()),
                           current_id=here.id if here else None, action_form=ButtonForm())


@bp.route("/account/sessions/end-all", methods=["POST"])
@roles_required(*ANY_ROLE)
def end_all_sessions() -> Response:
    """Every session of this person ends, this one included."""
    user = _me()
    if not ButtonForm().validate_on_submit():
        abort(400)
    count = end_all(user, "everywhere")
    record("sessions_ended", actor=user, target=user_target(user),
           details={"count": count, "by": "self"})
    db.session.commit()
    logout_user()
    clear_session()
    flash(_("You are signed out everywhere."), "info")
    return redirect(url_for("auth.login"), code=303)


ENROL_KEY = "totp_enrol"  # the secret being enrolled, encrypted (the session cookie is readable)
# What a manager or admin without a second factor may still open.
OPEN_BEFORE_ENROLMENT = frozenset({
    "auth.twofactor_setup", "auth.logout", "auth.login", "auth.login_verify",
    "main.set_language", "static", "auth.setup_account",
})


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


assert security_audit.SECURITY_ACTION_LABELS  # importing it adds the audit labels
bp.add_app_template_global(role_label, "role_label")
