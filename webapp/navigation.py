"""The header's navigation, built from the user's roles and the routes that exist."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from webapp.lazy_text import lazy_gettext as _l
from webapp.models import Role

ALL = (Role.OPERATOR, Role.MANAGER, Role.ADMIN, Role.AUDITOR)

# (endpoint, label, roles that see it); entries whose endpoint is not registered are skipped.
NAV = (
    ("main.dashboard", _l("Dashboard"), ALL),
    ("new_payout.new", _l("New payout"), (Role.OPERATOR, Role.MANAGER)),
    ("payouts.index", _l("Payouts"), ALL),
    ("approvals.queue", _l("Approvals"), (Role.MANAGER,)),
    ("batches.new", _l("Batches"), (Role.OPERATOR, Role.MANAGER)),
    ("payouts.attention", _l("Needs attention"), (Role.ADMIN, Role.MANAGER, Role.AUDITOR)),
    ("admin.users", _l("Users"), (Role.ADMIN,)),
    ("admin.pending", _l("Pending changes"), (Role.ADMIN,)),
    ("admin.audit", _l("Audit log"), (Role.ADMIN, Role.AUDITOR)),
    ("reconciliation.index", _l("Reconciliation"), (Role.MANAGER, Role.ADMIN, Role.AUDITOR)),
    ("auth.profile", _l("Profile"), ALL),
)


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    active: bool


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    endpoints = current_app.view_functions
    items = []
    for endpoint, label, roles in NAV:
        if endpoint in endpoints and current_user.has_role(*roles):
            items.append(NavItem(url_for(endpoint), str(label), request.endpoint == endpoint))
    return items


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(nav_items=nav_items, current_locale=lambda: str(get_locale()))
