"""The header's navigation, built from the user's roles and the routes that exist."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from webapp.lazy_text import lazy_gettext as _l
from webapp.models import Role, User

log = logging.getLogger(__name__)

ALL = (Role.OPERATOR, Role.MANAGER, Role.ADMIN, Role.AUDITOR)

# (endpoint, label, roles that see it); entries whose endpoint is not registered are skipped.
NAV = (
    ("main.dashboard", _l("Dashboard"), ALL),
    ("new_payout.new", _l("New payout"), (Role.OPERATOR, Role.MANAGER)),
    ("payouts.index", _l("Payouts"), ALL),
    ("recipients.index", _l("Recipients"), ALL),
    ("approvals.queue", _l("Approvals"), (Role.MANAGER,)),
    ("batches.new", _l("Batches"), (Role.OPERATOR, Role.MANAGER)),
    ("payouts.attention", _l("Needs attention"), (Role.ADMIN, Role.MANAGER, Role.AUDITOR)),
    ("admin.users", _l("Users"), (Role.ADMIN,)),
    ("admin.pending", _l("Pending changes"), (Role.ADMIN,)),
    ("admin.audit", _l("Audit log"), (Role.ADMIN, Role.AUDITOR)),
    ("notifications.inbox", _l("Inbox"), ALL),
    ("reconciliation.index", _l("Reconciliation"), (Role.MANAGER, Role.ADMIN, Role.AUDITOR)),
    ("auth.profile", _l("Profile"), ALL),
)


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    active: bool
    # The id of the empty slot a number fills ("3 to fix") when a feature counts something
    # for this entry; the numbers arrive in a request of their own (`nav_counts`), so a page
    # costs no extra query.
    count_slot: str | None = None


@dataclass(frozen=True)
class NavCountValue:
    slot: str
    count: int
    label: str


# A count: (the user → a number, or None when it does not apply to them; what it counts).
NavCount = tuple[Callable[[User], int | None], Callable[[], str]]


def register_count(app: Flask, endpoint: str, count: NavCount) -> None:
    """A feature puts a number beside its entry (the feature computes it; this module only
    shows it), so the header never imports a feature."""
    app.extensions.setdefault("nav_counts", {})[endpoint] = count


def _slot(endpoint: str) -> str:
    return "nav-count-" + endpoint.replace(".", "-").replace("_", "-")


def _visible_entries() -> tuple[tuple[str, str], ...]:
    """(endpoint, label) of the entries the user's roles see, in the reader's language. Every
    page asks, so they are kept per language and set of roles (a few dozen at most)."""
    roles = frozenset(current_user.effective_roles)
    key = (str(get_locale()), roles)
    kept: dict[tuple[str, frozenset[Role]], tuple[tuple[str, str], ...]] = (
        current_app.extensions.setdefault("nav_entries", {}))
    entries = kept.get(key)
    if entries is None:
        endpoints = current_app.view_functions
        entries = kept[key] = tuple((endpoint, str(label)) for endpoint, label, seen_by in NAV
                                    if endpoint in endpoints and roles.intersection(seen_by))
    return entries


@dataclass(frozen=True)
class NavBar:
    items: list[NavItem]
    counted: bool  # some entry has a number to fetch


def nav_items() -> NavBar:
    if not current_user.is_authenticated:
        return NavBar([], counted=False)
    counted = current_app.extensions.get("nav_counts", {})
    here = request.endpoint
    items = [NavItem(url_for(endpoint), label, here == endpoint,
                     _slot(endpoint) if endpoint in counted else None)
             for endpoint, label in _visible_entries()]
    return NavBar(items, counted=any(item.count_slot for item in items))


def nav_counts() -> list[NavCountValue]:
    """The numbers for the entries this user sees (zero and not-applicable ones left out)."""
    counted: dict[str, NavCount] = current_app.extensions.get("nav_counts", {})
    user = current_user._get_current_object()
    values = []
    for endpoint, _label in _visible_entries():
        if endpoint not in counted:
            continue
        count, what = counted[endpoint]
        try:
            number = count(user)
        except SQLAlchemyError:
            log.warning("Navigation count for %s failed", endpoint, exc_info=True)
            continue
        if number:
            values.append(NavCountValue(_slot(endpoint), number, what()))
    return values


def inbox_shown() -> bool:
    """The header shows the inbox link; its unread count arrives in its own request (htmx on
    load and then polled), so a page costs no extra query."""
    # Not for an account whose role waits for confirmation: every other page (the count too)
    # sends it to the waiting page, which must not be swapped into the header.
    return bool(current_user.is_authenticated and current_user.roles
                and "notifications.count" in current_app.view_functions)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(nav_items=nav_items, current_locale=lambda: str(get_locale()),
                                 inbox_shown=inbox_shown)
