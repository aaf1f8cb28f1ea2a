"""A desk with people in every role and payouts in a few states, and the main pages each
role opens. Shared by the accessibility, layout and security tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from webapp.approvals.fingerprint import fingerprint_of
from webapp.approvals.services import reject
from webapp.extensions import db
from webapp.models import Payout, Role, User

ROLE_USERS = {
    Role.OPERATOR: "olga",
    Role.MANAGER: "max",
    Role.ADMIN: "ada",
    Role.AUDITOR: "aud",
}


@dataclass(frozen=True)
class Desk:
    users: dict[Role, User]
    second_manager: User
    waiting: Payout  # created by olga, awaiting approval
    rejected: Payout  # created by olga, rejected by max with a reason

    def pages(self, role: Role) -> dict[str, str]:
        """Name → path of the main pages `role` may open."""
        common = {
            "dashboard": "/",
            "payouts list": "/payouts/",
            "payout page (waiting)": f"/payouts/{self.waiting.id}",
            "payout page (rejected)": f"/payouts/{self.rejected.id}",
            "profile": "/profile",
            "payout status page": f"/payouts/{self.waiting.id}/status",
        }
        by_role: dict[Role, dict[str, str]] = {
            Role.OPERATOR: {
                "new payout": "/payouts/new",
                "new payout (services)": "/payouts/new?currency=USD&amount=10.00",
                "new payout (form)": "/payouts/new?currency=USD&amount=10.00&service=test_usd",
            },
            Role.MANAGER: {"approvals queue": "/approvals/"},
            Role.ADMIN: {
                "users": "/admin/users",
                "user page": f"/admin/users/{self.users[Role.OPERATOR].id}",
                "audit log": "/admin/audit",
            },
            Role.AUDITOR: {"audit log": "/admin/audit"},
        }
        return {**common, **by_role[role]}


def build_desk(make_user: Callable[..., User], make_payout: Callable[..., Any]) -> Desk:
    users = {role: make_user(name, role) for role, name in ROLE_USERS.items()}
    second = make_user("mia", Role.MANAGER)
    operator = users[Role.OPERATOR]
    waiting = make_payout(operator, amount="25.00")
    rejected = make_payout(operator, amount="7.50",
                           fields={"account": "987654321"})
    reject(rejected.id, users[Role.MANAGER], "Account closed <b>per</b> bank",
           fingerprint_of(rejected))
    db.session.commit()
    return Desk(users=users, second_manager=second,
                waiting=db.session.get(Payout, waiting.id),
                rejected=db.session.get(Payout, rejected.id))


PUBLIC_PAGES = {"login": "/login"}
NOT_PAGES = {"static", "observability.metrics", "observability.healthz", "observability.readyz",
             "auth.login", "auth.login_verify",
             "main.nav_counts"}  # the header's numbers: a fragment each page loads


def every_page(app: Flask, desk: Desk, role: Role) -> dict[str, str]:
    """The desk's main pages for `role` plus every GET route without parameters that the app
    has (features added later are checked too); the caller skips those `role` may not open."""
    pages = desk.pages(role)
    known = set(pages.values())
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if ("GET" not in (rule.methods or ()) or rule.arguments or rule.endpoint in NOT_PAGES
                or rule.rule.endswith((".csv", ".xlsx")) or rule.rule in known):
            continue
        pages[rule.endpoint] = rule.rule
    return pages


def opens_as_page(page: Any, response: Any, path: str, must_open: bool) -> bool:
    """True when `path` showed its own HTML page. A main page of the role must; a discovered
    route may refuse the role (403), redirect it elsewhere, or not be HTML."""
    shown = (response.status == 200 and page.url.split("?")[0].endswith(path.split("?")[0])
             and "text/html" in (response.headers.get("content-type") or ""))
    assert shown or not must_open, f"{path}: {response.status} at {page.url}"
    return shown
