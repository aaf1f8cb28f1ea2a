"""Every route of the app, for anonymous and for each role: page, redirect to login, or 403.

A route with no line in EXPECTED fails `test_every_route_has_an_entry`. To add a route, add one
line below; if its URL has a parameter no factory in PARAM_FACTORIES fills, add a factory too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from tests.conftest import csrf_client
from webapp.auth.sessions import open_session
from webapp.auth.stepup import STEP_UP_KEY
from webapp.extensions import db
from webapp.models import Batch, BatchStatus, Payout, PayoutStatus, PendingChange, Role, User
from webapp.models.base import utcnow

ANON = "anonymous"
ROLES = {"operator": Role.OPERATOR, "manager": Role.MANAGER, "admin": Role.ADMIN,
         "auditor": Role.AUDITOR}
WHO = (ANON, *ROLES)

OK = "ok"  # the view ran: any answer but 400/401/403/404/405/5xx or a redirect to /login
LOGIN = "login"  # 302 to /login
DENY = 403
Expected = dict[str, str | int]


def only(*roles: str, otherwise: str | int = DENY) -> Expected:
    """Signed-in `roles` get the page, other roles `otherwise`, anonymous the login page."""
    unknown = set(roles) - set(ROLES)
    assert not unknown, unknown
    return {ANON: LOGIN, **{r: OK if r in roles else otherwise for r in ROLES}}


def public() -> Expected:
    return dict.fromkeys(WHO, OK)


def signed_only() -> Expected:
    """No session, no CSRF: the provider's signature decides, so an unsigned post is refused
    with 403 whoever sends it."""
    return dict.fromkeys(WHO, 403)


EVERYONE = ("operator", "manager", "admin", "auditor")

EXPECTED: dict[str, Expected] = {
    "main.dashboard": only(*EVERYONE),
    "main.set_language": public(),
    "auth.login": public(),  # signed in: a redirect to the dashboard
    "auth.logout": only(*EVERYONE),
    "auth.profile": only(*EVERYONE),
    "auth.waiting_for_role": only(*EVERYONE),  # with a role: a redirect to the dashboard
    "auth.save_preferences": only(*EVERYONE),
    "auth.change_password": only(*EVERYONE),
    "auth.login_verify": only(*EVERYONE),  # anonymous without a password step: to /login
    "auth.step_up": only(*EVERYONE),
    "auth.twofactor": only(*EVERYONE),
    "auth.twofactor_setup": only(*EVERYONE),
    # Anyone holding a valid one-time link (a made-up one is "not found": tested elsewhere).
    "auth.setup_account": public(),
    "auth.twofactor_backup_codes": only(*EVERYONE),
    "auth.twofactor_disable": only(*EVERYONE),
    "auth.sessions": only(*EVERYONE),
    "auth.end_all_sessions": only(*EVERYONE),
    "admin.users": only("admin"),
    "admin.user": only("admin"),
    "admin.create_user": only("admin"),
    "admin.set_roles": only("admin"),
    "admin.disable_user": only("admin"),
    "admin.enable_user": only("admin"),
    "admin.reset_password": only("admin"),
    "admin.set_limit": only("admin"),
    "admin.remove_limit": only("admin"),
    "admin.reset_two_factor": only("admin"),
    "admin.end_user_sessions": only("admin"),
    "admin.pending": only("admin"),
    "admin.confirm_change": only("admin"),
    "admin.cancel_change": only("admin"),
    "admin.audit": only("admin", "auditor"),
    "payouts.index": only(*EVERYONE),
    "payouts.totals": only(*EVERYONE),
    "payouts.export_csv": only(*EVERYONE),
    "payouts.export_xlsx": only(*EVERYONE),
    "new_payout.new": only("operator", "manager"),
    "new_payout.create": only("operator", "manager"),
    "payouts.detail": only(*EVERYONE),
    "payouts.status": only(*EVERYONE),
    "payouts.check": only("operator", "manager", "admin"),
    "payouts.attention": only("manager", "admin", "auditor"),
    "payouts.resubmit_refused": only("operator", "manager"),
    "approvals.queue": only("manager"),
    "approvals.approve": only("manager"),
    "approvals.reject": only("manager"),
    "approvals.bulk_reject": only("manager"),
    "approvals.bulk_review": only("manager"),
    "approvals.bulk_review_resumed": only("manager"),
    "approvals.bulk_approve": only("manager"),
    "batches.index": only(*EVERYONE),
    "batches.new": only("operator", "manager"),
    "batches.upload": only("operator", "manager"),
    "batches.template_csv_file": only("operator", "manager"),
    "batches.template_xlsx_file": only("operator", "manager"),
    "batches.detail": only(*EVERYONE),
    "batches.rows": only(*EVERYONE),
    "batches.progress": only(*EVERYONE),
    "batches.errors_file": only(*EVERYONE),
    "batches.failed_file": only(*EVERYONE),
    "batches.reupload": only("operator", "manager"),
    "batches.submit": only("operator", "manager"),
    "batches.retry": only("operator", "manager"),
    "batches.approve": only("manager"),
    "batches.reject": only("manager"),
    "main.nav_counts": only(*EVERYONE),
    "recipients.index": only(*EVERYONE),
    "recipients.detail": only(*EVERYONE),
    "recipients.new": only("operator", "manager"),
    "recipients.edit": only("operator", "manager"),
    "recipients.archive": only("operator", "manager"),
    "recipients.remove_detail": only("operator", "manager"),
    "recipients.add_details": only("operator", "manager"),
    "recipients.from_payout": only("operator", "manager"),
    "callbacks.paymega": signed_only(),
    "observability.healthz": public(),  # probes: no session, reveal nothing
    "observability.readyz": public(),
    "observability.metrics": {**only("admin", "auditor", otherwise=404), ANON: 404},
    "notifications.inbox": only(*EVERYONE),
    "notifications.count": only(*EVERYONE),
    # Only the operator owns the notification the factory makes; others find nothing.
    "notifications.read_one": {**only("operator", otherwise=404)},
    "notifications.read_all": only(*EVERYONE),
    "notifications.settings": only(*EVERYONE),
    "notifications.change_address": only(*EVERYONE),
    "notifications.save_preferences": only(*EVERYONE),
    "notifications.confirm_page": public(),  # signed out: "sign in first", no details
    "notifications.confirm": only(*EVERYONE),
    "notifications.admin_set_address": only("admin"),
    "reconciliation.index": only("manager", "admin", "auditor"),
    "reconciliation.start": only("manager", "admin", "auditor"),
    "reconciliation.run": only("manager", "admin", "auditor"),
    "reconciliation.progress": only("manager", "admin", "auditor"),
    "reconciliation.explain": only("manager", "admin", "auditor"),
    "reconciliation.export_csv": only("manager", "admin", "auditor"),
    "reconciliation.export_xlsx": only("manager", "admin", "auditor"),
}
IGNORED = {"static"}


def _target_user(users: dict[str, User]) -> int:
    user = User(username="target", password_hash="x")
    user.set_roles({Role.OPERATOR})
    db.session.add(user)
    db.session.commit()
    return user.id


def _payout(users: dict[str, User]) -> int:
    """A final payout created by the operator: visible to every role, safe to act upon."""
    payout = Payout(
        reference_id="matrix-ref-1", status=PayoutStatus.REJECTED, amount=Decimal("10.00"),
        currency="EUR", service_code="matrix", fields_masked={},
        service_snapshot={"code": "matrix", "currency": "EUR", "fields": []},
        fields_encrypted="", created_by_id=users["operator"].id,
    )
    db.session.add(payout)
    db.session.commit()
    return payout.id


def _batch(users: dict[str, User]) -> int:
    """A finished batch uploaded by the operator: visible to every role, safe to act upon."""
    batch = Batch(status=BatchStatus.DONE, service_code="matrix", currency="EUR",
                  service_snapshot={"code": "matrix", "currency": "EUR", "fields": []},
                  created_by_id=users["operator"].id, total=Decimal("0"))
    db.session.add(batch)
    db.session.commit()
    return batch.id


def _pending_change(users: dict[str, User]) -> int:
    """A manager grant asked by another admin, so the matrix admin may confirm or cancel it."""
    requester = User(username="requester", password_hash="x")
    requester.set_roles({Role.ADMIN})
    db.session.add(requester)
    db.session.flush()
    change = PendingChange(kind="grant_role", target_user_id=users["operator"].id,
                           payload={"grant": ["manager"], "remove": []},
                           requested_by_id=requester.id, expires_at=utcnow() + timedelta(hours=1))
    db.session.add(change)
    db.session.commit()
    return change.id


def _setup_token(users: dict[str, User]) -> str:
    """A valid one-time set-up link of the auditor (a form post without fields keeps it)."""
    from webapp.auth.setup_links import issue

    token = issue(users["auditor"], "reset_password", users["admin"])
    db.session.commit()
    return token


def _recipient(users: dict[str, User]) -> int:
    """A saved recipient with one payment detail (shared by `detail_id`)."""
    from webapp.models import Recipient, RecipientDetail

    found = db.session.scalar(db.select(Recipient).filter_by(reference="matrix-r"))
    if found is not None:
        return found.id
    recipient = Recipient(name="Matrix", reference="matrix-r", created_by_id=users["operator"].id)
    recipient.details.append(RecipientDetail(
        service_code="matrix", currency="EUR", fields_masked={}, fields_encrypted="",
        service_snapshot={"code": "matrix", "currency": "EUR", "fields": []}))
    db.session.add(recipient)
    db.session.commit()
    return recipient.id


def _recipient_detail(users: dict[str, User]) -> int:
    from webapp.models import Recipient

    recipient = db.session.get(Recipient, _recipient(users))
    assert recipient is not None
    return recipient.details[0].id


def _reconciliation_run(users: dict[str, User]) -> int:
    """A finished reconciliation run (shared by `difference_id`)."""
    from webapp.models import ReconciliationRun
    from webapp.reconciliation import runner

    found = db.session.scalar(db.select(ReconciliationRun.id))
    if found is not None:
        return found
    start, end = runner.day_bounds(utcnow())
    run = runner.create_run(start, end, requested_by_id=users["auditor"].id)
    db.session.commit()
    return run.id


def _difference(users: dict[str, User]) -> int:
    from webapp.models import ReconciliationDifference

    row = ReconciliationDifference(run_id=_reconciliation_run(users), kind="amount",
                                   currency="USD", desk_value="10", provider_value="12")
    db.session.add(row)
    db.session.commit()
    return row.id


def _notification(users: dict[str, User]) -> int:
    """A notification of the operator's."""
    from webapp.models import Notification

    row = Notification(user_id=users["operator"].id, event="payout_rejected", subject="payout",
                       idempotency_key="matrix")
    db.session.add(row)
    db.session.commit()
    return row.id


# URL parameter name -> factory returning its value (given the role users, by role name).
PARAM_FACTORIES: dict[str, Callable[[dict[str, User]], object]] = {
    "change_id": _pending_change,
    "user_id": _target_user,
    "payout_id": _payout,
    "batch_id": _batch,
    "notification_id": _notification,
    "run_id": _reconciliation_run,
    "difference_id": _difference,
    "token": _setup_token,
    "currency": lambda users: "EUR",
    "recipient_id": _recipient,
    "detail_id": _recipient_detail,
}


def missing_entries(rules: Iterable[Rule]) -> list[str]:
    return sorted({r.endpoint for r in rules} - set(EXPECTED) - IGNORED)


def test_every_route_has_an_entry(app: Flask) -> None:
    assert missing_entries(app.url_map.iter_rules()) == [], "add these endpoints to EXPECTED"


def test_a_new_route_without_entry_is_caught(app: Flask) -> None:
    extra = Rule("/brand-new", endpoint="feature.brand_new")
    before = missing_entries(app.url_map.iter_rules())
    assert missing_entries([*app.url_map.iter_rules(), extra]) == sorted(
        [*before, "feature.brand_new"])


def test_every_entry_names_a_route(app: Flask) -> None:
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert sorted(set(EXPECTED) - endpoints) == [], "stale entries in EXPECTED"


def _client_for(app: Flask, user: User | None) -> FlaskClient:
    """A browser signed in as `user` with a session row and a just-typed TOTP code (managers
    and admins are enrolled by make_user), so only the role rules decide."""
    client = csrf_client(app)
    if user is not None:
        open_session(user, "127.0.0.1", "matrix")
        db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session[STEP_UP_KEY] = time.time()
    return client


def _answer_matches(expected: str | int, status: int, location: str | None) -> bool:
    to_login = status == 302 and location is not None and urlsplit(location).path == "/login"
    if expected == LOGIN:
        return to_login
    if expected == OK:
        return not to_login and status < 500 and status not in {400, 401, 403, 404, 405}
    return status == expected


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_route_answers_each_role(app: Flask, client: FlaskClient, make_user: Callable[..., User],
                                 endpoint: str) -> None:
    rules = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    assert rules, f"{endpoint} is in EXPECTED but not registered"
    users = {name: make_user(f"m_{name}", role) for name, role in ROLES.items()}
    mismatches = []
    for rule in rules:
        missing = [a for a in rule.arguments if a not in PARAM_FACTORIES]
        assert not missing, f"add a PARAM_FACTORIES entry for {missing} ({rule.rule})"
        values = {name: PARAM_FACTORIES[name](users) for name in rule.arguments}
        built = rule.build(values)
        assert built is not None, rule.rule
        url = built[1]
        methods = set(rule.methods or ()) - {"HEAD", "OPTIONS"}
        method = "GET" if "GET" in methods else sorted(methods)[0]
        for who in WHO:
            test_client = _client_for(app, users.get(who))
            response = test_client.open(url, method=method)
            expected = EXPECTED[endpoint][who]
            if not _answer_matches(expected, response.status_code, response.location):
                mismatches.append(f"{method} {url} as {who}: expected {expected}, "
                                  f"got {response.status_code} {response.location or ''}")
    assert not mismatches, "\n".join(mismatches)
