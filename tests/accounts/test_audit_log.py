"""The audit table: rows for each account event, append-only, readable by admins and auditors."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from accounts_helpers import NEW_PASSWORD, TEST_PASSWORD, audit_actions, sign_in
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select, update

from tests.conftest import csrf_client
from webapp.audit import AuditLogIsAppendOnly, record
from webapp.extensions import db
from webapp.models import AuditEvent, Role, User


def test_account_events_are_recorded(app: Flask, admin_client: FlaskClient,
                                     make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    browser = csrf_client(app)
    sign_in(browser, "olga", "wrong-password-here")
    sign_in(browser, "olga")
    browser.post("/profile/password", data={
        "pw-current_password": TEST_PASSWORD, "pw-new_password": NEW_PASSWORD,
        "pw-confirm": NEW_PASSWORD})
    browser.post("/logout")
    admin_client.post(f"/admin/users/{olga.id}/roles", data={"roles-roles": ["auditor"]})
    # The admin signs in with two factors: password first, then the authenticator code.
    assert audit_actions() == ["login_second_factor_asked", "login", "login_failed", "login",
                               "password_changed", "logout", "roles_changed"]
    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert all(row.ip == "127.0.0.1" and row.at is not None for row in rows)
    assert [row.actor.username for row in rows[2:]] == ["olga"] * 4 + ["ada"]


def test_record_outside_a_request_has_no_ip(app: Flask, make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    row = record("export", actor=olga, target="payouts", details={"rows": 3})
    db.session.commit()
    assert (row.ip, row.actor_id, row.details) == (None, olga.id, {"rows": 3})


def test_rows_cannot_be_changed_or_deleted(app: Flask) -> None:
    row = record("login", target="x")
    db.session.commit()
    row.action = "nothing_happened"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(row)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(update(AuditEvent).values(action="x"))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(delete(AuditEvent))
    db.session.rollback()
    assert db.session.scalars(select(AuditEvent.action)).all() == ["login"]


def test_no_route_can_write_the_audit_log(app: Flask) -> None:
    """The audit pages answer GET only; nothing in the app offers to edit or delete rows."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.audit")]
    assert rules and all(set(r.methods or ()) <= {"GET", "HEAD", "OPTIONS"} for r in rules)


def test_auditor_reads_newest_first_with_filters(auditor_client: FlaskClient,
                                                 make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    record("roles_changed", actor=olga, target="first-target")
    record("user_disabled", actor=olga, target="second-target")
    db.session.commit()
    page = auditor_client.get("/admin/audit").data
    assert page.index(b"second-target") < page.index(b"first-target") < page.index(b"user:")
    only_roles = auditor_client.get("/admin/audit?action=roles_changed").data
    assert b"first-target" in only_roles and b"second-target" not in only_roles
    by_aud = auditor_client.get("/admin/audit?user=AUD").data
    assert b"first-target" not in by_aud and b"<td>Signed in <code" in by_aud
    assert b">aud signed in.</td>" in by_aud  # the row as a sentence
    nonsense = auditor_client.get("/admin/audit?action=%3Cscript%3E")
    assert nonsense.status_code == 200 and b"<script>" not in nonsense.data


def test_audit_page_paginates_and_serves_a_fragment_to_htmx(
        auditor_client: FlaskClient, make_user: Callable[..., User]) -> None:
    olga = make_user("olga", Role.OPERATOR)
    for n in range(60):
        record("export", actor=olga, target=f"t-{n:02d}")
    db.session.commit()
    first = auditor_client.get("/admin/audit").data
    assert b"t-59" in first and b"t-10" in first and b"t-09" not in first
    second = auditor_client.get("/admin/audit?page=2").data
    assert b"t-09" in second and b"t-59" not in second
    fragment = auditor_client.get("/admin/audit?action=export", headers={"HX-Request": "true"})
    assert b"<html" not in fragment.data and b"t-59" in fragment.data
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 61
