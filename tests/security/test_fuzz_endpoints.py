"""Hypothesis posts hostile values to every POST endpoint in the app's URL map (forms and the
JSON callback), as each role and as a stranger: never a 500, never our payload reflected as
markup, and when the answer is an error nothing is written, except the audit record of a
refusal (a failed sign-in, a wrong code) which is the point of an audit log.

"An error" is a 4xx, a page that marks a field invalid or shows an error flash, or a redirect
that leaves an error flash for the next page.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from werkzeug.datastructures import MultiDict

from tests.browser.desk import ROLE_USERS, build_desk
from tests.conftest import app_settings, csrf_client, login
from tests.security.fuzz_inputs import MARKUP, form_data, raw_body
from webapp import create_app
from webapp.extensions import db
from webapp.models import AuditEvent

ROLES = [*ROLE_USERS, None]  # None: a stranger, not signed in
EXAMPLES_PER_ROLE = 15
REFUSAL_AUDIT = re.compile(r"(fail|lock|refus|denied|invalid|wrong|second_factor_asked)")
# Tables whose rows must not change at all on an error (others: only their row count).
GUARDED_ROWS = ("payouts", "payout_approvals", "users", "user_roles", "approval_limits",
                "batches", "batch_rows", "pending_changes", "backup_codes")


def _post_rules() -> list[tuple[str, str, tuple[str, ...]]]:
    app = create_app(app_settings("sqlite://", "http://127.0.0.1:9"))
    return sorted(
        (rule.endpoint, rule.rule, tuple(sorted(rule.arguments)))
        for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())
    )


POST_RULES = _post_rules()


def snapshot() -> dict[str, Any]:
    """Row counts of every table, full contents of the guarded ones, and the audit rows that
    are not refusals."""
    db.session.expire_all()
    state: dict[str, Any] = {}
    for table in db.metadata.sorted_tables:
        if table.name == "audit_events":
            continue
        if table.name in GUARDED_ROWS:
            rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
            state[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
        else:
            state[table.name] = db.session.scalar(
                select(db.func.count()).select_from(table))
    audit = db.session.execute(select(AuditEvent.id, AuditEvent.action)).all()
    state["audit_events"] = sorted(a for a in audit if not REFUSAL_AUDIT.search(a.action))
    return state


def error_flashed(client: FlaskClient) -> bool:
    with client.session_transaction() as session:
        return any(category == "error" for category, _m in session.get("_flashes", []))


def is_error(client: FlaskClient, status: int, body: bytes) -> bool:
    if status >= 400:
        return True
    if status == 200:
        return b'aria-invalid="true"' in body or b"flash-error" in body
    return 300 <= status < 400 and error_flashed(client)


def url_for_rule(app: Flask, endpoint: str, arguments: tuple[str, ...], ids: list[int],
                 pick: st.DataObject) -> str:
    values = {name: pick.draw(st.sampled_from(ids), label=name) for name in arguments}
    with app.test_request_context():
        return app.url_for(endpoint, **values)


@pytest.mark.parametrize(("endpoint", "rule", "arguments"), POST_RULES,
                         ids=[r[0] for r in POST_RULES])
def test_hostile_posts_never_break_or_write(endpoint, rule, arguments, app, make_user,
                                            make_payout, client_for, sandbox) -> None:
    desk = build_desk(make_user, make_payout)
    ids = sorted({u.id for u in desk.users.values()} | {desk.waiting.id, desk.rejected.id,
                                                         0, 2**31 - 1})
    # Everyone signs in first: an admin's post may disable the auditor before their turn.
    clients = {role: client_for(ROLE_USERS[role]) if role else csrf_client(app)
               for role in ROLES}
    for role in ROLES:
        fuzz_as(ROLE_USERS[role] if role else None, clients[role], app, endpoint, arguments,
                ids)


def fuzz_as(username: str | None, client: FlaskClient, app: Flask, endpoint: str,
            arguments: tuple[str, ...], ids: list[int]) -> None:
    """`EXAMPLES_PER_ROLE` hostile posts to `endpoint` as `username` (None: a stranger)."""
    clients = [client]

    @settings(max_examples=EXAMPLES_PER_ROLE, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(pick=st.data(), fields=form_data, body=raw_body, as_form=st.booleans(),
           with_csrf=st.integers(0, 9))
    def post_hostile(pick: st.DataObject, fields: dict[str, list[str]],
                     body: tuple[bytes, str], as_form: bool, with_csrf: int) -> None:
        if username and not signed_in(clients[-1]):  # it posted to /logout: sign in again
            clients.append(csrf_client(app))
            login(clients[-1], username)  # (refused if an admin's post disabled the user)
        client = clients[-1]
        with client.session_transaction() as session:  # the test client follows no redirect,
            session.pop("_flashes", None)  # so an earlier answer's flash would still be here
        url = url_for_rule(app, endpoint, arguments, ids, pick)
        before = snapshot()
        options: dict[str, Any] = {"csrf": with_csrf != 0} if username else {}
        if as_form:
            data = MultiDict([(k, v) for k, values in fields.items() for v in values])
            answer = client.post(url, data=data, **options)
        else:
            raw, content_type = body
            answer = client.post(url, data=raw, content_type=content_type, **options)
        payload = answer.get_data()
        assert answer.status_code < 500, (username, url, answer.status_code, payload[:300])
        for markup in MARKUP:
            assert markup.encode() not in payload, (username, url, markup)
        if is_error(client, answer.status_code, payload):
            assert snapshot() == before, (username, url, answer.status_code)

    post_hostile()


def signed_in(client: FlaskClient) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


def test_every_post_endpoint_is_fuzzed() -> None:
    endpoints = {endpoint for endpoint, _rule, _args in POST_RULES}
    assert {"new_payout.create", "approvals.approve", "approvals.reject", "approvals.bulk_approve",
            "approvals.bulk_reject", "approvals.bulk_review",
            "callbacks.paymega", "auth.login", "admin.create_user", "main.set_language"} \
        <= endpoints


def test_the_error_test_sees_a_refusal(app, client, make_user) -> None:
    """The invariant's own check: a CSRF-less post is an error, and a changed row is seen."""
    make_user("olga")
    before = snapshot()
    answer = client.post("/login", data={"username": "olga", "password": "x"}, csrf=False)
    assert is_error(client, answer.status_code, answer.get_data())
    assert snapshot() == before
    db.session.execute(text("UPDATE users SET disabled = :yes"), {"yes": True})
    db.session.commit()
    assert snapshot() != before


@pytest.mark.parametrize("body", [b"false", b"[[null]]", b"[1, 2]", b'{"username": "x"}'])
def test_a_json_body_to_a_form_is_refused_not_a_crash(operator_client, body) -> None:
    """Found by the fuzz: Flask-WTF read JSON bodies as form data and crashed on non-objects."""
    before = snapshot()
    answer = operator_client.post("/profile/preferences", data=body,
                                  content_type="application/json")
    assert answer.status_code == 415
    assert snapshot() == before


@pytest.mark.parametrize("name", ["Ann\x00Lee", "\x00"])
def test_a_nul_in_a_posted_field_is_refused_not_a_crash(operator_client, name) -> None:
    """Found by the fuzz: a NUL in a recipient's name reached PostgreSQL, which refuses it in
    text (a 500). Nobody types one: the post is a 400 and nothing is written."""
    before = snapshot()
    answer = operator_client.post("/recipients/new", data={"name": name, "reference": ""})
    assert answer.status_code == 400
    assert snapshot() == before
