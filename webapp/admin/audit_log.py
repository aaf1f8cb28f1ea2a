"""/admin/audit: the append-only audit log, newest first, filtered by action and user.

Read-only by design: no route here (or anywhere) changes or deletes an audit row.
"""

from __future__ import annotations

from flask import request
from sqlalchemy import Select, func, select
from wtforms import SelectChoice

from webapp.admin import bp
from webapp.admin.forms import AuditFilterForm
from webapp.audit import ACTION_LABELS, action_label
from webapp.auth.access import roles_required
from webapp.extensions import db
from webapp.htmx import render_page
from webapp.models import AuditEvent, Role, User

PER_PAGE = 50


def _action_choices() -> list[SelectChoice]:
    seen = set(db.session.scalars(select(AuditEvent.action).distinct()))
    actions = sorted(seen | set(ACTION_LABELS))
    return [SelectChoice("", "—")] + [SelectChoice(a, action_label(a)) for a in actions]


def _filtered(form: AuditFilterForm) -> Select[tuple[AuditEvent]]:
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if form.action.data:
        query = query.where(AuditEvent.action == form.action.data)
    if form.user.data:
        name = form.user.data.strip().lower()
        query = query.join(User, AuditEvent.actor_id == User.id).where(
            func.lower(User.username) == name
        )
    return query


@bp.route("/audit", methods=["GET"])
@roles_required(Role.ADMIN, Role.AUDITOR)
def audit() -> str:
    form = AuditFilterForm(request.args)
    form.action.choices = _action_choices()
    if not form.validate():
        form = AuditFilterForm()
        form.action.choices = _action_choices()
    page = db.paginate(_filtered(form), page=request.args.get("page", 1, type=int),
                       per_page=PER_PAGE, error_out=False)
    filters = {k: v for k, v in {"action": form.action.data, "user": form.user.data}.items() if v}
    return render_page("admin/audit.html", "admin/_audit_table.html", page=page, form=form,
                       filters=filters, action_label=action_label)
