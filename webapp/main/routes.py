"""Dashboard at / and the header's language switch."""

from __future__ import annotations

from datetime import UTC

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.auth.access import ANY_ROLE, roles_required
from webapp.extensions import db
from webapp.i18n import LANGUAGE_SESSION_KEY
from webapp.main.chart import bar_chart
from webapp.main.dashboard import (
    MY_TO_FIX,
    TO_FIX,
    Periods,
    awaiting_my_approval,
    daily_volume,
    my_payouts_to_fix,
    needing_attention,
    now_utc,
    payouts_i_can_fix,
    period_totals,
    to_approve_count,
    to_fix_count,
)
from webapp.models import Role, User
from webapp.navigation import nav_counts as header_counts
from webapp.navigation import register_count

bp = Blueprint("main", __name__)


def _to_fix(user: User) -> int | None:
    return to_fix_count(user) if user.has_role(Role.OPERATOR) else None


def _to_approve(user: User) -> int | None:
    return to_approve_count(user) if user.has_role(Role.MANAGER) else None


@bp.record_once
def _register_counts(state: BlueprintSetupState) -> None:
    """The header's numbers: payouts to fix (operators), waiting for my approval (managers)."""
    register_count(state.app, "main.dashboard", (_to_fix, lambda: _("to fix")))
    register_count(state.app, "approvals.queue", (_to_approve, lambda: _("waiting for you")))


@bp.route("/")
@roles_required(*ANY_ROLE)
def dashboard() -> str:
    """What waits for me, today's and this week's totals, failures and a 14-day chart."""
    zone = get_timezone() or UTC
    periods = Periods.at(now_utc(), zone, get_locale().first_week_day)
    today, week = period_totals(current_user, periods)
    is_manager = current_user.has_role(Role.MANAGER)
    is_operator = current_user.has_role(Role.OPERATOR)
    return render_template(
        "main/dashboard.html",
        to_approve=awaiting_my_approval(current_user) if is_manager else None,
        to_fix=my_payouts_to_fix(current_user) if is_operator else None,
        to_fix_statuses=[s.value for s in TO_FIX],
        my_fix_statuses=[s.value for s in MY_TO_FIX],
        fixable=payouts_i_can_fix(current_user) if is_operator else [],
        today=today, week=week, periods=periods,
        attention=needing_attention(current_user),
        chart=bar_chart(daily_volume(current_user, periods, zone)),
    )


@bp.route("/nav-counts")
@roles_required(*ANY_ROLE)
def nav_counts() -> str:
    """The header's numbers, asked for by every page after it loaded (htmx); a fragment."""
    return render_template("main/_nav_counts.html", counts=header_counts())


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
